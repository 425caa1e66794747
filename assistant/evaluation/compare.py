"""Plain-text comparison of two evaluation runs (B relative to A)."""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from assistant.evaluation.metrics import GOOD_OUTCOMES, metrics, row_outcome
from assistant.evaluation.report import dig, fmt, load_run

logger = logging.getLogger(__name__)

# The headline metrics a comparison shows (names from ``metrics.METRICS``).
COMPARED = metrics(
    "answer_accuracy", "char_f1", "citation_precision", "citation_recall", "refusal_rate",
    "false_refusal_rate", "hybrid_recall@1", "hybrid_recall@5", "hybrid_mrr", "dense_recall@5",
    "bm25_recall@5", "total_p50", "total_p95", "first_token_p50", "retrieve_p50",
    "prompt_tokens_mean", "completion_tokens_mean", "peak_rss_mb", "n", "n_errors",
)

def _truncate(text: Any, limit: int = 160) -> str:
    flat = " ".join(str(text or "").split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def _delta(a: Any, b: Any, kind: str) -> str:
    if not isinstance(a, int | float) or not isinstance(b, int | float):
        return "–"
    d = float(b) - float(a)
    if kind == "pct":
        return f"{100 * d:+.1f} pt"
    if kind == "sec":
        return f"{d:+.2f}s"
    return f"{d:+.0f}" if kind == "int" else f"{d:+.3f}"


def _config_diff(a: Mapping[str, Any], b: Mapping[str, Any]) -> list[str]:
    lines = []
    for key in sorted(set(a) | set(b)):
        if a.get(key) != b.get(key):
            va = json.dumps(a.get(key), ensure_ascii=False)
            vb = json.dumps(b.get(key), ensure_ascii=False)
            lines.append(f"  {key}: {_truncate(va, 60)} -> {_truncate(vb, 60)}")
    return lines


def _describe(row_a: Mapping[str, Any], row_b: Mapping[str, Any], oa: str, ob: str) -> list[str]:
    return [
        f"  [{row_a.get('id')}] ({row_a.get('type', '?')}/{row_a.get('lang', '?')}) {oa} -> {ob}",
        f"    Q: {_truncate(row_a.get('question'))}",
        f"    gold: {_truncate(' | '.join(map(str, row_a.get('gold_answers') or [])) or '(unanswerable)')}",
        f"    A: {_truncate(row_a.get('answer'))}",
        f"    B: {_truncate(row_b.get('answer'))}",
    ]


def compare_runs(run_a: Path, run_b: Path) -> str:
    """Compare two run directories and return a plain-text report.

    Lists headline metric deltas (B − A), configuration differences, every
    question whose outcome changed ("fixed in B", "broken in B", and other
    changes between two failure kinds), and ids present in only one run.
    Outcomes are those of :func:`assistant.evaluation.metrics.row_outcome`.
    """
    run_a, run_b = Path(run_a), Path(run_b)
    rows_a, sum_a = load_run(run_a)
    rows_b, sum_b = load_run(run_b)
    lines = [f"A: {run_a}", f"B: {run_b}", "", "Headline metrics (delta = B - A)"]
    if {str(r.get("id")) for r in rows_a} != {str(r.get("id")) for r in rows_b}:
        lines.append("  note: the runs cover different question ids; each run is scored on its own")
    lines.append(f"  {'metric':<26}{'A':>12}{'B':>12}{'delta':>12}")
    for m in COMPARED:
        va, vb = dig(sum_a, *m.path), dig(sum_b, *m.path)
        lines.append(
            f"  {m.key:<26}{fmt(va, m.kind):>12}{fmt(vb, m.kind):>12}{_delta(va, vb, m.kind):>12}"
        )
    config_lines = _config_diff(sum_a.get("config") or {}, sum_b.get("config") or {})
    if config_lines:
        lines += ["", "Configuration differences", *config_lines]

    by_a = {str(r.get("id")): r for r in rows_a}
    by_b = {str(r.get("id")): r for r in rows_b}
    fixed: list[str] = []
    broken: list[str] = []
    other: list[str] = []
    for qid in (i for i in by_a if i in by_b):
        ra, rb = by_a[qid], by_b[qid]
        oa, ob = row_outcome(ra), row_outcome(rb)
        if oa == ob:
            continue
        good_a, good_b = oa in GOOD_OUTCOMES, ob in GOOD_OUTCOMES
        target = fixed if good_b and not good_a else broken if good_a and not good_b else other
        target.extend(_describe(ra, rb, oa, ob))
    for title, block in (
        ("Fixed in B", fixed),
        ("Broken in B", broken),
        ("Other outcome changes", other),
    ):
        count = sum(1 for line in block if line.startswith("  ["))
        lines += ["", f"{title} ({count})", *(block or ["  (none)"])]

    only_a = [i for i in by_a if i not in by_b]
    only_b = [i for i in by_b if i not in by_a]
    if only_a or only_b:
        lines.append("")
        if only_a:
            lines.append(f"Only in A ({len(only_a)}): {', '.join(only_a)}")
        if only_b:
            lines.append(f"Only in B ({len(only_b)}): {', '.join(only_b)}")
    return "\n".join(lines) + "\n"
