"""Hybrid retrieval: dense (any vector store) and BM25 (jieba) fused by reciprocal rank.

A question may be searched in several phrasings (e.g. an English question and
its Chinese translation); every phrasing's dense and BM25 rankings go into the
same fusion.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Sequence
from typing import Literal

from ..ingest.normalize import normalize
from ..settings import Settings
from ..types import Embedder, Hit, Vector
from .index import Index
from .rerank import RERANKERS

SearchMode = Literal["hybrid", "dense", "bm25"]
MODES: tuple[SearchMode, ...] = ("hybrid", "dense", "bm25")
Ranking = list[tuple[int, float]]  # (row in Index.chunks, score), best first


def rrf_fuse(rankings: Sequence[tuple[Ranking, float]], k: int, rrf_k: int) -> list[tuple[int, float]]:
    """Weighted reciprocal-rank fusion of several (ranking, weight) pairs.

    RRF needs no score calibration between an inner product and a BM25 score,
    which have nothing in common but their order. Returns (row, score), best first;
    ties are broken by the best single rank, then row, so results are stable.
    """
    scores: dict[int, float] = {}
    best: dict[int, int] = {}
    for ranking, weight in rankings:
        for r, (row, _) in enumerate(ranking, 1):
            scores[row] = scores.get(row, 0.0) + weight / (rrf_k + r)
            best[row] = min(best.get(row, r), r)
    order = sorted(scores, key=lambda row: (-scores[row], best[row], row))
    return [(row, scores[row]) for row in order[:k]]


def _first_ranks(rankings: Sequence[Ranking]) -> tuple[dict[int, int], dict[int, float]]:
    rank: dict[int, int] = {}
    score: dict[int, float] = {}
    for ranking in rankings:
        for r, (row, sc) in enumerate(ranking, 1):
            if r < rank.get(row, 10**9):
                rank[row], score[row] = r, sc
    return rank, score


class Retriever:
    """Searches one index with one embedder."""

    def __init__(self, index: Index, embedder: Embedder, settings: Settings) -> None:
        self.index = index
        self.embedder = embedder
        self.settings = settings
        # A query is often searched more than once (several modes, a retry, the
        # UI's "show more"); the slow part is its embedding, so keep the last few.
        self._query_cache: OrderedDict[str, Vector] = OrderedDict()

    def _embed_query(self, query: str) -> Vector:
        vec = self._query_cache.get(query)
        if vec is None:
            vec = self.embedder.embed_query(query)
            self._query_cache[query] = vec
            if len(self._query_cache) > 64:
                self._query_cache.popitem(last=False)
        return vec

    def _dense(self, query: str, n: int) -> Ranking:
        """Dense ranking as (row, score); ids the index no longer lists are skipped."""
        rows = self.index.rows
        return [(rows[cid], sc) for cid, sc in self.index.dense.search(self._embed_query(query), n)
                if cid in rows]

    def _lexical(self, query: str, n: int) -> Ranking:
        """BM25 ranking as (row, score); ids the index no longer lists are skipped."""
        rows = self.index.rows
        return [(rows[cid], sc) for cid, sc in self.index.lexical.search(query, n) if cid in rows]

    def search(self, query: str | Sequence[str], k: int | None = None, mode: SearchMode = "hybrid",
               settings: Settings | None = None) -> list[Hit]:
        """Top ``k`` chunks for ``query`` (one string or several phrasings) by ``mode``.

        ``settings`` overrides the retriever's own for this call (the chat UI lets
        each user choose top-k and the fusion weights).
        """
        if mode not in MODES:
            raise ValueError(f"mode must be one of {MODES}, not {mode!r}")
        s = settings or self.settings
        k = k or s.top_k
        raw = [query] if isinstance(query, str) else list(query)
        queries = [normalize(q) for q in raw if q.strip()]
        n = max(s.candidates, k)
        dense = [self._dense(q, n) for q in queries] if mode != "bm25" else []
        bm25 = [self._lexical(q, n) for q in queries] if mode != "dense" else []
        weighted = [(r, s.dense_weight) for r in dense] + [(r, s.bm25_weight) for r in bm25]
        fused = rrf_fuse(weighted, max(k, s.rerank_depth), s.rrf_k)
        d_rank, d_score = _first_ranks(dense)
        b_rank, b_score = _first_ranks(bm25)
        if mode != "hybrid" and len(queries) == 1:
            # A single path keeps its own scores (inner product or BM25) as the score.
            single = (dense or bm25)[0][:k]
            fused = [(row, sc) for row, sc in single]
        hits = [
            Hit(chunk=self.index.chunks[row], score=score, dense_score=d_score.get(row),
                bm25_score=b_score.get(row), dense_rank=d_rank.get(row), bm25_rank=b_rank.get(row))
            for row, score in fused
        ]
        if mode != "hybrid":  # a single path is shown as it ranks
            return hits[:k]
        return RERANKERS[s.reranker].rerank([q for q in raw if q.strip()], hits)[:k]
