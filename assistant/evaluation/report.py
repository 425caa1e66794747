"""Self-contained HTML report for one evaluation run.

The report is a single file with inline CSS and inline SVG charts (drawn by
:mod:`assistant.evaluation.charts`), so it opens offline and can be attached to
a ticket as is.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping, Sequence
from html import escape
from pathlib import Path
from typing import Any

from assistant.evaluation.charts import (
    svg_bar_chart,
    svg_histogram,
    svg_recall_curve,
    svg_tradeoff,
)
from assistant.evaluation.metrics import (
    GOOD_OUTCOMES,
    METRICS,
    RECALL_KS,
    RETRIEVERS,
    metrics,
    row_outcome,
    summarize,
)
from assistant.evaluation.splits import HALVES

logger = logging.getLogger(__name__)

_CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI","PingFang SC","Microsoft YaHei",
"Noto Sans CJK SC",sans-serif;margin:2em auto;max-width:1100px;color:#222;padding:0 1em}
h1,h2{border-bottom:1px solid #ddd;padding-bottom:.2em}
table{border-collapse:collapse;margin:.5em 0 1.5em}
td,th{border:1px solid #ccc;padding:.25em .6em;text-align:left;vertical-align:top}
th{background:#f3f3f3}td.num{text-align:right;font-variant-numeric:tabular-nums}
.charts{display:flex;flex-wrap:wrap;gap:1.5em}svg{background:#fafafa;border:1px solid #eee}
svg text{font-size:11px;fill:#333}details{margin:.3em 0}
details.failure{border:1px solid #ddd;border-radius:4px;padding:.4em .8em;margin:.6em 0}
summary{cursor:pointer}.tag{display:inline-block;padding:0 .4em;border-radius:3px;
background:#fde2e1;color:#a11;font-size:.85em;margin-right:.4em}
.passage{white-space:pre-wrap;background:#f7f7f7;padding:.4em;border-left:3px solid #ccc}
.rel{border-left-color:#2ca02c}.muted{color:#777}
"""


def load_run(run_dir: Path) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Read ``results.jsonl`` and ``summary.json`` from ``run_dir``.

    Returns ``(rows, summary)``. Summary keys missing from ``summary.json`` (or
    the whole file, if absent) are filled in by recomputing from the rows.
    """
    rows: list[dict[str, Any]] = []
    results = run_dir / "results.jsonl"
    if results.exists():
        with results.open(encoding="utf-8") as fh:
            for lineno, line in enumerate(fh, start=1):
                if not line.strip():
                    continue
                try:
                    rows.append(json.loads(line))
                except json.JSONDecodeError:
                    logger.warning("skipping bad JSON on %s line %d", results, lineno)
    else:
        logger.warning("%s not found", results)
    summary_path = run_dir / "summary.json"
    loaded: dict[str, Any] = {}
    if summary_path.exists():
        loaded = json.loads(summary_path.read_text(encoding="utf-8"))
    return rows, {**summarize(rows), **loaded}


def fmt(value: Any, kind: str = "num") -> str:
    """Format a summary value: ``pct`` (share → %), ``sec``, ``int`` or ``num``."""
    if value is None:
        return "–"
    if isinstance(value, bool) or not isinstance(value, int | float):
        return str(value)
    if kind == "pct":
        return f"{100 * value:.1f}%"
    if kind == "sec":
        return f"{value:.2f}s"
    if kind == "int":
        return f"{value:.0f}"
    return f"{value:.3f}" if isinstance(value, float) else str(value)


def dig(data: Mapping[str, Any], *path: str) -> Any:
    """Nested ``.get`` that returns ``None`` on any missing level."""
    cur: Any = data
    for key in path:
        if not isinstance(cur, Mapping):
            return None
        cur = cur.get(key)
    return cur


# The report's headline table; a pair ``X_p50``/``X_p95`` shares one row.
HEADLINE = metrics(
    "n", "n_errors", "answer_accuracy", "char_f1", "citation_precision", "citation_recall",
    "refusal_rate", "false_refusal_rate", "hybrid_recall@5", "hybrid_mrr",
    "retrieve_p50", "retrieve_p95", "first_token_p50", "first_token_p95", "total_p50", "total_p95",
    "prompt_tokens_mean", "completion_tokens_mean", "peak_rss_mb", "prompt_speed_tps",
)
# Columns of the tune/report halves table (summary["halves"][half]).
HALF_COLUMNS = metrics(
    "n", "answer_accuracy", "refusal_rate", "false_refusal_rate", "citation_precision",
    "citation_recall", "prompt_tokens_mean", "first_token_p50", "total_p50",
)
P95_SUFFIX, P50_SUFFIX = "_p95", "_p50"


def _headline(summary: Mapping[str, Any]) -> str:
    out = ["<table><tr><th>Metric</th><th>Value</th></tr>"]
    rows: list[tuple[str, str]] = []
    for m in HEADLINE:
        if m.key.endswith(P95_SUFFIX):
            continue  # shown beside its p50
        value = fmt(dig(summary, *m.path), m.kind)
        label = m.label
        if m.key.endswith(P50_SUFFIX):
            p95 = METRICS[m.key[: -len(P50_SUFFIX)] + P95_SUFFIX]
            label = f"{m.label} / p95"
            value = f"{value} / {fmt(dig(summary, *p95.path), p95.kind)}"
        rows.append((label, value))
        if m.key == "n":
            rows.append(("Answerable / unanswerable",
                         f"{fmt(summary.get('n_answerable'))} / {fmt(summary.get('n_unanswerable'))}"))
    out += [f"<tr><td>{escape(label)}</td><td class=num>{escape(value)}</td></tr>" for label, value in rows]
    out.append("</table>")
    return "".join(out)


def _retrieval_table(summary: Mapping[str, Any]) -> str:
    cols = [f"recall@{k}" for k in RECALL_KS] + ["mrr"]
    out = ["<table><tr><th>Retriever</th>", *(f"<th>{c}</th>" for c in cols), "</tr>"]
    for name in RETRIEVERS:
        cells = "".join(
            f"<td class=num>{fmt(dig(summary, 'retrieval', name, c), 'num' if c == 'mrr' else 'pct')}</td>"
            for c in cols
        )
        out.append(f"<tr><td>{escape(name)}</td>{cells}</tr>")
    out.append("</table>")
    return "".join(out)


def _halves_table(summary: Mapping[str, Any]) -> str:
    head = "".join(f"<th>{escape(m.label)}</th>" for m in HALF_COLUMNS)
    out = [f"<table><tr><th>Half</th>{head}</tr>"]
    for half in HALVES:
        numbers = dig(summary, "halves", half) or {}
        cells = "".join(
            f"<td class=num>{escape(fmt(dig(numbers, *m.path), m.kind))}</td>"
            for m in HALF_COLUMNS
        )
        out.append(f"<tr><td>{escape(half)}</td>{cells}</tr>")
    out.append("</table>")
    return "".join(out)


def _config_table(config: Mapping[str, Any]) -> str:
    if not config:
        return "<p class=muted>No run configuration recorded.</p>"
    rows = "".join(
        f"<tr><th>{escape(str(k))}</th><td>{escape(v if isinstance(v, str) else json.dumps(v, ensure_ascii=False))}</td></tr>"
        for k, v in config.items()
    )
    return f"<table>{rows}</table>"


def _charts(summary: Mapping[str, Any], rows: Sequence[Mapping[str, Any]]) -> str:
    by_type = [
        (str(k), float(v.get("accuracy") or 0.0), int(v.get("n") or 0))
        for k, v in (summary.get("by_type") or {}).items()
    ]
    by_lang = [
        (str(k), float(v.get("accuracy") or 0.0), int(v.get("n") or 0))
        for k, v in (summary.get("by_lang") or {}).items()
    ]
    totals = [
        float(t) for r in rows if (t := (r.get("timings") or {}).get("total")) is not None
    ]
    curve = {
        name: [dig(summary, "retrieval", name, f"recall@{k}") for k in RECALL_KS]
        for name in RETRIEVERS
    }
    return "<div class=charts>" + "".join(
        (
            svg_bar_chart("Accuracy by question type", by_type),
            svg_bar_chart("Accuracy by language", by_lang),
            svg_histogram("Latency (total)", totals),
            svg_recall_curve("Recall@k", curve),
            svg_tradeoff(
                "Answerability trade-off (refuse when confidence < t)",
                summary.get("tradeoff") or [],
                (summary.get("false_refusal_rate"), summary.get("refusal_rate")),
            ),
        )
    ) + "</div>"


def _text(value: Any) -> str:
    return escape(value if isinstance(value, str) else json.dumps(value, ensure_ascii=False))


def _failure(row: Mapping[str, Any], outcome: str) -> str:
    golds = " | ".join(str(g) for g in row.get("gold_answers") or []) or "(unanswerable)"
    cites = "".join(
        f"<li>[{_text(c.get('marker', '?'))}] {_text(c.get('source', ''))}"
        f"{' (added)' if c.get('added') else ''}"
        f"{' ✓ relevant' if c.get('relevant') else ' ✗ not relevant'}"
        f"<div class=passage>{_text(c.get('quote', ''))}</div></li>"
        for c in row.get("citations") or []
    )
    passages = "".join(
        f"<details><summary>#{i} {_text(p.get('source', ''))} · score {fmt(p.get('score'))}"
        f" · dense {fmt(p.get('dense_rank'))} · bm25 {fmt(p.get('bm25_rank'))}</summary>"
        f"<div class=passage>{_text(p.get('text', ''))}</div></details>"
        for i, p in enumerate(row.get("retrieved") or [], start=1)
    )
    ranks = row.get("ranks") or {}
    rank_text = ", ".join(f"{n}={fmt(ranks.get(n))}" for n in RETRIEVERS)
    error = f"<p><b>Error:</b> {_text(row['error'])}</p>" if row.get("error") else ""
    confidence = (
        f"<p><b>Confidence:</b> {escape(fmt(row['confidence']))}</p>"
        if row.get("confidence") is not None else ""
    )
    return (
        f"<details class=failure><summary><span class=tag>{escape(outcome)}</span>"
        f"<b>{_text(row.get('id', ''))}</b> [{_text(row.get('type', ''))}/{_text(row.get('lang', ''))}] "
        f"{_text(row.get('question', ''))}</summary>"
        f"<p><b>Question:</b> {_text(row.get('question', ''))}</p>"
        f"<p><b>Gold:</b> {escape(golds)} <span class=muted>docs: "
        f"{_text(', '.join(row.get('gold_docs') or []))}</span></p>"
        f"<p><b>Evidence:</b> {_text(row.get('evidence', ''))}</p>{error}{confidence}"
        f"<p><b>Answer{' (refused)' if row.get('refused') else ''}:</b></p>"
        f"<div class=passage>{_text(row.get('answer', ''))}</div>"
        f"<p><b>Citations:</b></p><ul>{cites or '<li class=muted>none</li>'}</ul>"
        f"<p><b>Retrieved (hybrid top-k)</b> <span class=muted>first relevant rank: "
        f"{escape(rank_text)}</span></p>{passages or '<p class=muted>none</p>'}</details>"
    )


def _all_questions(rows: Sequence[Mapping[str, Any]]) -> str:
    body = "".join(
        f"<tr><td>{_text(r.get('id', ''))}</td><td>{_text(r.get('type', ''))}</td>"
        f"<td>{_text(r.get('lang', ''))}</td><td>{escape(row_outcome(r))}</td>"
        f"<td class=num>{fmt((r.get('ranks') or {}).get('hybrid'))}</td>"
        f"<td class=num>{fmt((r.get('timings') or {}).get('total'), 'sec')}</td>"
        f"<td>{_text(r.get('question', ''))}</td></tr>"
        for r in rows
    )
    return (
        f"<details><summary>All questions ({len(rows)})</summary><table><tr><th>id</th>"
        "<th>type</th><th>lang</th><th>outcome</th><th>hybrid rank</th><th>total</th>"
        f"<th>question</th></tr>{body}</table></details>"
    )


def render_report(
    rows: Sequence[Mapping[str, Any]], summary: Mapping[str, Any], title: str = "Evaluation run"
) -> str:
    """Render the full report HTML for ``rows`` and ``summary``."""
    failures = [(r, o) for r in rows if (o := row_outcome(r)) not in GOOD_OUTCOMES]
    failure_html = "".join(_failure(r, o) for r, o in failures) or "<p>No failures.</p>"
    return (
        "<!DOCTYPE html><html lang=zh-CN><head><meta charset=\"utf-8\">"
        f"<title>{escape(title)}</title><style>{_CSS}</style></head><body>"
        f"<h1>{escape(title)}</h1>"
        f"<h2>Headline</h2>{_headline(summary)}"
        f"<h2>Retrieval</h2>{_retrieval_table(summary)}"
        f"<h2>Charts</h2>{_charts(summary, rows)}"
        "<h2>Tune / report halves</h2><p class=muted>Choose thresholds and weights on "
        f"<i>tune</i>; quote <i>report</i>.</p>{_halves_table(summary)}"
        f"<h2>Configuration</h2>{_config_table(summary.get('config') or {})}"
        f"<h2>Failures ({len(failures)})</h2>"
        "<p class=muted>Wrong answers, wrong refusals, answered unanswerable questions "
        f"and errors.</p>{failure_html}"
        f"<h2>Questions</h2>{_all_questions(rows)}</body></html>\n"
    )


def write_report(run_dir: Path) -> Path:
    """Write ``run_dir/report.html`` from the run's results and summary; return its path."""
    run_dir = Path(run_dir)
    rows, summary = load_run(run_dir)
    out = run_dir / "report.html"
    out.write_text(render_report(rows, summary, f"Evaluation run: {run_dir.name}"), encoding="utf-8")
    logger.info("wrote %s (%d rows)", out, len(rows))
    return out
