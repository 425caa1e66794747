"""Hybrid retrieval: dense (FAISS) and BM25 (jieba) fused by reciprocal rank."""

from __future__ import annotations

from .index import Index
from .normalize import normalize
from .settings import Settings
from .types import Embedder, Hit

MODES = ("hybrid", "dense", "bm25")


def rrf_fuse(
    dense: list[tuple[int, float]],
    bm25: list[tuple[int, float]],
    k: int,
    rrf_k: int,
    dense_weight: float,
    bm25_weight: float,
) -> list[tuple[int, float, int | None, int | None]]:
    """Weighted reciprocal-rank fusion; returns (row, score, dense_rank, bm25_rank).

    RRF needs no score calibration between an inner product and a BM25 score,
    which have nothing in common but their order.
    """
    scores: dict[int, float] = {}
    d_rank = {row: r for r, (row, _) in enumerate(dense, 1)}
    b_rank = {row: r for r, (row, _) in enumerate(bm25, 1)}
    for row, r in d_rank.items():
        scores[row] = scores.get(row, 0.0) + dense_weight / (rrf_k + r)
    for row, r in b_rank.items():
        scores[row] = scores.get(row, 0.0) + bm25_weight / (rrf_k + r)
    # Ties broken by the better single-path rank, then row, so results are stable.
    order = sorted(
        scores,
        key=lambda row: (-scores[row], min(d_rank.get(row, 10**9), b_rank.get(row, 10**9)), row),
    )
    return [(row, scores[row], d_rank.get(row), b_rank.get(row)) for row in order[:k]]


class Retriever:
    """Searches one index with one embedder."""

    def __init__(self, index: Index, embedder: Embedder, settings: Settings) -> None:
        self.index = index
        self.embedder = embedder
        self.settings = settings

    def search(self, query: str, k: int | None = None, mode: str = "hybrid") -> list[Hit]:
        """Top ``k`` chunks for ``query`` by ``mode`` (hybrid, dense or bm25)."""
        if mode not in MODES:
            raise ValueError(f"mode must be one of {MODES}, not {mode!r}")
        s = self.settings
        k = k or s.top_k
        q = normalize(query)
        n = max(s.candidates, k)
        dense = self.index.dense.search(self.embedder.embed_query(q), n) if mode != "bm25" else []
        bm25 = self.index.bm25.search(q, n) if mode != "dense" else []
        fused: list[tuple[int, float, int | None, int | None]]
        d_score = dict(dense)
        b_score = dict(bm25)
        if mode == "dense":
            fused = [(row, sc, r, None) for r, (row, sc) in enumerate(dense[:k], 1)]
        elif mode == "bm25":
            fused = [(row, sc, None, r) for r, (row, sc) in enumerate(bm25[:k], 1)]
        else:
            fused = rrf_fuse(dense, bm25, k, s.rrf_k, s.dense_weight, s.bm25_weight)
        return [
            Hit(
                chunk=self.index.chunks[row],
                score=score,
                dense_score=d_score.get(row),
                bm25_score=b_score.get(row),
                dense_rank=dr,
                bm25_rank=br,
            )
            for row, score, dr, br in fused
        ]
