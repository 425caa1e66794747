"""Print the headline Markdown table of one or more run folders (for eval/RESULTS.md).

Usage: .venv/bin/python eval/headline.py eval/runs/corpus-1.5b eval/runs/cmrc-1.5b ...
"""

from __future__ import annotations

import json
import sys
from pathlib import Path


def _pct(v: float | None) -> str:
    return "–" if v is None else f"{100 * v:.1f}%"


def _s(v: float | None) -> str:
    return "–" if v is None else f"{v:.1f}"


def main(runs: list[str]) -> None:
    print("| run | questions | hybrid R@5 | accuracy | char F1 | cite P | cite R | refusal | false refusal "
          "| first token p50/p95 (s) | total p50/p95 (s) | run time (min) |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    for run in runs:
        s = json.loads((Path(run) / "summary.json").read_text(encoding="utf-8"))
        lat = s.get("latency", {})
        ft, tot = lat.get("first_token", {}), lat.get("total", {})
        cfg = s.get("config", {})
        print(
            f"| {Path(run).name} ({cfg.get('generator')}) | {s['n']} ({s['n_unanswerable']} unanswerable) "
            f"| {_pct(s['retrieval']['hybrid']['recall@5'])} | {_pct(s.get('answer_accuracy'))} "
            f"| {_pct(s.get('char_f1'))} | {_pct(s.get('citation_precision'))} "
            f"| {_pct(s.get('citation_recall'))} | {_pct(s.get('refusal_rate'))} "
            f"| {_pct(s.get('false_refusal_rate'))} | {_s(ft.get('p50'))} / {_s(ft.get('p95'))} "
            f"| {_s(tot.get('p50'))} / {_s(tot.get('p95'))} | {_s(cfg.get('run_seconds', 0) / 60)} |"
        )


if __name__ == "__main__":
    main(sys.argv[1:])
