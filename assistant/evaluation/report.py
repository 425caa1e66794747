"""Self-contained HTML report for one evaluation run.

The report is a single file with inline CSS and inline SVG charts drawn here,
so it opens offline and can be attached to a ticket as is.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping, Sequence
from html import escape
from pathlib import Path
from typing import Any

from assistant.evaluation.metrics import (
    GOOD_OUTCOMES,
    RECALL_KS,
    RETRIEVERS,
    row_outcome,
    summarize,
)

logger = logging.getLogger(__name__)

_COLORS = {"dense": "#1f77b4", "bm25": "#ff7f0e", "hybrid": "#2ca02c"}
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


HEADLINE: tuple[tuple[str, tuple[str, ...], str], ...] = (
    ("Questions", ("n",), "int"),
    ("Answerable / unanswerable", (), ""),
    ("Errors", ("n_errors",), "int"),
    ("Answer accuracy", ("answer_accuracy",), "pct"),
    ("Char F1", ("char_f1",), "num"),
    ("Citation precision", ("citation_precision",), "pct"),
    ("Citation recall", ("citation_recall",), "pct"),
    ("Refusal rate (unanswerable)", ("refusal_rate",), "pct"),
    ("False refusal rate (answerable)", ("false_refusal_rate",), "pct"),
    ("Hybrid recall@5", ("retrieval", "hybrid", "recall@5"), "pct"),
    ("Hybrid MRR", ("retrieval", "hybrid", "mrr"), "num"),
    ("Retrieve p50 / p95", ("latency", "retrieve"), "sec"),
    ("First token p50 / p95", ("latency", "first_token"), "sec"),
    ("Total p50 / p95", ("latency", "total"), "sec"),
    ("Prompt tokens (mean)", ("prompt_tokens_mean",), "int"),
    ("Completion tokens (mean)", ("completion_tokens_mean",), "int"),
    ("Peak RSS (MB)", ("peak_rss_mb",), "int"),
)


def _headline(summary: Mapping[str, Any]) -> str:
    out = ["<table><tr><th>Metric</th><th>Value</th></tr>"]
    for label, path, kind in HEADLINE:
        if not path:
            value = f"{fmt(summary.get('n_answerable'))} / {fmt(summary.get('n_unanswerable'))}"
        elif path[0] == "latency":
            stage = dig(summary, *path) or {}
            value = f"{fmt(stage.get('p50'), kind)} / {fmt(stage.get('p95'), kind)}"
        else:
            value = fmt(dig(summary, *path), kind)
        out.append(f"<tr><td>{escape(label)}</td><td class=num>{escape(value)}</td></tr>")
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


def _config_table(config: Mapping[str, Any]) -> str:
    if not config:
        return "<p class=muted>No run configuration recorded.</p>"
    rows = "".join(
        f"<tr><th>{escape(str(k))}</th><td>{escape(v if isinstance(v, str) else json.dumps(v, ensure_ascii=False))}</td></tr>"
        for k, v in config.items()
    )
    return f"<table>{rows}</table>"


def svg_bar_chart(title: str, items: Sequence[tuple[str, float, int]]) -> str:
    """Horizontal bar chart of ``(label, share 0–1, n)`` items as an inline SVG."""
    bar_h, left, width = 22, 150, 460
    height = 30 + bar_h * max(len(items), 1) + 10
    parts = [
        f'<svg width="{width}" height="{height}" role="img" aria-label="{escape(title)}">',
        f'<text x="8" y="18" style="font-weight:bold;font-size:13px">{escape(title)}</text>',
    ]
    span = width - left - 70
    for i, (label, share, n) in enumerate(items):
        y = 30 + i * bar_h
        w = max(0.0, min(1.0, share)) * span
        parts.append(
            f'<text x="{left - 6}" y="{y + 15}" text-anchor="end">{escape(label[:22])}</text>'
            f'<rect x="{left}" y="{y + 3}" width="{w:.1f}" height="{bar_h - 6}" fill="#4c78a8">'
            f"<title>{escape(label)}: {100 * share:.1f}% of {n}</title></rect>"
            f'<text x="{left + w + 4:.1f}" y="{y + 15}">{100 * share:.0f}% (n={n})</text>'
        )
    if not items:
        parts.append(f'<text x="{left}" y="45" class="muted">no data</text>')
    parts.append("</svg>")
    return "".join(parts)


def svg_histogram(title: str, values: Sequence[float], bins: int = 12) -> str:
    """Histogram of ``values`` (e.g. seconds) as an inline SVG."""
    width, height, left, bottom, top = 460, 240, 40, 40, 28
    parts = [
        f'<svg width="{width}" height="{height}" role="img" aria-label="{escape(title)}">',
        f'<text x="8" y="18" style="font-weight:bold;font-size:13px">{escape(title)}</text>',
    ]
    if not values:
        parts.append('<text x="40" y="60">no data</text></svg>')
        return "".join(parts)
    lo, hi = min(values), max(values)
    step = (hi - lo) / bins if hi > lo else 1.0
    counts = [0] * bins
    for v in values:
        counts[min(int((v - lo) / step), bins - 1)] += 1
    peak = max(counts)
    plot_w, plot_h = width - left - 10, height - top - bottom
    bw = plot_w / bins
    for i, c in enumerate(counts):
        h = plot_h * c / peak
        x, y = left + i * bw, top + plot_h - h
        parts.append(
            f'<rect x="{x:.1f}" y="{y:.1f}" width="{bw - 1:.1f}" height="{h:.1f}" fill="#72b7b2">'
            f"<title>{lo + i * step:.2f}–{lo + (i + 1) * step:.2f}s: {c}</title></rect>"
        )
    base = top + plot_h
    parts.append(
        f'<line x1="{left}" y1="{base}" x2="{width - 10}" y2="{base}" stroke="#555"/>'
        f'<text x="{left}" y="{base + 14}">{lo:.1f}s</text>'
        f'<text x="{width - 10}" y="{base + 14}" text-anchor="end">{lo + bins * step:.1f}s</text>'
        f'<text x="{left - 4}" y="{top + 10}" text-anchor="end">{peak}</text>'
        f'<text x="{left - 4}" y="{base}" text-anchor="end">0</text>'
        f'<text x="{width / 2:.0f}" y="{height - 8}" text-anchor="middle">total seconds (n={len(values)})</text>'
    )
    parts.append("</svg>")
    return "".join(parts)


def svg_recall_curve(title: str, series: Mapping[str, Sequence[float | None]]) -> str:
    """Recall@k lines (k = 1, 3, 5, 10) for each retriever as an inline SVG."""
    width, height, left, bottom, top, right = 460, 240, 44, 36, 28, 90
    plot_w, plot_h = width - left - right, height - top - bottom
    kmax = RECALL_KS[-1]

    def xy(k: int, v: float) -> tuple[float, float]:
        return left + plot_w * (k - 1) / (kmax - 1), top + plot_h * (1 - v)

    parts = [
        f'<svg width="{width}" height="{height}" role="img" aria-label="{escape(title)}">',
        f'<text x="8" y="18" style="font-weight:bold;font-size:13px">{escape(title)}</text>',
    ]
    for tick in (0.0, 0.5, 1.0):
        _, y = xy(1, tick)
        parts.append(
            f'<line x1="{left}" y1="{y:.1f}" x2="{left + plot_w}" y2="{y:.1f}" stroke="#ddd"/>'
            f'<text x="{left - 4}" y="{y + 4:.1f}" text-anchor="end">{100 * tick:.0f}%</text>'
        )
    for k in RECALL_KS:
        x, _ = xy(k, 0)
        parts.append(f'<text x="{x:.1f}" y="{top + plot_h + 14}" text-anchor="middle">{k}</text>')
    parts.append(
        f'<text x="{left + plot_w / 2:.0f}" y="{height - 6}" text-anchor="middle">k</text>'
    )
    for i, (name, values) in enumerate(series.items()):
        color = _COLORS.get(name, "#888")
        pts = [xy(k, v) for k, v in zip(RECALL_KS, values, strict=False) if v is not None]
        if pts:
            path = " ".join(f"{x:.1f},{y:.1f}" for x, y in pts)
            parts.append(
                f'<polyline points="{path}" fill="none" stroke="{color}" stroke-width="2"/>'
            )
            parts.extend(
                f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{color}"/>' for x, y in pts
            )
        ly = top + 12 + 16 * i
        parts.append(
            f'<rect x="{width - right + 10}" y="{ly - 8}" width="10" height="10" fill="{color}"/>'
            f'<text x="{width - right + 24}" y="{ly + 1}">{escape(name)}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


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
    return (
        f"<details class=failure><summary><span class=tag>{escape(outcome)}</span>"
        f"<b>{_text(row.get('id', ''))}</b> [{_text(row.get('type', ''))}/{_text(row.get('lang', ''))}] "
        f"{_text(row.get('question', ''))}</summary>"
        f"<p><b>Question:</b> {_text(row.get('question', ''))}</p>"
        f"<p><b>Gold:</b> {escape(golds)} <span class=muted>docs: "
        f"{_text(', '.join(row.get('gold_docs') or []))}</span></p>"
        f"<p><b>Evidence:</b> {_text(row.get('evidence', ''))}</p>{error}"
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
