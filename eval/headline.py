"""Print the headline Markdown table of one or more run folders (for eval/RESULTS.md).

Usage: .venv/bin/python eval/headline.py [--halves] eval/runs/corpus-1.5b eval/runs/cmrc-1.5b ...

One row per run; with ``--halves`` each run's row is followed by one row per
half of its questions (tune, report; see ``assistant.evaluation.splits``).
Thresholds are chosen on *tune*, so quote *report*. Summary keys missing from an
older run's ``summary.json`` (such as ``halves``) are recomputed from its rows.
"""

from __future__ import annotations

import argparse
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from assistant.evaluation.metrics import METRICS
from assistant.evaluation.report import dig, load_run
from assistant.evaluation.splits import HALVES

SECONDS_PER_MINUTE = 60
COLUMNS: tuple[str, ...] = (
    "run", "questions", "hybrid R@5", "accuracy", "char F1", "cite P", "cite R", "refusal",
    "false refusal", "first token p50/p95 (s)", "total p50/p95 (s)", "prompt tokens (mean)",
    "prompt speed (tok/s)", "run time (min)",
)


def _pct(v: float | None) -> str:
    return "–" if v is None else f"{100 * v:.1f}%"


def _s(v: float | None) -> str:
    return "–" if v is None else f"{v:.1f}"


def _v(numbers: Mapping[str, Any], key: str) -> Any:
    return dig(numbers, *METRICS[key].path)


def _p50_p95(numbers: Mapping[str, Any], stage: str) -> str:
    return f"{_s(_v(numbers, stage + '_p50'))} / {_s(_v(numbers, stage + '_p95'))}"


def markdown_row(label: str, numbers: Mapping[str, Any], config: Mapping[str, Any]) -> str:
    """One table row from headline ``numbers`` (a summary or one of its halves)."""
    run_seconds = config.get("run_seconds")
    tokens = _v(numbers, "prompt_tokens_mean")
    cells = (
        label,
        f"{_v(numbers, 'n')} ({numbers.get('n_unanswerable')} unanswerable)",
        _pct(_v(numbers, "hybrid_recall@5")),
        *(_pct(_v(numbers, key)) for key in ("answer_accuracy", "char_f1", "citation_precision",
                                             "citation_recall", "refusal_rate", "false_refusal_rate")),
        _p50_p95(numbers, "first_token"),
        _p50_p95(numbers, "total"),
        "–" if tokens is None else f"{tokens:.0f}",
        _s(config.get("prompt_speed_tps")),
        _s(None if run_seconds is None else run_seconds / SECONDS_PER_MINUTE),
    )
    return "| " + " | ".join(cells) + " |"


def table(runs: Sequence[Path], halves: bool = False) -> list[str]:
    """The Markdown lines: header, then a row per run (and per half with ``halves``)."""
    lines = ["| " + " | ".join(COLUMNS) + " |", "|" + "---|" * len(COLUMNS)]
    for run in runs:
        _, summary = load_run(run)
        config = summary.get("config") or {}
        name = f"{run.name} ({config.get('generator')})"
        lines.append(markdown_row(name, summary, config))
        if halves:
            # A half shares the run's host speed but not its wall-clock time.
            half_config = {k: v for k, v in config.items() if k != "run_seconds"}
            lines.extend(
                markdown_row(f"{name} · {half}", dig(summary, "halves", half) or {}, half_config)
                for half in HALVES
            )
    return lines


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("runs", nargs="+", type=Path, help="run folders (results.jsonl + summary.json)")
    ap.add_argument("--halves", action="store_true", help="add a row per half (tune, report) of each run")
    args = ap.parse_args(argv)
    print("\n".join(table(args.runs, args.halves)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
