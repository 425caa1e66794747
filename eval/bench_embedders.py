"""Compare embedders in the hybrid setting: recall on the gold set and indexing time.

Usage:
    .venv/bin/python eval/bench_embedders.py [--embedders use-multilingual-v3 embeddinggemma-300m]
        [--cmrc] [--bm25-weights 1.0]

For each embedder: builds the reference-corpus index from scratch (empty
embedding cache, so the time is the real cold cost), scores dense / BM25 /
hybrid retrieval on eval/gold/corpus.jsonl, and with --cmrc also times
indexing the cmrc2018 collection and scores its questions. Prints a Markdown
table for eval/RESULTS.md.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

from assistant import Assistant, Settings
from assistant.evaluation.harness import evaluate_item, load_evalset, load_gold
from assistant.evaluation.metrics import mrr, recall_at_k

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"


def score(bot: Assistant, items: list) -> dict[str, dict[str, float]]:
    rows = [evaluate_item(bot, it, retrieval_only=True) for it in items if it.answerable]
    out = {}
    for mode in ("dense", "bm25", "hybrid"):
        ranks = [r["ranks"][mode] for r in rows]
        out[mode] = {"r@1": recall_at_k(ranks, 1), "r@5": recall_at_k(ranks, 5), "mrr": mrr(ranks)}
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--embedders", nargs="+", default=["use-multilingual-v3", "embeddinggemma-300m"])
    ap.add_argument("--cmrc", action="store_true", help="also index and score cmrc2018")
    ap.add_argument("--bm25-weight", type=float, default=Settings().bm25_weight)
    ap.add_argument("--dense-weights", nargs="*", type=float, default=[],
                    help="also score hybrid recall with these dense weights (same index)")
    ap.add_argument("--json", type=Path, help="write raw results here")
    args = ap.parse_args()
    gold = load_gold(REPO / "eval" / "gold" / "corpus.jsonl")
    results = []
    for emb in args.embedders:
        with tempfile.TemporaryDirectory() as tmp:
            settings = Settings(index_root=Path(tmp), embedder=emb, progress=False,
                                bm25_weight=args.bm25_weight)
            bot = Assistant(settings)
            t0 = time.perf_counter()
            _ = bot.embedder  # model load time is reported separately from indexing
            load_s = time.perf_counter() - t0
            report = bot.index([SHARED / "corpus"])
            row = {"embedder": emb, "load_s": load_s, "corpus_index_s": report.seconds,
                   "corpus_chunks": report.chunks, "corpus": score(bot, gold)}
            for dw in args.dense_weights:
                bot.settings = settings.replace(dense_weight=dw)
                bot.retriever.settings = bot.settings
                row[f"corpus_dense_weight_{dw}"] = score(bot, gold)["hybrid"]
            bot.settings = settings
            bot.retriever.settings = settings
            if args.cmrc:
                docs, items = load_evalset(SHARED / "evalsets" / "cmrc2018")
                rep = bot.index_documents(docs, name="cmrc")
                row.update(cmrc_index_s=rep.seconds, cmrc_chunks=rep.chunks, cmrc=score(bot, items))
            results.append(row)
            print(json.dumps(row, ensure_ascii=False), flush=True)
    if args.json:
        args.json.write_text(json.dumps(results, ensure_ascii=False, indent=2), encoding="utf-8")
    print("\n| embedder | corpus index (s) | dense R@5 | BM25 R@5 | hybrid R@1 | hybrid R@5 | hybrid MRR |"
          + (" cmrc index (s) | cmrc hybrid R@5 |" if args.cmrc else ""))
    print("|---|---|---|---|---|---|---|" + ("---|---|" if args.cmrc else ""))
    for r in results:
        c = r["corpus"]
        line = (f"| {r['embedder']} | {r['corpus_index_s']:.1f} | {c['dense']['r@5']:.3f} | "
                f"{c['bm25']['r@5']:.3f} | {c['hybrid']['r@1']:.3f} | {c['hybrid']['r@5']:.3f} | "
                f"{c['hybrid']['mrr']:.3f} |")
        if args.cmrc:
            line += f" {r['cmrc_index_s']:.1f} | {r['cmrc']['hybrid']['r@5']:.3f} |"
        print(line)


if __name__ == "__main__":
    main()
