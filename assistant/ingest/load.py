"""Loading files into ``Document``s: discovery, decoding and text extraction.

The file types and their extractors are listed once, in ``formats.EXTRACTORS``
(plain text and Markdown kept raw, HTML visible text, PDF via pypdf, DOCX via
python-docx); ``decode`` finds the encoding of text files. Every problem with
a single file becomes an ``IngestError`` with a reason a person can act on;
``load_paths`` records it as ``Skipped`` and carries on with the other files.
"""

from __future__ import annotations

import hashlib
import logging
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from tqdm import tqdm

from ..errors import IngestError, InputError
from ..types import Document
from .formats import EXTRACTORS, SUPPORTED, TITLE_MAX, first_line

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


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except PermissionError as exc:
        raise IngestError("permission denied") from exc
    except IsADirectoryError as exc:
        raise IngestError("is a directory, not a file") from exc
    except FileNotFoundError as exc:
        raise IngestError("file not found") from exc
    except OSError as exc:
        raise IngestError(f"cannot read file ({exc.strerror or exc})") from exc


def load_file(path: Path) -> Document:
    """Read one file into a ``Document``; raises ``IngestError`` saying why it can't."""
    ext = path.suffix.lower()
    extractor = EXTRACTORS.get(ext)
    if extractor is None:
        raise IngestError(f"unsupported file type {ext or '(no extension)'!r}; "
                          f"supported: {', '.join(sorted(SUPPORTED))}")
    data = _read(path)
    if not data:
        raise IngestError("empty file (0 bytes)")
    text, title, encoding = extractor(data)
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
            key = found.resolve()
            if key not in seen:
                seen.add(key)
                result.append(found)
    return result


def load_paths(paths: Sequence[Path | str], progress: bool = True) -> LoadResult:
    """Load every file under ``paths``; failures and duplicates become ``Skipped``."""
    documents: list[Document] = []
    skipped: list[Skipped] = []
    by_id: dict[str, str] = {}
    for path in tqdm(discover(paths), desc="Loading", unit="file", disable=not progress):
        try:
            doc = load_file(path)
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
