"""Retrieval at scale (a benchmark, not a test): build time, memory, query latency, recall.

Usage:
    .venv/bin/python eval/bench_retrieval.py [--sizes 10000 100000 1000000]
        [--milvus-max 100000] [--queries 200] [--json OUT]

1. **Ingestion on real text**: the cmrc2018 collection (../shared/evalsets/cmrc2018)
   is cleaned and chunked, embedded with the default embedder (no cache) and
   indexed by BM25; chunks per second of each step.
2. **Scale**: for each size, ``N`` chunks are synthesised from the real ones:
   vectors are real chunk embeddings mixed and perturbed
   (``normalize(r_i + 0.5 r_j + 0.03 g)``, so they cluster as real passages do,
   which random unit vectors would not), texts are the token lists of two real
   chunks joined (tokenised once: jieba throughput is step 1's). Queries are
   perturbed copies of stored vectors and the gold questions' tokens.
   Measured per structure: build seconds, size of the index data (what it
   holds in memory: FAISS's vectors and HNSW links, bm25s's score matrix,
   milvus-lite's files after a flush), single-query p50/p95 (k =
   ``Settings.candidates``), and recall@10 of each approximate index against
   exact search over the same queries:

   - dense: FAISS exact inner product, FAISS HNSW (M=32, efSearch=128), milvus-lite
     (FLAT, up to ``--milvus-max`` chunks: its inserts go through gRPC);
   - BM25 (bm25s);
   - hybrid: ``Retriever.search`` (both rankings for one phrasing + RRF fusion)
     over the dense index ``Settings.hnsw_threshold`` picks for that size; the
     query embedding is excluded (it costs the same at any size; printed once).

Writes nothing into the repository unless ``--json`` is given.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import bm25s
import numpy as np

from assistant.evaluation.harness import load_evalset, load_gold
from assistant.evaluation.metrics import percentile
from assistant.ingest.normalize import normalize
from assistant.search.embed import load_embedder
from assistant.search.index import Index, chunk_documents
from assistant.search.lexical import BM25Index, tokenize
from assistant.search.retrieve import Retriever
from assistant.search.stores import FaissStore, backend
from assistant.search.stores import faiss as faiss_store
from assistant.search.stores.faiss import HNSW_EF_SEARCH, HNSW_NEIGHBOURS
from assistant.search.stores.milvus import close_clients
from assistant.settings import Settings
from assistant.types import Chunk, Vector

REPO = Path(__file__).resolve().parents[1]
CMRC = REPO.parent / "shared" / "evalsets" / "cmrc2018"
GOLD = REPO / "eval" / "gold" / "corpus.jsonl"
MIX, NOISE, QUERY_NOISE = 0.5, 0.03, 0.03  # synthetic vector recipe (see the module docstring)
RECALL_AT = 10
SEED = 7


def rss_mb() -> float:
    """Resident memory of this process now (not the peak), in MiB."""
    with open("/proc/self/statm", encoding="ascii") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def timed(fn: Callable[[], Any]) -> tuple[Any, float]:
    """(result, seconds) of ``fn()``."""
    gc.collect()
    t0 = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - t0


def size_mb(store: Any, folder: Path | None = None) -> float:
    """Size of an index's data in MiB: FAISS serialised, bm25s arrays, or files in ``folder``."""
    if folder is not None:
        return sum(f.stat().st_size for f in folder.rglob("*") if f.is_file()) / 2**20
    if isinstance(store, FaissStore):  # float32 vectors, plus 2·M int32 links per node in HNSW
        links = 2 * HNSW_NEIGHBOURS * 4 if store.index_type == "hnsw" else 0
        return len(store) * (store.dim * 4 + links) / 2**20
    arrays = store._retriever.scores.values()
    return sum(a.nbytes for a in arrays if hasattr(a, "nbytes")) / 2**20


def latency(fn: Callable[[int], Any], n: int) -> dict[str, float]:
    """p50/p95 milliseconds of ``fn(i)`` over ``n`` calls (after two warm-up calls)."""
    fn(0), fn(1)
    ms = []
    for i in range(n):
        t0 = time.perf_counter()
        fn(i)
        ms.append((time.perf_counter() - t0) * 1000)
    return {"p50_ms": round(percentile(ms, 50), 2), "p95_ms": round(percentile(ms, 95), 2)}


def recall(found: Sequence[Sequence[str]], exact: Sequence[Sequence[str]]) -> float:
    """Mean share of the exact top-10 that an approximate search also returned."""
    return statistics.fmean(len(set(f[:RECALL_AT]) & set(e[:RECALL_AT])) / RECALL_AT
                            for f, e in zip(found, exact, strict=True))


def ingest(settings: Settings) -> tuple[dict[str, Any], list[Chunk], Vector]:
    """Step 1 on cmrc2018: chunks/s of cleaning+chunking, embedding and BM25 indexing."""
    docs, _ = load_evalset(CMRC)
    chunks, chunk_s = timed(lambda: chunk_documents(docs, settings))
    embedder = load_embedder(settings)
    vectors, embed_s = timed(lambda: embedder.embed_documents([c.search_text for c in chunks]))
    _, bm25_s = timed(lambda: BM25Index.build(chunks))
    q_ms = latency(lambda i: embedder.embed_query(f"第{i}个问题是什么？"), 50)
    n = len(chunks)
    return ({"documents": len(docs), "chunks": n, "chars": sum(len(d.text) for d in docs),
             "clean_chunk_per_s": round(n / chunk_s), "embed_per_s": round(n / embed_s, 1),
             "bm25_index_per_s": round(n / bm25_s), "query_embedding": q_ms,
             "embedder": embedder.name}, chunks, np.asarray(vectors, dtype=np.float32))


def synthesize(real: Vector, n: int, rng: np.random.Generator) -> Vector:
    """``n`` unit vectors clustered like ``real`` (mixtures of two real ones plus noise)."""
    out = np.empty((n, real.shape[1]), np.float32)
    for s in range(0, n, 100_000):
        m = min(100_000, n - s)
        v = real[rng.integers(0, len(real), m)] + MIX * real[rng.integers(0, len(real), m)]
        v = v + np.asarray(rng.normal(0, NOISE, v.shape), dtype=np.float32)
        out[s : s + m] = v / np.linalg.norm(v, axis=1, keepdims=True)
    return out


def bench_size(n: int, real: Vector, tokens: list[list[str]], questions: list[list[str]],
               settings: Settings, queries: int, milvus_max: int, tmp: Path,
               ef_sweep: Sequence[int] = (), dense_only: bool = False) -> dict[str, Any]:
    """Every structure at ``n`` chunks."""
    rng = np.random.default_rng(SEED + n)
    vectors = synthesize(real, n, rng)
    ids = [f"s{i:07d}" for i in range(n)]
    picks = rng.integers(0, n, queries)
    qv = vectors[picks] + np.asarray(rng.normal(0, QUERY_NOISE, (queries, vectors.shape[1])), dtype=np.float32)
    qv /= np.linalg.norm(qv, axis=1, keepdims=True)
    k = settings.candidates
    row: dict[str, Any] = {"chunks": n}

    def dense(name: str, make: Callable[[], Any], folder: Path | None = None) -> Any:
        store, secs = timed(make)
        lat = latency(lambda i: store.search(qv[i % queries], k), queries)
        found = [[cid for cid, _ in store.search(q, RECALL_AT)] for q in qv]
        mem = size_mb(store, folder)
        row[name] = {"build_s": round(secs, 2), "size_mb": round(mem, 1), **lat, "top": found}
        print(f"  {name}: build {secs:.1f}s, {mem:.0f} MiB, p50 {lat['p50_ms']} ms", file=sys.stderr)
        return store

    def fill(store: Any) -> Any:
        store.add(ids, vectors)
        store.persist(tmp)  # Milvus: flush, so the data is sealed and indexed
        return store

    exact = dense("faiss_exact", lambda: fill(FaissStore.empty(vectors.shape[1], hnsw=False)))
    hnsw = dense("faiss_hnsw", lambda: fill(FaissStore.empty(vectors.shape[1], hnsw=True)))
    truth = row["faiss_exact"].pop("top")
    row["faiss_hnsw"]["recall@10"] = round(recall(row["faiss_hnsw"].pop("top"), truth), 4)
    row["faiss_hnsw"]["ef_search"] = hnsw.ef_search
    for ef in ef_sweep:  # the same graph searched wider: recall against latency
        hnsw.ef_search = ef
        lat = latency(lambda i: hnsw.search(qv[i % queries], k), queries)
        found = [[cid for cid, _ in hnsw.search(q, RECALL_AT)] for q in qv]
        row.setdefault("hnsw_ef_sweep", []).append(
            {"ef_search": ef, **lat, "recall@10": round(recall(found, truth), 4)})
        print(f"  hnsw efSearch={ef}: p50 {lat['p50_ms']} ms, recall@10 {recall(found, truth):.4f}",
              file=sys.stderr)
    hnsw.ef_search = HNSW_EF_SEARCH
    if n <= milvus_max:
        milvus_settings = settings.replace(index_root=tmp / f"milvus-{n}", store="milvus")
        dense("milvus_lite", lambda: fill(backend("milvus").create(
            vectors.shape[1], f"bench{n}", milvus_settings, n)), folder=milvus_settings.index_root)
        row["milvus_lite"]["recall@10"] = round(recall(row["milvus_lite"].pop("top"), truth), 4)
        close_clients()

    if dense_only:
        return row
    corpus = [tokens[i] + tokens[j] for i, j in rng.integers(0, len(tokens), (n, 2))]
    retriever_bm25, secs = timed(lambda: _bm25(corpus))
    corpus.clear()
    bm25 = BM25Index(retriever_bm25, ids)
    lat = latency(lambda i: bm25.search(" ".join(questions[i % len(questions)]), k), queries)
    mem = size_mb(bm25)
    row["bm25s"] = {"build_s": round(secs, 2), "size_mb": round(mem, 1), **lat}
    print(f"  bm25s: build {secs:.1f}s, {mem:.0f} MiB, p50 {lat['p50_ms']} ms", file=sys.stderr)

    picked = hnsw if n >= settings.hnsw_threshold else exact
    chunks = [Chunk(cid, "d", "synthetic", i, "", "", 0, 0) for i, cid in enumerate(ids)]
    index = Index({}, {}, chunks, picked, bm25)
    texts = [" ".join(questions[i % len(questions)]) + f" #{i}" for i in range(queries)]
    by_text = {normalize(t): qv[i] for i, t in enumerate(texts)}  # the retriever embeds normalised text
    retriever = Retriever(index, _Precomputed(by_text, vectors.shape[1]), settings)
    lat = latency(lambda i: retriever.search(texts[i % queries], settings.top_k), queries)
    row["hybrid"] = {"dense_index": picked.index_type, **lat}
    print(f"  hybrid ({picked.index_type}): p50 {lat['p50_ms']} ms", file=sys.stderr)
    row["rss_mb"] = round(rss_mb())
    return row


def _bm25(corpus: list[list[str]]) -> bm25s.BM25:
    retriever = bm25s.BM25()
    retriever.index(corpus, show_progress=False)
    return retriever


class _Precomputed:
    """The benchmark's query embedder: each query text maps to a prepared vector."""

    name = "precomputed"

    def __init__(self, vectors: dict[str, Vector], dim: int) -> None:
        self._vectors = vectors
        self.dim = dim

    def embed_query(self, text: str) -> Vector:
        return self._vectors[text]

    def embed_documents(self, texts: Sequence[str]) -> Vector:
        return np.stack([self._vectors[t] for t in texts])


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    ap.add_argument("--milvus-max", type=int, default=100_000, help="largest size run on milvus-lite")
    ap.add_argument("--queries", type=int, default=200)
    ap.add_argument("--ef-sweep", type=int, nargs="*", default=[],
                    help="also search the HNSW graph with these efSearch values")
    ap.add_argument("--ef-construction", type=int, help="build HNSW graphs with this efConstruction "
                    f"(default {faiss_store.HNSW_EF_CONSTRUCTION})")
    ap.add_argument("--dense-only", action="store_true", help="skip BM25 and the hybrid")
    ap.add_argument("--json", type=Path, help="write the results here")
    args = ap.parse_args(argv)
    if args.ef_construction:
        faiss_store.HNSW_EF_CONSTRUCTION = args.ef_construction
    settings = Settings(progress=False)
    with tempfile.TemporaryDirectory() as tmp:
        print("ingestion (cmrc2018) ...", file=sys.stderr)
        ingestion, chunks, real = ingest(settings.replace(index_root=Path(tmp) / "ingest"))
        print(f"  {ingestion}", file=sys.stderr)
        tokens = [tokenize(c.search_text) for c in chunks]
        questions = [tokenize(g.question) or ["问题"] for g in load_gold(GOLD)]
        results: dict[str, Any] = {
            "host": {"cpus": os.cpu_count(), "machine": platform.machine(),
                     "processor": platform.processor() or platform.machine()},
            "settings": {"candidates": settings.candidates, "top_k": settings.top_k,
                     "hnsw_threshold": settings.hnsw_threshold, "hnsw_m": HNSW_NEIGHBOURS,
                     "hnsw_ef_construction": faiss_store.HNSW_EF_CONSTRUCTION},
            "ingestion": ingestion, "sizes": []}
        for n in args.sizes:
            print(f"{n} chunks ...", file=sys.stderr)
            results["sizes"].append(bench_size(n, real, tokens, questions, settings, args.queries,
                                               args.milvus_max, Path(tmp), args.ef_sweep,
                                               args.dense_only))
            gc.collect()
    print(json.dumps(results, ensure_ascii=False, indent=2))
    if args.json:
        args.json.write_text(json.dumps(results, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
