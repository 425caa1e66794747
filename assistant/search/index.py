"""The index folder: build, open, update incrementally, save atomically.

An index folder is plain files and describes itself::

    manifest.json    embedder id and dimension, chunking settings, corpus fingerprint,
                     and ``store``: which vector store holds the vectors and where
    documents.jsonl  every Document (original text, for showing citations)
    chunks.jsonl     every Chunk, in row order of the BM25 index
    bm25/            bm25s files over jieba tokens of the normalised chunk text,
                     when the lexical side is ``bm25s`` (``lexical`` in the manifest)
    dense.faiss, dense_ids.json   the vectors, when the store is ``faiss``

Vectors are tied to chunks by chunk id, never by row, so documents can be added
and removed without re-embedding the rest, and a store may live outside the
folder (Milvus). Folder writes go to a temporary sibling renamed into place at
the end, so a crash leaves the previous index loadable; a store outside the
folder is written before the folder on additions and after it on removals, so
it only ever holds extra vectors, which searches skip.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import IndexMismatchError
from ..files import checksums, damaged, replace_folder
from ..ingest.chunk import chunk_document
from ..ingest.clean import clean
from ..settings import Settings
from ..types import Chunk, Document, Embedder, LexicalIndex
from .embed import EmbeddingCache
from .stores import LexicalBackend, PersistentStore, StoreBackend, backend, lexical_backend

logger = logging.getLogger(__name__)

# Bump when cleaning/chunking/normalising logic or the folder layout changes.
PIPELINE_VERSION = 4  # 4: no sentence ends after an initial (ingest/chunk.py)


@dataclass
class Index:
    """An in-memory index: documents, chunks and both search structures."""

    manifest: dict[str, Any]
    documents: dict[str, Document]
    chunks: list[Chunk]
    dense: PersistentStore
    lexical: LexicalIndex
    rows: dict[str, int] = field(init=False, repr=False)  # chunk id -> row in ``chunks``

    def __post_init__(self) -> None:
        self.rows = {c.chunk_id: row for row, c in enumerate(self.chunks)}


@dataclass(frozen=True)
class Update:
    """What ``open_or_build`` did to bring an index up to date with the documents."""

    index: Index
    embedded: int  # chunks embedded anew (the rest came from the embedding cache)
    added: int  # documents added to an existing index
    removed: int  # documents removed from it
    reused: bool  # nothing had to change
    rebuilt: bool  # built from scratch


def fingerprint_documents(docs: Sequence[Document]) -> str:
    """Order-independent hash of the documents' identities and sources."""
    h = hashlib.sha256()
    for doc_id, source in sorted((d.doc_id, Path(d.source).name) for d in docs):
        h.update(f"{doc_id}\x00{source}\n".encode())
    return h.hexdigest()[:16]


def expected_manifest(settings: Settings, embedder_id: str, dim: int) -> dict[str, Any]:
    """The manifest fields that must match for an index to be opened with ``settings``."""
    return {
        "pipeline_version": PIPELINE_VERSION,
        "embedder": {"id": embedder_id, "dim": dim},
        "chunking": settings.chunking_fingerprint(),
        "normalizer": "opencc-tw2sp+halfwidth",
    }


def mismatch(manifest: dict[str, Any], expected: dict[str, Any]) -> list[str]:
    """Human-readable differences between a stored manifest and what is expected."""
    return [
        f"{key}: index has {manifest.get(key)!r}, settings want {value!r}"
        for key, value in expected.items()
        if manifest.get(key) != value
    ]


def chunk_documents(docs: Sequence[Document], settings: Settings) -> list[Chunk]:
    """Clean and chunk ``docs`` in order."""
    chunks: list[Chunk] = []
    for doc in docs:
        chunks.extend(chunk_document(doc, clean(doc.text), settings.chunk_size, settings.chunk_overlap,
                                     settings.min_chunk_chars))
    return chunks


def _embed(chunks: Sequence[Chunk], embedder: Embedder, settings: Settings) -> tuple[Any, int]:
    cache = EmbeddingCache(settings.index_root / ".embeddings", embedder)
    vectors, computed = cache.embed([c.search_text for c in chunks], progress=settings.progress)
    cache.save()
    return vectors, computed


def _assemble(base: dict[str, Any], docs: Sequence[Document], chunks: list[Chunk],
              dense: PersistentStore, lexical: LexicalIndex) -> Index:
    """An ``Index`` over ``chunks`` with its manifest."""
    manifest = dict(base)
    manifest.update(
        corpus_fingerprint=fingerprint_documents(docs),
        created=time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        documents=len(docs),
        chunks=len(chunks),
        sources=sorted(d.source for d in docs),
    )
    return Index(manifest, {d.doc_id: d for d in docs}, chunks, dense, lexical)


def build_index(docs: Sequence[Document], embedder: Embedder, settings: Settings,
                name: str) -> tuple[Index, int]:
    """Clean, chunk, embed and index ``docs`` into a new store of kind ``settings.store``;
    returns (index, chunks embedded anew)."""
    chunks = chunk_documents(docs, settings)
    vectors, computed = _embed(chunks, embedder, settings)
    dense = backend(settings.store).create(embedder.dim, name, settings, len(chunks))
    dense.add([c.chunk_id for c in chunks], vectors)
    lexical = lexical_backend(settings.lexical).create(chunks, name, settings)
    base = expected_manifest(settings, embedder.name, embedder.dim)
    base["name"] = name
    return _assemble(base, docs, chunks, dense, lexical), computed


def update_index(index: Index, docs: Sequence[Document], embedder: Embedder, settings: Settings,
                 folder: Path) -> Update:
    """Bring a saved ``index`` in line with ``docs``: embed and add new documents, remove
    gone ones, keep the rest untouched; saved to ``folder`` before it returns."""
    wanted = {(d.doc_id, Path(d.source).name): d for d in docs}
    have = {(d.doc_id, Path(d.source).name) for d in index.documents.values()}
    added = [d for key, d in wanted.items() if key not in have]
    gone_ids = {doc_id for doc_id, _ in have - set(wanted)}
    new_chunks = chunk_documents(added, settings)
    vectors, computed = _embed(new_chunks, embedder, settings)
    kept = [c for c in index.chunks if c.doc_id not in gone_ids]
    # A renamed file keeps its doc id and chunk ids: its vectors are replaced, not removed.
    stale = sorted({c.chunk_id for c in index.chunks if c.doc_id in gone_ids}
                   - {c.chunk_id for c in new_chunks})
    documents = [d for d in index.documents.values() if d.doc_id not in gone_ids] + added
    # An in-process store is copied first: questions in flight keep searching the old one.
    dense = index.dense.fork()
    dense.add([c.chunk_id for c in new_chunks], vectors)
    if not dense.external:
        dense.delete(stale)
    chunks = kept + new_chunks
    updated = _assemble(index.manifest, documents, chunks, dense, index.lexical.updated(chunks, new_chunks))
    save_index(updated, folder)
    if dense.external:
        dense.delete(stale)  # only after the folder stopped listing them
    updated.lexical.delete(stale)
    logger.info("updated index %s: %d documents added, %d removed, %d chunks embedded",
                folder, len(added), len(gone_ids), computed)
    return Update(updated, computed, len(added), len(gone_ids), reused=False, rebuilt=False)


def _write_jsonl(path: Path, rows: Sequence[Any]) -> None:
    with path.open("w", encoding="utf-8") as f:
        for row in rows:
            f.write(json.dumps(dataclasses.asdict(row), ensure_ascii=False) + "\n")


def save_index(index: Index, folder: Path) -> None:
    """Write ``index`` to ``folder`` atomically (built beside it, then renamed); then
    release the store a replaced build used, if it was another one."""
    previous = read_manifest(folder) or {}
    index.manifest["store"] = index.dense.describe()
    index.manifest["lexical"] = index.lexical.describe()

    def write(tmp: Path) -> None:
        _write_jsonl(tmp / "documents.jsonl", list(index.documents.values()))
        _write_jsonl(tmp / "chunks.jsonl", index.chunks)
        index.dense.persist(tmp)
        index.lexical.persist(tmp)
        # Every file's size and sha256, checked on load: a truncated or altered
        # file is found before it is parsed.
        index.manifest["files"] = checksums(tmp)
        # The manifest goes last: a folder without one is never loadable.
        (tmp / "manifest.json").write_text(
            json.dumps(index.manifest, ensure_ascii=False, indent=2), encoding="utf-8"
        )

    replace_folder(folder, write)
    for part, find in (("store", backend), ("lexical", lexical_backend)):
        old = previous.get(part)
        if isinstance(old, dict) and _identity(old) != _identity(index.manifest[part]):
            _release(find(str(old.get("kind"))), old, folder)


def _identity(entry: dict[str, Any]) -> tuple[object, ...]:
    """What tells two stores apart (not their size)."""
    return entry.get("kind"), entry.get("uri"), entry.get("collection"), entry.get("file")


def _release(part: StoreBackend | LexicalBackend, entry: dict[str, Any], folder: Path) -> None:
    try:
        part.release(entry, _settings_for(folder))
    except Exception as exc:  # the new index is in place; a leftover is only disk space
        logger.warning("could not free the replaced %s: %s", entry, exc)


def _settings_for(folder: Path) -> Settings:
    return Settings(index_root=folder.parent)


def read_manifest(folder: Path) -> dict[str, Any] | None:
    """The manifest of an index folder, or None if there is no complete index there."""
    path = folder / "manifest.json"
    if not path.exists():
        return None
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def load_index(folder: Path, expected: dict[str, Any] | None = None,
               settings: Settings | None = None, verify: bool = True) -> Index:
    """Load an index folder with the store its manifest names; with ``expected``,
    refuse a mismatched one; with ``verify``, refuse one whose files do not match
    the checksums in its manifest. The error says what differs and how to rebuild."""
    manifest = read_manifest(folder)
    if manifest is None:
        raise IndexMismatchError(
            f"no index at {folder}. Build one with: assistant index DOCS --name {folder.name}"
        )
    rebuild = f"Rebuild it with: assistant index DOCS --name {folder.name} --rebuild"
    if expected is not None:
        diffs = mismatch(manifest, expected)
        if diffs:
            raise IndexMismatchError(
                f"index {folder} does not match the current settings (" + "; ".join(diffs) + f"). {rebuild}")
    problems = damaged(folder, manifest.get("files") or {}) if verify else []
    if problems:
        raise IndexMismatchError(f"index {folder} is damaged: {'; '.join(problems)}. {rebuild}")
    entry, lex_entry = manifest.get("store"), manifest.get("lexical")
    if not isinstance(entry, dict) or not isinstance(lex_entry, dict):
        raise IndexMismatchError(f"index {folder} names no vector store (an older layout). {rebuild}")
    settings = settings or _settings_for(folder)
    dense = backend(str(entry.get("kind"))).open(entry, folder, settings)
    docs = [Document(**json.loads(line)) for line in (folder / "documents.jsonl").open(encoding="utf-8")]
    chunks = [Chunk(**json.loads(line)) for line in (folder / "chunks.jsonl").open(encoding="utf-8")]
    lexical = lexical_backend(str(lex_entry.get("kind"))).open(
        lex_entry, folder, settings, [c.chunk_id for c in chunks])
    if len(dense) < len(chunks):
        raise IndexMismatchError(
            f"index {folder} is damaged ({len(dense)} vectors for {len(chunks)} chunks). {rebuild}")
    return Index(manifest, {d.doc_id: d for d in docs}, chunks, dense, lexical)


def open_or_build(docs: Sequence[Document], name: str, embedder: Embedder, settings: Settings,
                  rebuild: bool = False) -> Update:
    """The index ``name`` over exactly ``docs``: reused when it already is, updated
    incrementally when documents were added or removed, built anew when forced or
    when the settings changed what an index contains (embedder, chunking, store)."""
    folder = settings.index_root / name
    expected = expected_manifest(settings, embedder.name, embedder.dim)
    manifest = read_manifest(folder)
    same_store = manifest is not None and (
        (manifest.get("store") or {}).get("kind") == settings.store
        and (manifest.get("lexical") or {}).get("kind") == settings.lexical)
    if not rebuild and manifest is not None and same_store and not mismatch(manifest, expected):
        try:
            index = load_index(folder, expected, settings)
        except IndexMismatchError as exc:
            logger.warning("rebuilding %s: %s", folder, exc)
        else:
            if manifest.get("corpus_fingerprint") == fingerprint_documents(docs):
                logger.info("reusing index %s", folder)
                return Update(index, 0, 0, 0, reused=True, rebuilt=False)
            return update_index(index, docs, embedder, settings, folder)
    keep = [str((manifest or {}).get(part, {}).get("collection", "")) for part in ("store", "lexical")]
    dropped = backend(settings.store).drop_orphans(name, keep, settings)
    dropped += lexical_backend(settings.lexical).drop_orphans(name, keep, settings)
    if dropped:
        logger.info("dropped %d leftovers of crashed builds of %s", len(dropped), name)
    index, computed = build_index(docs, embedder, settings, name)
    save_index(index, folder)
    return Update(index, computed, len(docs), 0, reused=False, rebuilt=True)


def open_index(name: str, embedder: Embedder, settings: Settings) -> Index:
    """Load the built index ``name``, refusing one built with other embedder/chunking settings."""
    folder = settings.index_root / name
    return load_index(folder, expected_manifest(settings, embedder.name, embedder.dim), settings)
