"""Build, save and load an index folder.

An index folder is plain files and describes itself::

    manifest.json    embedder id and dimension, chunking settings, corpus fingerprint
    documents.jsonl  every Document (original text, for showing citations)
    chunks.jsonl     every Chunk, in row order of both search indexes
    dense.faiss      FAISS inner-product index over the chunk embeddings
    bm25/            bm25s files over jieba tokens of the normalised chunk text

Writes go to a temporary sibling folder that is renamed into place at the end,
so a crash while indexing leaves the previous index loadable.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import faiss
import numpy as np

from ..errors import IndexMismatchError
from ..files import replace_folder
from ..ingest.chunk import chunk_document
from ..ingest.clean import clean
from ..settings import Settings
from ..types import Chunk, Document, Embedder, Vector
from .embed import EmbeddingCache
from .lexical import BM25Index

logger = logging.getLogger(__name__)

# Bump when cleaning/chunking/normalising logic changes what an index contains.
PIPELINE_VERSION = 1


class FaissStore:
    """``VectorStore`` on FAISS: exact inner product, or HNSW for large collections."""

    def __init__(self, index: Any) -> None:
        self._index = index

    @classmethod
    def create(cls, dim: int, size_hint: int, hnsw_threshold: int) -> FaissStore:
        """Exact search below ``hnsw_threshold`` vectors; HNSW above it."""
        index: Any
        if size_hint >= hnsw_threshold:
            index = faiss.IndexHNSWFlat(dim, 32, faiss.METRIC_INNER_PRODUCT)
            index.hnsw.efSearch = 128
        else:
            index = faiss.IndexFlatIP(dim)
        return cls(index)

    @property
    def kind(self) -> str:
        """``flat-ip`` or ``hnsw``."""
        return "hnsw" if isinstance(self._index, faiss.IndexHNSWFlat) else "flat-ip"

    def add(self, vectors: Vector) -> None:
        """Append vectors (rows continue from the current size)."""
        if len(vectors):
            self._index.add(np.ascontiguousarray(vectors, dtype=np.float32))

    def search(self, query: Vector, k: int) -> list[tuple[int, float]]:
        """Top ``k`` (row, inner product), best first."""
        if self._index.ntotal == 0:
            return []
        q = np.ascontiguousarray(query.reshape(1, -1), dtype=np.float32)
        scores, rows = self._index.search(q, min(k, self._index.ntotal))
        return [(int(r), float(s)) for r, s in zip(rows[0], scores[0], strict=True) if r >= 0]

    def __len__(self) -> int:
        return int(self._index.ntotal)

    def save(self, path: Path) -> None:
        """Write the FAISS index file."""
        faiss.write_index(self._index, str(path))

    @classmethod
    def load(cls, path: Path) -> FaissStore:
        """Read a FAISS index file."""
        return cls(faiss.read_index(str(path)))


@dataclass
class Index:
    """An in-memory index: documents, chunks and both search structures."""

    manifest: dict[str, Any]
    documents: dict[str, Document]
    chunks: list[Chunk]
    dense: FaissStore
    bm25: BM25Index


def fingerprint_documents(docs: Sequence[Document]) -> str:
    """Order-independent hash of the documents' identities and sources."""
    h = hashlib.sha256()
    for doc_id, source in sorted((d.doc_id, Path(d.source).name) for d in docs):
        h.update(f"{doc_id}\x00{source}\n".encode())
    return h.hexdigest()[:16]


def expected_manifest(settings: Settings, embedder_id: str, dim: int, fingerprint: str) -> dict[str, Any]:
    """The manifest fields that must match for an index to be reused."""
    return {
        "pipeline_version": PIPELINE_VERSION,
        "embedder": {"id": embedder_id, "dim": dim},
        "chunking": settings.chunking_fingerprint(),
        "normalizer": "opencc-tw2sp+halfwidth",
        "corpus_fingerprint": fingerprint,
    }


def mismatch(manifest: dict[str, Any], expected: dict[str, Any]) -> list[str]:
    """Human-readable differences between a stored manifest and what is expected."""
    return [
        f"{key}: index has {manifest.get(key)!r}, settings want {value!r}"
        for key, value in expected.items()
        if manifest.get(key) != value
    ]


def build_index(
    docs: Sequence[Document], embedder: Embedder, settings: Settings, name: str
) -> tuple[Index, int]:
    """Clean, chunk, embed and index ``docs``; returns (index, chunks embedded anew)."""
    chunks: list[Chunk] = []
    for doc in docs:
        chunks.extend(
            chunk_document(doc, clean(doc.text), settings.chunk_size, settings.chunk_overlap,
                           settings.min_chunk_chars)
        )
    cache = EmbeddingCache(settings.index_root / ".embeddings", embedder)
    vectors, computed = cache.embed([c.search_text for c in chunks], progress=settings.progress)
    cache.save()
    dense = FaissStore.create(embedder.dim, len(chunks), settings.hnsw_threshold)
    dense.add(vectors)
    bm25 = BM25Index.build([c.search_text for c in chunks])
    manifest = expected_manifest(settings, embedder.name, embedder.dim, fingerprint_documents(docs))
    manifest.update(
        name=name,
        created=time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        documents=len(docs),
        chunks=len(chunks),
        dense_index=dense.kind,
        sources=sorted(d.source for d in docs),
    )
    return Index(manifest, {d.doc_id: d for d in docs}, chunks, dense, bm25), computed


def _write_jsonl(path: Path, rows: Sequence[Any]) -> None:
    with path.open("w", encoding="utf-8") as f:
        for row in rows:
            f.write(json.dumps(dataclasses.asdict(row), ensure_ascii=False) + "\n")


def save_index(index: Index, folder: Path) -> None:
    """Write ``index`` to ``folder`` atomically (built beside it, then renamed)."""

    def write(tmp: Path) -> None:
        _write_jsonl(tmp / "documents.jsonl", list(index.documents.values()))
        _write_jsonl(tmp / "chunks.jsonl", index.chunks)
        index.dense.save(tmp / "dense.faiss")
        (tmp / "bm25").mkdir()
        index.bm25.save(tmp / "bm25")
        # The manifest goes last: a folder without one is never loadable.
        (tmp / "manifest.json").write_text(
            json.dumps(index.manifest, ensure_ascii=False, indent=2), encoding="utf-8"
        )

    replace_folder(folder, write)


def read_manifest(folder: Path) -> dict[str, Any] | None:
    """The manifest of an index folder, or None if there is no complete index there."""
    path = folder / "manifest.json"
    if not path.exists():
        return None
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def load_index(folder: Path, expected: dict[str, Any] | None = None) -> Index:
    """Load an index folder; with ``expected``, refuse a mismatched one.

    The error says what differs and how to rebuild.
    """
    manifest = read_manifest(folder)
    if manifest is None:
        raise IndexMismatchError(
            f"no index at {folder}. Build one with: assistant index DOCS --name {folder.name}"
        )
    if expected is not None:
        diffs = mismatch(manifest, expected)
        if diffs:
            raise IndexMismatchError(
                f"index {folder} does not match the current settings ("
                + "; ".join(diffs)
                + f"). Rebuild it with: assistant index DOCS --name {folder.name} --rebuild"
            )
    docs = [Document(**json.loads(line)) for line in (folder / "documents.jsonl").open(encoding="utf-8")]
    chunks = [Chunk(**json.loads(line)) for line in (folder / "chunks.jsonl").open(encoding="utf-8")]
    dense = FaissStore.load(folder / "dense.faiss")
    bm25 = BM25Index.load(folder / "bm25", len(chunks))
    if len(dense) != len(chunks):
        raise IndexMismatchError(
            f"index {folder} is damaged ({len(dense)} vectors for {len(chunks)} chunks). "
            f"Rebuild it with: assistant index DOCS --name {folder.name} --rebuild"
        )
    return Index(manifest, {d.doc_id: d for d in docs}, chunks, dense, bm25)
