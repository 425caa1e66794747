"""The default vector store: FAISS in process, saved as files in the index folder.

Exact inner product below ``Settings.hnsw_threshold`` vectors, HNSW above it
(eval/RESULTS.md, "Scale", has the numbers behind the threshold). Row ``i`` of
the FAISS index holds the vector of ``ids[i]``; the ids are saved beside it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import faiss
import numpy as np

from ...errors import IndexMismatchError
from ...settings import Settings
from ...types import Vector

VECTORS_FILE = "dense.faiss"
IDS_FILE = "dense_ids.json"
# HNSW graph degree M, build and search breadth. eval/RESULTS.md ("Scale"): at 1M
# clustered vectors, efConstruction 80 reached recall@10 0.87 (0.95 only at
# efSearch 1024); 200 reaches 0.9875 at efSearch 256 in 0.83 ms, for a build
# 2.6x longer (547 s, a tenth of embedding the chunks).
HNSW_NEIGHBOURS = 32
HNSW_EF_CONSTRUCTION = 200
HNSW_EF_SEARCH = 256


def _empty(dim: int, hnsw: bool) -> Any:
    if hnsw:
        index = faiss.IndexHNSWFlat(dim, HNSW_NEIGHBOURS, faiss.METRIC_INNER_PRODUCT)
        index.hnsw.efConstruction = HNSW_EF_CONSTRUCTION
        index.hnsw.efSearch = HNSW_EF_SEARCH
        return index
    return faiss.IndexFlatIP(dim)


class FaissStore:
    """``VectorStore`` on a FAISS index held in memory."""

    kind = "faiss"
    external = False

    def __init__(self, index: Any, ids: Sequence[str]) -> None:
        if index.ntotal != len(ids):
            raise ValueError(f"{index.ntotal} vectors for {len(ids)} ids")
        self._index = index
        self._ids = list(ids)
        self._rows = {cid: row for row, cid in enumerate(self._ids)}

    @classmethod
    def empty(cls, dim: int, hnsw: bool = False) -> FaissStore:
        """An empty store of ``dim``-dimensional vectors (HNSW or exact)."""
        return cls(_empty(dim, hnsw), [])

    @property
    def dim(self) -> int:
        """Dimension of the vectors."""
        return int(self._index.d)

    @property
    def ef_search(self) -> int | None:
        """HNSW's search breadth (None for exact search)."""
        return int(self._index.hnsw.efSearch) if self.index_type == "hnsw" else None

    @ef_search.setter
    def ef_search(self, value: int) -> None:
        if self.index_type == "hnsw":
            self._index.hnsw.efSearch = int(value)

    @property
    def index_type(self) -> str:
        """``flat-ip`` or ``hnsw``."""
        return "hnsw" if isinstance(self._index, faiss.IndexHNSWFlat) else "flat-ip"

    def add(self, ids: Sequence[str], vectors: Vector) -> None:
        """Insert vectors; an id already present has its vector replaced."""
        if len(ids) != len(vectors):
            raise ValueError(f"{len(ids)} ids for {len(vectors)} vectors")
        known = [cid for cid in ids if cid in self._rows]
        if known:
            self.delete(known)
        if len(ids):
            self._index.add(np.ascontiguousarray(vectors, dtype=np.float32))
            for cid in ids:
                self._rows[cid] = len(self._ids)
                self._ids.append(cid)

    def delete(self, ids: Sequence[str]) -> None:
        """Remove vectors by id. HNSW graphs cannot drop nodes, so the index is rebuilt
        from the kept vectors (fine for a document; a bulk delete should rebuild)."""
        drop = {self._rows[cid] for cid in ids if cid in self._rows}
        if not drop:
            return
        keep = [row for row in range(len(self._ids)) if row not in drop]
        vectors = self._index.reconstruct_n(0, self._index.ntotal)[keep] if keep else None
        index = _empty(self._index.d, self.index_type == "hnsw")
        if vectors is not None:
            index.add(np.ascontiguousarray(vectors, dtype=np.float32))
        self._index = index
        self._ids = [self._ids[row] for row in keep]
        self._rows = {cid: row for row, cid in enumerate(self._ids)}

    def search(self, query: Vector, k: int) -> list[tuple[str, float]]:
        """Top ``k`` (chunk id, inner product), best first."""
        if self._index.ntotal == 0:
            return []
        q = np.ascontiguousarray(query.reshape(1, -1), dtype=np.float32)
        scores, rows = self._index.search(q, min(k, self._index.ntotal))
        return [(self._ids[r], float(s)) for r, s in zip(rows[0], scores[0], strict=True) if r >= 0]

    def __len__(self) -> int:
        return int(self._index.ntotal)

    def describe(self) -> dict[str, object]:
        """Manifest entry: kind, files and index type."""
        return {"kind": self.kind, "file": VECTORS_FILE, "ids": IDS_FILE, "index": self.index_type,
                "vectors": len(self)}

    def fork(self) -> FaissStore:
        """A copy to update while this one keeps answering (FAISS is not safe to
        search while it is written)."""
        return FaissStore(faiss.clone_index(self._index), self._ids)

    def persist(self, folder: Path) -> None:
        """Write the FAISS index and the ids into ``folder`` (the index folder being written)."""
        faiss.write_index(self._index, str(folder / VECTORS_FILE))
        (folder / IDS_FILE).write_text(json.dumps(self._ids), encoding="utf-8")


class FaissBackend:
    """Creates and opens ``FaissStore``s (registered as ``faiss``)."""

    def create(self, dim: int, index_name: str, settings: Settings, size_hint: int) -> FaissStore:
        """An empty store; HNSW when ``size_hint`` reaches ``settings.hnsw_threshold``."""
        return FaissStore.empty(dim, hnsw=size_hint >= settings.hnsw_threshold)

    def open(self, entry: Mapping[str, Any], folder: Path, settings: Settings) -> FaissStore:
        """Read the store files of index ``folder``."""
        try:
            ids = json.loads((folder / str(entry.get("ids", IDS_FILE))).read_text(encoding="utf-8"))
            index = faiss.read_index(str(folder / str(entry.get("file", VECTORS_FILE))))
            return FaissStore(index, ids)
        except (OSError, ValueError, RuntimeError) as exc:
            raise IndexMismatchError(
                f"the vector files of index {folder} are missing or damaged ({exc}). "
                f"Rebuild it with: assistant index DOCS --name {folder.name} --rebuild") from exc

    def release(self, entry: Mapping[str, Any], settings: Settings) -> None:
        """Nothing to do: the files went with the replaced index folder."""

    def drop_orphans(self, index_name: str, keep: Sequence[str], settings: Settings) -> list[str]:
        """Nothing to do: a crashed build's temporary folder is removed by the next write."""
        return []
