"""Inline SVG charts of the run report (no scripts, no network, no plotting library)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from html import escape
from typing import Any

from assistant.evaluation.metrics import RECALL_KS

_COLORS = {"dense": "#1f77b4", "bm25": "#ff7f0e", "hybrid": "#2ca02c"}
_POINT_COLOR = "#4c78a8"
_RUN_COLOR = "#d62728"  # the run's own operating point
_GRID_TICKS: tuple[float, ...] = (0.0, 0.5, 1.0)


def _svg_open(title: str, width: int, height: int) -> list[str]:
    """Opening ``<svg>`` tag and bold title of a chart (close with ``</svg>``)."""
    return [
        f'<svg width="{width}" height="{height}" role="img" aria-label="{escape(title)}">',
        f'<text x="8" y="18" style="font-weight:bold;font-size:13px">{escape(title)}</text>',
    ]


def svg_bar_chart(title: str, items: Sequence[tuple[str, float, int]]) -> str:
    """Horizontal bar chart of ``(label, share 0–1, n)`` items as an inline SVG."""
    bar_h, left, width = 22, 150, 460
    height = 30 + bar_h * max(len(items), 1) + 10
    parts = _svg_open(title, width, height)
    span = width - left - 70
    for i, (label, share, n) in enumerate(items):
        y = 30 + i * bar_h
        w = max(0.0, min(1.0, share)) * span
        parts.append(
            f'<text x="{left - 6}" y="{y + 15}" text-anchor="end">{escape(label[:22])}</text>'
            f'<rect x="{left}" y="{y + 3}" width="{w:.1f}" height="{bar_h - 6}" fill="{_POINT_COLOR}">'
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
    parts = _svg_open(title, width, height)
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

    parts = _svg_open(title, width, height)
    for tick in _GRID_TICKS:
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


def svg_tradeoff(
    title: str,
    curve: Sequence[Mapping[str, Any]],
    operating: tuple[float | None, float | None],
) -> str:
    """The answerability trade-off as an inline SVG scatter.

    ``curve`` rows carry ``threshold``, ``refusal_rate`` and ``false_refusal_rate``
    (see :func:`assistant.evaluation.metrics.tradeoff_curve`); each becomes one
    point at x = false refusal of answerable questions, y = refusal of
    unanswerable ones. ``operating`` is the run's observed ``(false_refusal_rate,
    refusal_rate)``, marked in red when both are known.
    """
    width, height, left, bottom, top, right = 460, 260, 48, 40, 28, 20
    plot_w, plot_h = width - left - right, height - top - bottom

    def xy(false_refusal: float, refusal: float) -> tuple[float, float]:
        return left + plot_w * false_refusal, top + plot_h * (1 - refusal)

    parts = _svg_open(title, width, height)
    for tick in _GRID_TICKS:
        x, y = xy(tick, tick)
        parts.append(
            f'<line x1="{left}" y1="{y:.1f}" x2="{left + plot_w}" y2="{y:.1f}" stroke="#ddd"/>'
            f'<line x1="{x:.1f}" y1="{top}" x2="{x:.1f}" y2="{top + plot_h}" stroke="#ddd"/>'
            f'<text x="{left - 4}" y="{y + 4:.1f}" text-anchor="end">{100 * tick:.0f}%</text>'
            f'<text x="{x:.1f}" y="{top + plot_h + 14}" text-anchor="middle">{100 * tick:.0f}%</text>'
        )
    parts.append(
        f'<text x="{left + plot_w / 2:.0f}" y="{height - 6}" text-anchor="middle">'
        "false refusal (answerable)</text>"
        f'<text x="12" y="{top + plot_h / 2:.0f}" text-anchor="middle" '
        f'transform="rotate(-90 12 {top + plot_h / 2:.0f})">refusal (unanswerable)</text>'
    )
    points = [
        (float(p["threshold"]), *xy(float(p["false_refusal_rate"]), float(p["refusal_rate"])))
        for p in curve
        if p.get("refusal_rate") is not None and p.get("false_refusal_rate") is not None
    ]
    if points:
        path = " ".join(f"{x:.1f},{y:.1f}" for _, x, y in points)
        parts.append(f'<polyline points="{path}" fill="none" stroke="{_POINT_COLOR}" stroke-width="1"/>')
        parts.extend(
            f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{_POINT_COLOR}">'
            f"<title>confidence &lt; {t:.2f} refused</title></circle>"
            for t, x, y in points
        )
    else:
        parts.append(f'<text x="{left + 8}" y="{top + 20}">no confidence recorded</text>')
    false_refusal, refusal = operating
    if false_refusal is not None and refusal is not None:
        x, y = xy(false_refusal, refusal)
        parts.append(
            f'<circle cx="{x:.1f}" cy="{y:.1f}" r="6" fill="none" stroke="{_RUN_COLOR}" '
            f'stroke-width="2"><title>this run: refusal {100 * refusal:.1f}%, false refusal '
            f"{100 * false_refusal:.1f}%</title></circle>"
            f'<text x="{x + 8:.1f}" y="{y - 8:.1f}" style="fill:{_RUN_COLOR}">this run</text>'
        )
    parts.append("</svg>")
    return "".join(parts)
