"""How often the answer reaches the model: gold answer in the passages, and in the evidence.

The answering step shows the model a few sentences of the retrieved passages
(``assistant.answer.evidence.select_evidence``), not the passages themselves.
An answer that is in the passages but not in the chosen sentences is lost
before the model reads anything. This script measures both, without generating
an answer (English questions still cost their one translation call), so
evidence-selection settings can be compared in seconds per question:

    .venv/bin/python eval/evidence_recall.py eval/gold/corpus.jsonl --docs ../shared/corpus --half tune
    .venv/bin/python eval/evidence_recall.py questions.jsonl --evalset ../shared/evalsets/cmrc2018 \\
        --variant evidence_alternatives=2 --variant evidence_sentences=6,evidence_tokens=260
    .venv/bin/python eval/evidence_recall.py eval/gold/cmrc-extra3.jsonl --evalset ../shared/evalsets/cmrc2018 \\
        --variant evidence_char_weight=1.2

Printed, per variant (``base`` is the settings with ``--set`` applied): answerable
questions, share whose gold answer (normalised, any script) is in the top-k
passages, in the evidence block, and the mean evidence tokens; ``--misses`` lists questions whose answer was in the passages but not
in the evidence.
"""

from __future__ import annotations

import argparse
import statistics
from pathlib import Path

from assistant import Assistant, Settings
from assistant.answer.evidence.selection import dense_similarity, select_evidence
from assistant.evaluation.answer_norm import normalize_answer
from assistant.evaluation.harness import prepare
from assistant.evaluation.splits import HALVES, half_of


def contains_gold(text: str, golds: list[str]) -> bool:
    """Whether a normalised gold answer occurs in normalised ``text``."""
    norm = normalize_answer(text)
    return any(g and g in norm for g in (normalize_answer(x) for x in golds))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("gold", help="gold .jsonl (with --docs) or questions file name (with --evalset)")
    ap.add_argument("--docs", type=Path)
    ap.add_argument("--evalset", type=Path)
    ap.add_argument("--half", choices=HALVES)
    ap.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", help="setting override")
    ap.add_argument("--variant", action="append", default=[], metavar="KEY=VALUE[,KEY=VALUE]",
                    help="also measure with these settings changed (repeatable)")
    ap.add_argument("--misses", action="store_true", help="list answers lost between passages and evidence")
    args = ap.parse_args(argv)
    base = Settings(progress=False).replace(**dict(Settings.parse_override(a) for a in args.set))
    bot = Assistant(base)
    items, _ = prepare(bot, args.gold, args.docs, args.evalset)
    items = [i for i in items if i.answerable and (not args.half or half_of(i.id) == args.half)]
    variants = {"base": base} | {
        v: base.replace(**dict(Settings.parse_override(a) for a in v.split(","))) for v in args.variant}
    count = bot.generator.count_tokens
    print("| variant | answerable | gold in top-k passages | gold in evidence | evidence tokens (mean) |")
    print("|---|---|---|---|---|")
    for name, settings in variants.items():
        in_hits = in_evidence = 0
        tokens: list[int] = []
        for item in items:
            phrasings = bot.phrasings(item.question)  # translations are cached: one call per question
            hits = bot.retriever.search(phrasings, settings.top_k, settings=settings)
            ev = select_evidence(phrasings, hits, count, settings.evidence_tokens,
                                 settings.evidence_sentences, settings.evidence_alternatives,
                                 floor=settings.evidence_floor,
                                 similarity=dense_similarity(bot.embedder, phrasings),
                                 dense_weight=settings.evidence_dense_weight,
                                 context=bot.answerer.context_credit(settings), char_weight=settings.evidence_char_weight,
                                 described_weight=settings.evidence_described_weight)
            shown = ev.format()
            tokens.append(count(shown))
            hit_ok = contains_gold(" ".join(h.chunk.text for h in hits), list(item.answers))
            ev_ok = contains_gold(shown, list(item.answers))
            in_hits += hit_ok
            in_evidence += ev_ok
            if args.misses and hit_ok and not ev_ok:
                print(f"- {name} {item.id} {item.question} gold={item.answers[:2]}\n    evidence: {shown[:300]!r}")
        n = max(1, len(items))
        print(f"| {name} | {len(items)} | {in_hits / n:.1%} | {in_evidence / n:.1%} | "
              f"{statistics.fmean(tokens or [0]):.0f} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
