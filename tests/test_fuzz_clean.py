"""The cleaner and the chunker on hostile text: never an exception, never a hang,
and the offsets that citations depend on stay true (issue 11).

Property tests (hypothesis) draw text from an alphabet weighted to what the rules
look for (Chinese punctuation, pinyin, superscripts, boilerplate words, TOC dots,
bold markers, all kinds of whitespace); explicit cases run 1M-character single
lines that once made three rules quadratic (eval/fuzz_loaders.py measures them).
"""

from __future__ import annotations

import os
import signal
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from types import FrameType

import pytest
from hostile_files import LONG_LINE_UNITS, long_line
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assistant.ingest.chunk import chunk_document
from assistant.ingest.clean import CleanedText, clean
from assistant.settings import Settings
from assistant.types import Chunk, Document

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "30"))
FUZZ = settings(max_examples=EXAMPLES * 2, deadline=timedelta(seconds=10), database=None,
                derandomize=bool(os.environ.get("CI")),
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
CHUNKING = Settings()
# A cleaned 1M-character line takes ~15 s to chunk (OpenCC normalisation of each
# chunk dominates); a quadratic rule would take hours. Well above the first,
# far below the second: a regression fails instead of hanging CI.
HANG_SECONDS = 300

_PIECES = ["。", "，", "、", "；", "：", "！", "？", "（", "）", "(", ")", "[1]", "¹", "²", "**", "#",
           "....", "…", "·", "\t", "\u3000", "\xa0", "\r", "\n", "\n\n", "  ", "-", "|", "%",
           "目录", "第一章", "图1：", "来源：", "相关推荐", "分享", "2023-01-01", "páo", "rén",
           "Fig. 2", "Table 1", "page 3", "产业", "基金", "100亿元", "ChatGPT", "the ", "a,", "1,",
           "汉", "字", "前 言", " "]
_TEXT = st.lists(st.sampled_from(_PIECES) | st.text(max_size=8), max_size=300).map("".join)


def _doc(text: str) -> Document:
    return Document(doc_id="fuzz", source="fuzz.txt", text=text, title="", encoding="utf-8", kind="txt")


def _check_cleaned(original: str, cleaned: CleanedText) -> None:
    """The promises of ``CleanedText``: one offset per character plus the end, in
    order, and every kept non-whitespace character identical to the original one."""
    assert len(cleaned.offsets) == len(cleaned.text) + 1
    assert list(cleaned.offsets[:-1]) == sorted(cleaned.offsets[:-1])
    for ch, at in zip(cleaned.text, cleaned.offsets, strict=False):
        assert 0 <= at < len(original)
        if not ch.isspace():
            assert original[at] == ch


def _check_chunks(original: str, cleaned: CleanedText) -> list[Chunk]:
    """Chunks quote the original exactly at both ends and together cover all of the
    cleaned text's content; returns them."""
    chunks = chunk_document(_doc(original), cleaned, CHUNKING.chunk_size, CHUNKING.chunk_overlap,
                            CHUNKING.min_chunk_chars)
    covered: set[int] = set()
    for i, chunk in enumerate(chunks):
        assert chunk.ordinal == i and chunk.text and chunk.text == chunk.text.strip()
        assert 0 <= chunk.start < chunk.end <= len(original)
        assert original[chunk.start] == chunk.text[0] and original[chunk.end - 1] == chunk.text[-1]
        covered.update(range(chunk.start, chunk.end))
    content = {at for ch, at in zip(cleaned.text, cleaned.offsets, strict=False) if not ch.isspace()}
    assert content <= covered
    return chunks


@FUZZ
@given(text=_TEXT)
def test_clean_keeps_offsets_true(text: str) -> None:
    _check_cleaned(text, clean(text))


@FUZZ
@given(text=_TEXT)
def test_chunks_quote_the_original_and_cover_the_text(text: str) -> None:
    _check_chunks(text, clean(text))


@FUZZ
@given(text=st.text(max_size=3000))
def test_any_unicode_cleans_and_chunks(text: str) -> None:
    cleaned = clean(text)
    _check_cleaned(text, cleaned)
    _check_chunks(text, cleaned)


@contextmanager
def _hang_guard(seconds: int) -> Iterator[None]:
    """Fail (instead of hanging the suite) when the block runs past ``seconds``."""

    def expire(signum: int, frame: FrameType | None) -> None:
        raise TimeoutError(f"still running after {seconds} s: quadratic again?")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


# 1 MB of UTF-8 Chinese: ~350k characters.
_MB_OF_CHINESE = 1024 * 1024 // 3


@pytest.mark.parametrize(("unit", "length"), [("今年广西设立了人工智能产业基金，", _MB_OF_CHINESE),
                                            ("a", 100_000), ("1,", 100_000), ("**a ", 100_000)])
def test_long_single_line_cleans_and_chunks(unit: str, length: int) -> None:
    """A 1 MB line of Chinese prose, and shorter lines of one endless word, digits
    with commas and unclosed bold markers: the lines that made join_broken_lines,
    the number-space rule and the bold rule quadratic (hours at 1M characters).
    Chunks stay within chunk_size and cover the line."""
    text = long_line(unit, length)
    with _hang_guard(HANG_SECONDS):
        cleaned = clean(text)
        _check_cleaned(text, cleaned)
        chunks = _check_chunks(text, cleaned)
    assert all(len(c.text) <= CHUNKING.chunk_size for c in chunks)
    assert len(chunks) >= length // CHUNKING.chunk_size


def test_every_stress_line_cleans_within_the_guard() -> None:
    """All the stress lines of the hostile corpus, 100k characters each, clean."""
    with _hang_guard(HANG_SECONDS):
        for unit in LONG_LINE_UNITS:
            text = long_line(unit, 100_000)
            _check_cleaned(text, clean(text))
