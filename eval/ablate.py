"""Ablation of the answering step's checks, replayed from a run's rows.

Every row records the answerability signals, the model's raw answer and the
evidence block it read. The decision to
answer comes before generation and generation is deterministic, so each check
can be switched off afterwards and the outcome recomputed exactly (latency
aside; see ``assistant.evaluation.replay``):

- ``full``: the calibrated threshold + the grounding and answer checks;
- ``no calibration``: answer whenever there is evidence (threshold 0);
- ``no grounding check``: only the model's own refusals (answers the checks
  refused are scored on the raw text);
- ``no localisation``: as ``full``, scored on the raw model text.

    .venv/bin/python eval/ablate.py eval/runs/corpus eval/runs/cmrc [--half report]
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path
from typing import Any

from assistant.answer.answerability import Calibration
from assistant.answer.prompting import is_refusal
from assistant.evaluation.replay import (
    Row,
    checked_answer,
    confidence,
    load_prompts,
    load_run,
    outcome,
    rates,
)
from assistant.evaluation.splits import HALVES, half_of
from assistant.settings import Settings

Outcome = tuple[bool, bool]  # (refused, correct)


def variants(cal: Calibration) -> dict[str, Callable[[Row], Outcome]]:
    """Each ablation as a function of a row to (refused, correct)."""
    prompts = load_prompts()

    def low(row: Row) -> bool:
        return confidence(row, cal) < cal.threshold

    def full(row: Row) -> Outcome:
        return outcome(row, checked_answer(row, prompts), low(row))

    def no_calibration(row: Row) -> Outcome:
        return outcome(row, checked_answer(row, prompts), False)

    def no_grounding(row: Row) -> Outcome:
        raw = str(row.get("raw_answer", ""))
        return outcome(row, raw, not row.get("signals") or is_refusal(raw, prompts) or low(row))

    def no_localisation(row: Row) -> Outcome:
        answer = checked_answer(row, prompts)
        return outcome(row, None if answer is None else str(row.get("raw_answer", "")), low(row))

    return {"full": full, "no calibration (threshold 0)": no_calibration,
            "no grounding check": no_grounding, "no localisation": no_localisation}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("runs", nargs="+", type=Path)
    ap.add_argument("--half", choices=HALVES, help="only this half of the questions")
    args = ap.parse_args(argv)
    print("| run | variant | n | accuracy | refusal | false refusal |")
    print("|---|---|---|---|---|---|")
    for run in args.runs:
        rows: list[dict[str, Any]]
        rows, config = load_run(run)
        cal = Calibration.load(str(config["generator"]), Settings().calibration_path)
        rows = [r for r in rows if not args.half or half_of(r["id"]) == args.half]
        for name, fn in variants(cal).items():
            m = rates([(r, fn(r)) for r in rows])
            print(f"| {run.name}{'/' + args.half if args.half else ''} | {name} | {len(rows)} | "
                  f"{m['accuracy']:.1%} | {m['refusal']:.1%} | {m['false_refusal']:.1%} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
