"""Loading files into ``Document``s: discovery, decoding and text extraction.

The file types and their extractors are listed once, in ``formats.EXTRACTORS``
(plain text and Markdown kept raw, HTML visible text, PDF via pypdf, DOCX via
python-docx); ``decode`` finds the encoding of text files. Every problem with
a single file becomes an ``IngestError`` with a reason a person can act on;
``load_paths`` records it as ``Skipped`` and carries on with the other files.
Files are hostile input: the size limit is checked before reading, a file that
changes while it is read is refused, and extraction runs in a worker process
bounded in time and memory (``isolate``), all per ``Settings.max_file_*``.
"""

from __future__ import annotations

import hashlib
import logging
import os
import stat
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from tqdm import tqdm

from ..errors import IngestError, InputError
from ..settings import Settings
from ..types import Document
from .formats import EXTRACTORS, MB, SUPPORTED, TITLE_MAX, Limits, first_line
from .isolate import extract

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Skipped:
    """A file that was not loaded, and why."""

    source: str
    reason: str


@dataclass(frozen=True)
class LoadResult:
    """Documents loaded by ``load_paths`` and the files it skipped."""

    documents: tuple[Document, ...]
    skipped: tuple[Skipped, ...]


def _version(st: os.stat_result) -> tuple[int, int, int]:
    return st.st_ino, st.st_size, st.st_mtime_ns


def _read(path: Path, limit: int) -> bytes:
    """The bytes of a regular file of at most ``limit`` bytes that did not change while read."""
    try:
        before = path.stat()
        if stat.S_ISDIR(before.st_mode):
            raise IngestError("is a directory, not a file")
        if not stat.S_ISREG(before.st_mode):  # a FIFO would block the read forever
            raise IngestError("not a regular file (a pipe, socket or device)")
        if before.st_size > limit:
            raise IngestError(f"{before.st_size / MB:.1f} MB is over the max_file_mb limit of "
                              f"{limit / MB:g} MB; raise max_file_mb to index it")
        data = path.read_bytes()
        after = path.stat()
    except PermissionError as exc:
        raise IngestError("permission denied") from exc
    except FileNotFoundError as exc:
        raise IngestError("file not found (deleted after it was listed?)") from exc
    except OSError as exc:
        raise IngestError(f"cannot read file ({exc.strerror or exc})") from exc
    if len(data) != before.st_size or _version(after) != _version(before):
        raise IngestError("the file changed while it was being read; index again once it is saved")
    return data


def load_file(path: Path, settings: Settings | None = None) -> Document:
    """Read one file into a ``Document`` within ``settings``' per-file limits
    (defaults when None); raises ``IngestError`` saying why it can't."""
    ext = path.suffix.lower()
    try:
        str(path).encode("utf-8")
    except UnicodeEncodeError as exc:  # undecodable bytes in the name: the index could not store it
        raise IngestError("the file name is not valid UTF-8; rename the file") from exc
    if ext not in EXTRACTORS:
        raise IngestError(f"unsupported file type {ext or '(no extension)'!r}; "
                          f"supported: {', '.join(sorted(SUPPORTED))}")
    limits = Limits.from_settings(settings or Settings())
    data = _read(path, limits.file_bytes)
    if not data:
        raise IngestError("empty file (0 bytes)")
    text, title, encoding = extract(ext, data, limits)
    return Document(
        doc_id=hashlib.sha256(data).hexdigest()[:16],
        source=str(path),
        text=text,
        title=(title or first_line(text))[:TITLE_MAX],
        encoding=encoding,
        kind=ext[1:],
    )


# --- Discovery and batch loading ---------------------------------------------


def _walk(folder: Path) -> list[Path]:
    found: list[Path] = []
    for root, dirs, files in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(files):
            if not name.startswith(".") and Path(name).suffix.lower() in SUPPORTED:
                found.append(Path(root) / name)
    return found


def discover(paths: Sequence[Path | str]) -> list[Path]:
    """Expand folders (recursively, sorted, hidden entries skipped) to supported files.

    Files named explicitly are kept whatever their extension, so ``load_paths`` can
    report an unsupported one instead of silently ignoring it. A path that does not
    exist raises ``InputError``.
    """
    result: list[Path] = []
    seen: set[Path] = set()
    for given in paths:
        path = Path(given)
        if not path.exists():
            raise InputError(f"path does not exist: {path}")
        for found in _walk(path) if path.is_dir() else [path]:
            key = Path(os.path.realpath(found))  # Path.resolve raises on a symlink loop
            if key not in seen:
                seen.add(key)
                result.append(found)
    return result


def load_paths(paths: Sequence[Path | str], progress: bool = True,
               settings: Settings | None = None) -> LoadResult:
    """Load every file under ``paths`` within ``settings``' per-file limits (defaults
    when None); failures and duplicates become ``Skipped``."""
    documents: list[Document] = []
    skipped: list[Skipped] = []
    by_id: dict[str, str] = {}
    for path in tqdm(discover(paths), desc="Loading", unit="file", disable=not progress):
        try:
            doc = load_file(path, settings)
        except IngestError as exc:
            logger.warning("Skipping %s: %s", path, exc)
            skipped.append(Skipped(str(path), str(exc)))
            continue
        if doc.doc_id in by_id:
            reason = f"duplicate of {by_id[doc.doc_id]}"
            logger.warning("Skipping %s: %s", path, reason)
            skipped.append(Skipped(str(path), reason))
            continue
        by_id[doc.doc_id] = doc.source
        documents.append(doc)
    return LoadResult(tuple(documents), tuple(skipped))
