"""Hostile files never crash, never hang, never eat memory (issue 11).

Property tests (hypothesis) feed every extractor random bytes, mutated valid files
and files under the wrong extension: in process each must return text or raise
``IngestError``; through ``load_paths`` (which extracts in the bounded worker)
each file must end as a ``Document`` or a ``Skipped`` with a reason. Explicit
cases cover the named corpus of ``tests/hostile_files.py`` and the limits of
``Settings`` (``max_file_mb``, ``max_unzipped_mb``, ``max_file_seconds``,
``max_file_memory_mb``). ``FUZZ_EXAMPLES`` scales the example counts; the long run
is ``eval/fuzz_loaders.py``.
"""

from __future__ import annotations

import os
import random
import re
import signal
import tempfile
import threading
import time
from datetime import timedelta
from pathlib import Path

import pytest
from hostile_files import (
    MB,
    SAMPLE_EN,
    SAMPLE_ZH,
    SLOW_PDF_MB,
    corpus,
    mutate,
    pdf_flate_bomb,
    seeds,
    zip_bomb_docx,
)
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assistant.errors import IngestError
from assistant.ingest.formats import EXTRACTORS, Extracted, Limits
from assistant.ingest.isolate import worker_pid
from assistant.ingest.load import Skipped, discover, load_file, load_paths
from assistant.settings import Settings

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "30"))
# No shared example database in the checkout; a fixed seed under CI so a run
# cannot fail on an input no one can reproduce (the long run explores freely).
FUZZ = settings(max_examples=EXAMPLES, deadline=timedelta(seconds=20), database=None,
                derandomize=bool(os.environ.get("CI")),
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
EXTS = sorted(EXTRACTORS)
LIMITS = Limits.from_settings(Settings())
# Small limits so the bombs and slow files of these tests stay small and quick.
SMALL = Settings(max_unzipped_mb=4, max_file_seconds=20)
SMALL_BOMB = 16 * MB


def _extract_in_process(ext: str, data: bytes) -> Extracted | IngestError:
    """The extractor's result or its ``IngestError``; any other exception fails the test."""
    try:
        result = EXTRACTORS[ext](data, LIMITS)
    except IngestError as exc:
        assert str(exc), "a skip reason must say something"
        return exc
    assert isinstance(result.text, str) and result.text.strip()
    assert isinstance(result.title, str) and isinstance(result.encoding, str)
    return result


# --- property tests ------------------------------------------------------------------


@FUZZ
@given(ext=st.sampled_from(EXTS), data=st.binary(max_size=4096))
def test_random_bytes_give_text_or_a_reason(ext: str, data: bytes) -> None:
    _extract_in_process(ext, data)


@FUZZ
@given(ext=st.sampled_from(EXTS), source=st.sampled_from(EXTS), rng=st.randoms(use_true_random=False))
def test_mutated_files_give_text_or_a_reason(ext: str, source: str, rng: random.Random) -> None:
    """Truncated, bit-flipped, spliced and re-zipped valid files, under their own
    extension or another one."""
    _extract_in_process(ext, mutate(seeds()[source], rng))


_TEXT = st.text(st.characters(exclude_categories=("Cs", "Cc")) | st.sampled_from("\n\t\r"),
                min_size=1, max_size=2000)


@FUZZ
@given(text=_TEXT, codec=st.sampled_from(["utf-8", "utf-16", "utf-32", "gb18030", "big5", "utf-8-sig"]))
def test_text_in_any_codec_gives_text_or_a_reason(text: str, codec: str) -> None:
    """Text files in every codec we decode (with what the codec cannot encode dropped)."""
    data = text.encode(codec, errors="ignore")
    for ext in (".txt", ".md", ".html"):
        _extract_in_process(ext, data)


@FUZZ
@given(text=_TEXT)
def test_clean_utf8_text_loads_exactly(text: str) -> None:
    """UTF-8 text without control characters is never refused and never altered
    (beyond one newline convention)."""
    if not text.strip() or text.startswith("\ufeff"):
        return
    result = _extract_in_process(".txt", text.encode("utf-8"))
    assert isinstance(result, Extracted)
    assert result.text == text.replace("\r\n", "\n").replace("\r", "\n")


@settings(FUZZ, max_examples=max(5, EXAMPLES // 3))
@given(files=st.lists(st.tuples(st.sampled_from(EXTS), st.sampled_from(EXTS),
                                st.randoms(use_true_random=False)), min_size=1, max_size=6))
def test_load_paths_accounts_for_every_file(files: list[tuple[str, str, random.Random]]) -> None:
    """Through the bounded worker: every file is a Document or a Skipped with a reason."""
    with tempfile.TemporaryDirectory() as tmp:
        for i, (ext, source, rng) in enumerate(files):
            (Path(tmp) / f"f{i}{ext}").write_bytes(mutate(seeds()[source], rng))
        result = load_paths([tmp], progress=False, settings=SMALL)
    assert len(result.documents) + len(result.skipped) == len(files)
    assert all(s.reason for s in result.skipped)


# --- the named hostile corpus --------------------------------------------------------------

# What must become of each named file: a document containing this text, or a
# skip whose reason contains it. Files not listed need only be accounted for.
EXPECTED: dict[str, tuple[str, str]] = {
    "nul_bytes.txt": ("skip", "binary file (contains NUL bytes)"),
    "nul_utf16.txt": ("skip", "not valid utf-16"),
    "controls_only.md": ("skip", "binary file"),
    "nested_2000.html": ("doc", SAMPLE_ZH),
    "nested_pre_5000.htm": ("doc", SAMPLE_ZH),
    "pdf_as_docx.docx": ("skip", "corrupt or not a real .docx"),
    "not_a_zip.docx": ("skip", "corrupt or not a real .docx"),
    "truncated.docx": ("skip", "corrupt or not a real .docx"),
    "zip_bomb.docx": ("skip", "max_unzipped_mb limit of 4 MB"),
    "lying_zip.docx": ("skip", "corrupt or not a real .docx"),
    "encrypted.pdf": ("skip", "encrypted PDF (password required)"),
    "encrypted_empty_password.pdf": ("doc", SAMPLE_EN),
    "header_only.pdf": ("skip", "unreadable PDF"),
    "page_tree_loop.pdf": ("skip", "PDF"),
    "flate_bomb.pdf": ("skip", "unreadable PDF (LimitReachedError"),
    "long_line_00.txt": ("doc", "人工智能产业基金，今年"),
    "long_line_07.txt": ("skip", "empty file (only whitespace)"),
}


@pytest.fixture(scope="module")
def hostile_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("hostile")
    for name, data in corpus(bomb_bytes=SMALL_BOMB).items():
        (folder / name).write_bytes(data)
    return folder


def test_hostile_corpus_is_loaded_or_skipped_with_reasons(hostile_dir: Path) -> None:
    result = load_paths([hostile_dir], progress=False, settings=SMALL)
    docs = {Path(d.source).name: d for d in result.documents}
    skips = {Path(s.source).name: s.reason for s in result.skipped}
    assert set(docs) | set(skips) == {p.name for p in hostile_dir.iterdir()}
    assert not set(docs) & set(skips)
    for name, (outcome, needle) in EXPECTED.items():
        if outcome == "doc":
            assert name in docs, f"{name} skipped: {skips.get(name)}"
            assert needle in docs[name].text
        else:
            assert name in skips, f"{name} was loaded"
            assert needle in skips[name], f"{name}: {skips[name]}"


def test_zip_bomb_of_a_few_kb_is_skipped_naming_the_cap(tmp_path: Path) -> None:
    path = tmp_path / "bomb.docx"
    path.write_bytes(zip_bomb_docx(8 * MB))
    # python-docx's own template is ~36 KB; the 8 MB paragraph adds ~8 KB to it.
    assert path.stat().st_size < 64 * 1024
    with pytest.raises(IngestError, match=r"^DOCX expands to [89] MB when unzipped, over the "
                                          r"max_unzipped_mb limit of 1 MB \(a zip bomb\?\)"):
        load_file(path, Settings(max_unzipped_mb=1))


def test_zip_bomb_is_skipped_at_the_default_cap(tmp_path: Path) -> None:
    """~250 KB on disk, 210 MB of text to parse: over the default max_unzipped_mb (200)."""
    (tmp_path / "bomb.docx").write_bytes(zip_bomb_docx(210 * MB))
    result = load_paths([tmp_path], progress=False)
    assert result.documents == ()
    [skipped] = result.skipped
    assert re.fullmatch(r"DOCX expands to 21[01] MB when unzipped, over the max_unzipped_mb limit "
                        r"of 200 MB \(a zip bomb\?\); raise max_unzipped_mb to index it if you "
                        r"trust the file", skipped.reason), skipped.reason


def test_deeply_nested_html_keeps_its_text(tmp_path: Path) -> None:
    path = tmp_path / "deep.html"
    path.write_bytes(corpus(bomb_bytes=MB)["nested_2000.html"])
    assert SAMPLE_ZH in load_file(path).text


def test_nul_bytes_are_skipped_as_binary(tmp_path: Path) -> None:
    path = tmp_path / "nul.txt"
    path.write_bytes(SAMPLE_ZH.encode() + b"\x00" + SAMPLE_EN.encode())
    with pytest.raises(IngestError, match=r"binary file \(contains NUL bytes\)"):
        load_file(path)


# --- files that vanish, change, block or are too big -------------------------------------------


def test_file_deleted_between_listing_and_reading_is_skipped(tmp_path: Path) -> None:
    for name in ("a.txt", "b.txt"):
        (tmp_path / name).write_text(f"{name} {SAMPLE_ZH}", encoding="utf-8")
    listed = discover([tmp_path])
    (tmp_path / "a.txt").unlink()
    with pytest.raises(IngestError, match="file not found"):
        load_file(listed[0])
    assert SAMPLE_ZH in load_file(listed[1]).text
    # A dangling link is what a walk finds when the target went away meanwhile.
    (tmp_path / "gone.txt").symlink_to(tmp_path / "a.txt")
    result = load_paths([tmp_path], progress=False)
    assert [Path(d.source).name for d in result.documents] == ["b.txt"]
    assert result.skipped == (Skipped(str(tmp_path / "gone.txt"), "file not found (deleted after it was listed?)"),)


@pytest.mark.parametrize("change", [b"appended while read", b""])
def test_file_modified_while_being_read_is_skipped(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                   change: bytes) -> None:
    path = tmp_path / "growing.txt"
    path.write_text(SAMPLE_ZH, encoding="utf-8")
    original = Path.read_bytes

    def read_then_change(self: Path) -> bytes:
        data = original(self)
        # Another program writes the file while (after) we read it: append or truncate.
        with open(self, "ab" if change else "wb") as other:
            other.write(change)
        return data

    monkeypatch.setattr(Path, "read_bytes", read_then_change)
    with pytest.raises(IngestError, match="changed while it was being read"):
        load_file(path)


def test_fifo_is_skipped_without_blocking(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "pipe.txt")  # opening it to read would wait for a writer forever
    (tmp_path / "ok.txt").write_text(SAMPLE_ZH, encoding="utf-8")
    result = load_paths([tmp_path], progress=False)
    assert [Path(d.source).name for d in result.documents] == ["ok.txt"]
    assert [s.reason for s in result.skipped] == ["not a regular file (a pipe, socket or device)"]


def test_symlink_loop_and_undecodable_name_are_skipped(tmp_path: Path) -> None:
    (tmp_path / "loop.txt").symlink_to(tmp_path / "loop.txt")
    bad_name = os.fsdecode(b"caf\xe9.txt")  # Latin-1 bytes in a UTF-8 file system
    (tmp_path / bad_name).write_text(SAMPLE_ZH, encoding="utf-8")
    (tmp_path / "ok.txt").write_text(SAMPLE_EN, encoding="utf-8")
    result = load_paths([tmp_path], progress=False)
    assert [Path(d.source).name for d in result.documents] == ["ok.txt"]
    reasons = {Path(s.source).name: s.reason for s in result.skipped}
    assert reasons == {"loop.txt": "cannot read file (Too many levels of symbolic links)",
                       bad_name: "the file name is not valid UTF-8; rename the file"}


def test_file_over_max_file_mb_is_skipped_unread(tmp_path: Path) -> None:
    path = tmp_path / "big.txt"
    path.write_text("大" * 600_000, encoding="utf-8")  # 1.7 MB
    with pytest.raises(IngestError, match=r"1\.7 MB is over the max_file_mb limit of 1 MB"):
        load_file(path, Settings(max_file_mb=1))
    assert len(load_file(path).text) == 600_000


# --- the worker's time and memory bounds ----------------------------------------------------------


def _slow_pdf(tmp_path: Path) -> Path:
    """A ~60 KB PDF that keeps pypdf busy for minutes (a 16 MB content stream)."""
    path = tmp_path / "slow.pdf"
    path.write_bytes(pdf_flate_bomb(SLOW_PDF_MB))
    return path


def test_file_over_max_file_seconds_is_skipped_and_the_next_one_loads(tmp_path: Path) -> None:
    with pytest.raises(IngestError, match=r"longer than max_file_seconds \(2 s\)"):
        load_file(_slow_pdf(tmp_path), Settings(max_file_seconds=2))
    quick = tmp_path / "quick.txt"
    quick.write_text(SAMPLE_ZH, encoding="utf-8")
    assert load_file(quick, Settings(max_file_seconds=2)).text == SAMPLE_ZH


def test_file_over_max_file_memory_mb_is_skipped_and_the_next_one_loads(tmp_path: Path) -> None:
    page = tmp_path / "big.html"
    page.write_bytes((f"<div><p>{SAMPLE_ZH}</p></div>\n" * 50_000).encode())  # 5 MB of tags
    tight = Settings(max_file_memory_mb=32)
    with pytest.raises(IngestError, match=r"max_file_memory_mb \(32 MB\)|killed|crashed"):
        load_file(page, tight)
    small = tmp_path / "small.html"
    small.write_bytes(f"<p>{SAMPLE_ZH}</p>".encode())
    assert load_file(small, tight).text == SAMPLE_ZH


def test_file_larger_than_the_memory_limit_is_skipped_every_time(tmp_path: Path) -> None:
    """The worker cannot even receive it: it says so and exits; a new one takes the next file."""
    big = tmp_path / "big.txt"
    big.write_bytes(b"a" * (40 * MB))
    tight = Settings(max_file_memory_mb=16)
    for _ in range(2):
        with pytest.raises(IngestError, match=r"needs more than max_file_memory_mb \(16 MB\)"):
            load_file(big, tight)
    small = tmp_path / "small.txt"
    small.write_text(SAMPLE_ZH, encoding="utf-8")
    assert load_file(small, tight).text == SAMPLE_ZH


def _crash_when_busy(pid: int) -> None:
    """Send SIGSEGV to ``pid`` once it has spent 0.2 s of CPU (it is reading then)."""
    def cpu_ticks() -> int:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return int(fields[11]) + int(fields[12])  # utime + stime

    start = cpu_ticks()
    while cpu_ticks() - start < os.sysconf("SC_CLK_TCK") // 5:
        time.sleep(0.02)
    os.kill(pid, signal.SIGSEGV)


def test_reader_crash_is_a_skip_and_the_next_file_loads(tmp_path: Path) -> None:
    quick = tmp_path / "quick.txt"
    quick.write_text(SAMPLE_ZH, encoding="utf-8")
    slow = _slow_pdf(tmp_path)
    load_file(quick)  # the worker is running, idle
    pid = worker_pid()
    assert pid is not None
    crasher = threading.Thread(target=_crash_when_busy, args=(pid,), daemon=True)
    crasher.start()
    with pytest.raises(IngestError, match=r"crashed \(signal 11\)"):
        load_file(slow)
    crasher.join()
    assert load_file(quick).text == SAMPLE_ZH
    assert worker_pid() not in (None, pid)
