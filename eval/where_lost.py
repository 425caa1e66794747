"""Where the answers to answerable questions are lost, replayed from runs' rows.

Each answerable question the shipped decision gets wrong (``ablate.py``'s ``full``
variant: refused, or answered wrongly) is put in one class:

- ``right raw answer``: the model's raw answer was right and a check or the
  calibrated threshold refused it, or the localised answer lost it (comparison
  rows answered in steps replay inexactly and land here too);
- ``model refused``: the model itself wrote the refusal;
- ``wrong answer``: the model's raw answer was wrong, split by where the gold
  answer was: in the ``evidence`` block the model read, in the retrieved
  ``passages`` but not in the sentences chosen from them, or in ``neither``.

A wrong answer with the gold in the passages is lost by the evidence choice
(``assistant.answer.evidence``); one with the gold in neither, by retrieval.

    .venv/bin/python eval/where_lost.py eval/runs/corpus-t0-s26 eval/runs/xe-t0-s26 [--list]
"""

from __future__ import annotations

import argparse
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path

from ablate import Outcome, variants
from evidence_recall import contains_gold

from assistant.answer.answerability import Calibration
from assistant.answer.prompting import Prompts, is_refusal
from assistant.evaluation.replay import Row, load_prompts, load_run
from assistant.settings import Settings

CLASSES: tuple[str, ...] = ("right raw answer", "model refused", "wrong answer: gold in evidence",
                            "wrong answer: gold in passages", "wrong answer: gold in neither")


def lost_class(row: Row, ways: dict[str, Callable[[Row], Outcome]], prompts: Sequence[Prompts]) -> str | None:
    """The class of ``CLASSES`` an answerable row falls in, or None when it is right
    (``ways``: ``ablate.variants``)."""
    refused, correct = ways["full"](row)
    if correct and not refused:
        return None
    raw = str(row.get("raw_answer", ""))
    if not raw.strip() or is_refusal(raw, prompts):
        return "model refused"
    if ways["no grounding check"](row)[1]:
        return "right raw answer"
    golds = list(row.get("gold_answers") or [])
    if contains_gold(str(row.get("evidence_text") or ""), golds):
        return "wrong answer: gold in evidence"
    passages = " ".join(str(p.get("text", "")) for p in row.get("passages") or [])
    return "wrong answer: gold in passages" if contains_gold(passages, golds) else "wrong answer: gold in neither"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("runs", nargs="+", type=Path)
    ap.add_argument("--list", action="store_true", help="also print each lost question")
    args = ap.parse_args(argv)
    total: Counter[str] = Counter()
    prompts = load_prompts()
    print("| run | answerable | right | " + " | ".join(CLASSES) + " |")
    print("|---|---|---|" + "---|" * len(CLASSES))
    for run in args.runs:
        rows, config = load_run(run)
        ways = variants(Calibration.load(str(config["generator"]), Settings().calibration_path))
        counts: Counter[str] = Counter()
        for row in rows:
            if not row.get("answerable", True):
                continue
            cls = lost_class(row, ways, prompts) or "right"
            counts[cls] += 1
            counts["answerable"] += 1
            if args.list and cls != "right":
                print(f"- {run.name} {row['id']} {cls}: {str(row['question'])[:60]} → "
                      f"{str(row.get('raw_answer', ''))[:40]!r} (gold {list(row.get('gold_answers') or [])[:2]})")
        total += counts
        print(f"| {run.name} | {counts['answerable']} | {counts['right']} | "
              + " | ".join(str(counts[c]) for c in CLASSES) + " |")
    if len(args.runs) > 1:
        print(f"| all | {total['answerable']} | {total['right']} | " + " | ".join(str(total[c]) for c in CLASSES) + " |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
