"""A knowledge base the chat UI can change: read-only source folders plus uploads.

Uploads are copied into ``Settings.upload_dir`` under a sanitised, unique name;
deleting an upload removes the file, deleting a document from a source folder
only hides it (the user's own folder is never written to). Every rebuild indexes
the current file set into one named index, which is saved atomically and then
swapped in, so questions keep being answered from the old index meanwhile.
"""

from __future__ import annotations

import json
import logging
import re
import shutil
import threading
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from ..assistant import Assistant, IndexReport
from ..errors import InputError
from ..files import atomic_path, write_text_atomic
from ..ingest.load import SUPPORTED, discover

logger = logging.getLogger(__name__)

HIDDEN_FILE = ".hidden.json"  # source files the user deleted from the knowledge base
_UNSAFE = re.compile(r'[\x00-\x1f\x7f<>:"/\\|?*]+')
# Unicode categories that print nothing or reorder what is shown: controls (C0, C1),
# format characters (the right-to-left override makes "evil\u202etxt.md" look like
# "evildm.txt", zero-width spaces), line/paragraph separators and lone surrogates.
_INVISIBLE = frozenset({"Cc", "Cf", "Cs", "Zl", "Zp"})
# Device names on Windows whatever the extension ("NUL.txt", "con.tar.txt"): a copy of the
# upload folder on a Windows disk or share must not turn a document into a device.
_WINDOWS_DEVICES = frozenset({"CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$",
                              *(f"{p}{n}" for p in ("COM", "LPT") for n in "0123456789¹²³")})
# File systems allow 255 bytes per name; files.atomic_path writes ".<stem>.tmp-<pid><ext>"
# beside the target and a repeated name gets "-<n>": 200 bytes of stem leave room for both.
MAX_STEM_CHARS, MAX_STEM_BYTES = 80, 200


FileState = Literal["indexed", "skipped", "pending"]

# Why a file was skipped or refused, as a kind the UI words for people (its text
# is ``skip_<kind>`` in ``i18n``), matched on the developer message that
# ``ingest`` and ``add_upload`` give. First match wins; named groups become
# values of the text. The message itself stays available as the technical detail.
REASON_KINDS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("encrypted", re.compile(r"encrypted PDF")),
    ("too_large", re.compile(r"over the upload limit of (?P<mb>[\d.]+) MB")),
    ("unzipped_too_large", re.compile(r"MB when unzipped")),
    ("too_slow", re.compile(r"took longer than max_file_seconds")),
    ("reader_failed", re.compile(r"the reader process")),
    ("scanned", re.compile(r"no extractable text")),
    ("damaged", re.compile(r"unreadable PDF|corrupt or not a real|Error\b|despite its byte-order mark")),
    ("empty", re.compile(r"empty (file|document)|no visible text|the file is empty")),
    ("not_text", re.compile(r"binary file|unknown text encoding")),
    ("unsupported", re.compile(r"unsupported file type")),
    ("duplicate", re.compile(r"duplicate of (?P<other>.+)$")),
    ("unreadable", re.compile(r"permission denied|not a file|file not found|cannot read file")),
)


def reason_kind(reason: str) -> tuple[str, dict[str, str]]:
    """The kind of a skip or refusal ``reason`` and the values its UI text needs
    (``("other", {})`` for a message no pattern knows)."""
    for kind, pattern in REASON_KINDS:
        m = pattern.search(reason)
        if m:
            values = {k: v for k, v in m.groupdict().items() if v is not None}
            if "other" in values:  # a path: only its file name is shown
                values["other"] = values["other"].replace("\\", "/").split("/")[-1]
            return kind, values
    return "other", {}


@dataclass(frozen=True)
class FileStatus:
    """One file of the knowledge base as the UI lists it."""

    name: str
    path: Path
    state: FileState
    detail: str  # chunk count, skip reason, or why it is pending
    size: int
    uploaded: bool


def safe_filename(name: str) -> str:
    """A file name that cannot leave the upload folder or hide itself.

    Drops any directory part (``../../etc/passwd`` -> ``passwd``), control, invisible and
    reserved characters, leading dots and trailing dots/spaces; shortens long names to
    fit any file system; prefixes Windows device names (``NUL.txt`` -> ``_NUL.txt``);
    keeps Chinese.
    Raises ``InputError`` for unsupported extensions.
    """
    base = unicodedata.normalize("NFC", name.replace("\\", "/").split("/")[-1])
    base = "".join("_" if unicodedata.category(c) in _INVISIBLE else c for c in base)
    base = _UNSAFE.sub("_", base).strip().lstrip(".").rstrip(". ")
    stem, dot, ext = base.rpartition(".")
    if not dot:
        stem, ext = base, ""
    ext = "." + ext.lower() if ext else ""
    if ext not in SUPPORTED:
        raise InputError(f"{name!r}: unsupported file type {ext or '(none)'}; "
                         f"supported: {', '.join(sorted(SUPPORTED))}")
    stem = stem.strip()[:MAX_STEM_CHARS]
    stem = stem.encode()[:MAX_STEM_BYTES].decode(errors="ignore").rstrip(". ") or "file"
    if stem.split(".")[0].strip().upper() in _WINDOWS_DEVICES:
        stem = "_" + stem
    return stem + ext


class KnowledgeBase:
    """Files behind one chat app's index, and the operations on them."""

    def __init__(self, assistant: Assistant, sources: Sequence[Path] = (), name: str = "chat",
                 on_index: Callable[[IndexReport], None] | None = None) -> None:
        self.assistant = assistant
        self.settings = assistant.settings
        self.sources = [Path(p) for p in sources]
        self.upload_dir = Path(self.settings.upload_dir)
        self.name = name
        self.on_index = on_index
        self._lock = threading.Lock()  # one rebuild at a time; chat is not blocked by it
        self._last: IndexReport | None = None
        for src in self.sources:
            if not src.exists():
                raise InputError(f"path does not exist: {src}")

    # -- files ---------------------------------------------------------------
    def _hidden(self) -> set[str]:
        path = self.upload_dir / HIDDEN_FILE
        if not path.exists():
            return set()
        try:
            return set(json.loads(path.read_text(encoding="utf-8")))
        except (OSError, ValueError):
            logger.warning("ignoring unreadable %s", path)
            return set()

    def _set_hidden(self, hidden: set[str]) -> None:
        write_text_atomic(self.upload_dir / HIDDEN_FILE, json.dumps(sorted(hidden), ensure_ascii=False))

    def files(self) -> list[Path]:
        """Every file the next rebuild will index: visible source files, then uploads."""
        hidden = self._hidden()
        found = [p for p in discover(self.sources) if str(p.resolve()) not in hidden] if self.sources else []
        if self.upload_dir.is_dir():
            found += discover([self.upload_dir])
        return found

    def add_upload(self, path: Path, original_name: str | None = None) -> Path:
        """Copy an uploaded file in under a safe, unused name; returns where it went.

        Refuses unsupported types and files over ``Settings.max_upload_mb`` with an
        ``InputError``; nothing is written in that case.
        """
        path = Path(path)
        name = safe_filename(original_name or path.name)
        size = path.stat().st_size
        limit = int(self.settings.max_upload_mb * 1024 * 1024)
        if size > limit:
            raise InputError(f"{name}: {size / 1048576:.1f} MB is over the upload limit of "
                             f"{self.settings.max_upload_mb:g} MB")
        if size == 0:
            raise InputError(f"{name}: the file is empty")
        self.upload_dir.mkdir(parents=True, exist_ok=True)
        stem, ext = name[: -len(Path(name).suffix)], Path(name).suffix
        target = self.upload_dir / name
        n = 1
        while target.exists():  # never overwrite another user's upload
            target = self.upload_dir / f"{stem}-{n}{ext}"
            n += 1
        with atomic_path(target) as tmp:
            shutil.copyfile(path, tmp)
        logger.info("uploaded %s -> %s", original_name or path.name, target)
        return target

    def delete(self, path: Path | str) -> None:
        """Remove a file from the knowledge base (uploads are deleted, sources hidden)."""
        target = Path(path).resolve()
        known = {p.resolve(): p for p in self.files()}
        if target not in known:
            raise InputError(f"{Path(path).name} is not in the knowledge base")
        if target.parent == self.upload_dir.resolve():
            target.unlink()
        else:
            self._set_hidden(self._hidden() | {str(target)})

    # -- index ---------------------------------------------------------------
    def rebuild(self, force: bool = False) -> IndexReport:
        """Index the current files (reusing the saved index when nothing changed)."""
        with self._lock:
            # A file deleted since it was listed is left out, not an error for the
            # whole rebuild (one deleted after this line is skipped by the loader).
            files = [f for f in self.files() if f.exists()]
            if not files:
                raise InputError("the knowledge base is empty: upload a document first")
            report = self.assistant.index(files, name=self.name, rebuild=force)
            self._last = report
            if self.on_index is not None:
                self.on_index(report)
            return report

    @property
    def last_report(self) -> IndexReport | None:
        """What the last rebuild did (None before the first)."""
        return self._last

    @property
    def busy(self) -> bool:
        """Whether a rebuild is running."""
        return self._lock.locked()

    def status(self) -> list[FileStatus]:
        """Every file with its state after the last rebuild."""
        index = self.assistant.current_index
        chunks: dict[str, int] = {}
        if index is not None:
            chunks = {doc.source: 0 for doc in index.documents.values()}
            for chunk in index.chunks:
                chunks[chunk.source] = chunks.get(chunk.source, 0) + 1
        skipped = {s.source: s.reason for s in self._last.skipped} if self._last else {}
        uploads = self.upload_dir.resolve()
        out = []
        for path in self.files():
            key = str(path)
            state: FileState
            if key in chunks:
                state, detail = "indexed", str(chunks[key])
            elif key in skipped:
                state, detail = "skipped", skipped[key]
            else:
                state, detail = "pending", ""
            out.append(FileStatus(path.name, path, state, detail, path.stat().st_size,
                                  path.resolve().parent == uploads))
        return out
