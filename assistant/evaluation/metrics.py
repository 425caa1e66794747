"""Scoring metrics and the run summary of the evaluation harness.

Answers are compared after :func:`~assistant.evaluation.answer_norm.normalize_answer`
(re-exported here) on both sides.
"""

from __future__ import annotations

import logging
import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from assistant.answer.cite import MARKER
from assistant.evaluation.answer_norm import normalize_answer
from assistant.evaluation.splits import HALVES, half_of
from assistant.ingest.clean import without_pinyin_glosses

logger = logging.getLogger(__name__)

# --------------------------------------------------------------------------- scoring

MAX_SHARED_SPAN = 20
RETRIEVERS: tuple[str, ...] = ("dense", "bm25", "hybrid")
RECALL_KS: tuple[int, ...] = (1, 3, 5, 10)
LATENCY_STAGES: tuple[str, ...] = ("retrieve", "first_token", "total")
# Confidence thresholds of the answerability trade-off curve: 0.00, 0.05, …, 1.00.
TRADEOFF_STEP = 0.05
TRADEOFF_THRESHOLDS: tuple[float, ...] = tuple(
    round(i * TRADEOFF_STEP, 2) for i in range(round(1 / TRADEOFF_STEP) + 1)
)


def _norm_golds(golds: Sequence[str]) -> list[str]:
    return [g for g in (normalize_answer(x) for x in golds) if g]


def answer_correct(prediction: str, golds: Sequence[str]) -> bool:
    """True when any non-empty normalised gold is a substring of the normalised prediction."""
    pred = normalize_answer(prediction)
    return any(g in pred for g in _norm_golds(golds))


MetricKind = Literal["int", "num", "pct", "sec"]


@dataclass(frozen=True)
class Metric:
    """One number of a run's ``summary.json``: its name, label, where it is, how to show it."""

    key: str
    label: str
    path: tuple[str, ...]
    kind: MetricKind


# Every metric a report, a comparison or a table shows: the one list of metric names.
METRICS: dict[str, Metric] = {m.key: m for m in (
    Metric("n", "Questions", ("n",), "int"),
    Metric("n_errors", "Errors", ("n_errors",), "int"),
    Metric("answer_accuracy", "Answer accuracy", ("answer_accuracy",), "pct"),
    Metric("char_f1", "Char F1", ("char_f1",), "num"),
    Metric("citation_precision", "Citation precision", ("citation_precision",), "pct"),
    Metric("citation_recall", "Citation recall", ("citation_recall",), "pct"),
    Metric("refusal_rate", "Refusal rate (unanswerable)", ("refusal_rate",), "pct"),
    Metric("false_refusal_rate", "False refusal rate (answerable)", ("false_refusal_rate",), "pct"),
    Metric("hybrid_recall@1", "Hybrid recall@1", ("retrieval", "hybrid", "recall@1"), "pct"),
    Metric("hybrid_recall@5", "Hybrid recall@5", ("retrieval", "hybrid", "recall@5"), "pct"),
    Metric("hybrid_mrr", "Hybrid MRR", ("retrieval", "hybrid", "mrr"), "num"),
    Metric("dense_recall@5", "Dense recall@5", ("retrieval", "dense", "recall@5"), "pct"),
    Metric("bm25_recall@5", "BM25 recall@5", ("retrieval", "bm25", "recall@5"), "pct"),
    Metric("retrieve_p50", "Retrieve p50", ("latency", "retrieve", "p50"), "sec"),
    Metric("retrieve_p95", "Retrieve p95", ("latency", "retrieve", "p95"), "sec"),
    Metric("first_token_p50", "First token p50", ("latency", "first_token", "p50"), "sec"),
    Metric("first_token_p95", "First token p95", ("latency", "first_token", "p95"), "sec"),
    Metric("total_p50", "Total p50", ("latency", "total", "p50"), "sec"),
    Metric("total_p95", "Total p95", ("latency", "total", "p95"), "sec"),
    Metric("prompt_tokens_mean", "Prompt tokens (mean)", ("prompt_tokens_mean",), "int"),
    Metric("completion_tokens_mean", "Completion tokens (mean)", ("completion_tokens_mean",), "int"),
    Metric("peak_rss_mb", "Peak RSS (MB)", ("peak_rss_mb",), "int"),
    Metric("prompt_speed_tps", "Prompt speed (tokens/s)", ("config", "prompt_speed_tps"), "num"),
)}


def metrics(*keys: str) -> tuple[Metric, ...]:
    """The ``METRICS`` named by ``keys``, in that order (an unknown key raises KeyError)."""
    return tuple(METRICS[k] for k in keys)


def _f1(pred: str, gold: str) -> float:
    if not pred or not gold:
        return 0.0
    common = sum((Counter(pred) & Counter(gold)).values())
    if common == 0:
        return 0.0
    precision = common / len(pred)
    recall = common / len(gold)
    return 2 * precision * recall / (precision + recall)


def char_f1(prediction: str, golds: Sequence[str]) -> float:
    """Character-level F1 (multiset overlap of normalised characters) against the best gold.

    Returns 0.0 when there are no (non-empty) golds.
    """
    pred = normalize_answer(prediction)
    return max((_f1(pred, g) for g in _norm_golds(golds)), default=0.0)


def _shares_span(passage: str, evidence: str, length: int) -> bool:
    """True when ``passage`` and ``evidence`` share a substring of ``length`` chars."""
    if length <= 0 or len(evidence) < length:
        return False
    return any(evidence[i : i + length] in passage for i in range(len(evidence) - length + 1))


def passage_relevant(passage: str, evidence: str, golds: Sequence[str]) -> bool:
    """Decide whether a passage supports the gold answer.

    After normalisation (pinyin glosses are stripped from the evidence first) the
    passage is relevant when it contains the evidence, contains a gold answer of
    at least two characters, or shares with the evidence a substring of length
    ``min(len(evidence), 20)`` (evidence split across a chunk boundary).
    """
    norm_passage = normalize_answer(passage)
    if not norm_passage:
        return False
    norm_evidence = normalize_answer(without_pinyin_glosses(evidence)) if evidence else ""
    if norm_evidence and norm_evidence in norm_passage:
        return True
    if any(len(g) >= 2 and g in norm_passage for g in _norm_golds(golds)):
        return True
    return _shares_span(norm_passage, norm_evidence, min(len(norm_evidence), MAX_SHARED_SPAN))


def source_basename(source: str) -> str:
    """Basename of a source path, accepting both ``/`` and ``\\`` separators."""
    return re.split(r"[\\/]", source.rstrip("/\\"))[-1]


def source_matches(source: str, gold_docs: Sequence[str]) -> bool:
    """True when ``source``'s basename is one of ``gold_docs`` (any source if none given)."""
    if not gold_docs:
        return True
    return source_basename(source) in {source_basename(d) for d in gold_docs}


def first_relevant_rank(
    passages: Sequence[tuple[str, str]],
    evidence: str,
    golds: Sequence[str],
    gold_docs: Sequence[str],
) -> int | None:
    """1-based rank of the first relevant passage from a gold document.

    ``passages`` are ``(source_name, text)`` pairs in rank order. Returns ``None``
    when no passage qualifies.
    """
    for rank, (source, text) in enumerate(passages, start=1):
        if source_matches(source, gold_docs) and passage_relevant(text, evidence, golds):
            return rank
    return None


def recall_at_k(ranks: Sequence[int | None], k: int) -> float:
    """Share of questions whose first relevant rank is ≤ ``k`` (0.0 for no questions)."""
    if not ranks:
        return 0.0
    return sum(1 for r in ranks if r is not None and r <= k) / len(ranks)


def mrr(ranks: Sequence[int | None]) -> float:
    """Mean reciprocal rank; a missing rank counts 0 (0.0 for no questions)."""
    if not ranks:
        return 0.0
    return sum(1.0 / r for r in ranks if r) / len(ranks)


def percentile(values: Sequence[float], p: float) -> float:
    """The ``p``-th percentile (0–100) with linear interpolation, like numpy's default.

    Returns 0.0 for an empty sequence.
    """
    data = sorted(float(v) for v in values)
    if not data:
        return 0.0
    pos = (len(data) - 1) * min(max(p, 0.0), 100.0) / 100.0
    lo = int(pos)
    hi = min(lo + 1, len(data) - 1)
    return data[lo] + (data[hi] - data[lo]) * (pos - lo)


def score_row(
    *,
    answer: str,
    refused: bool,
    citations: Sequence[Mapping[str, Any]],
    rankings: Mapping[str, Sequence[tuple[str, str]]],
    answerable: bool,
    gold_answers: Sequence[str],
    gold_docs: Sequence[str],
    evidence: str,
    k: int = 10,
) -> dict[str, Any]:
    """Score one question; returns ``{"metrics", "ranks", "citations"}`` for the result row.

    Args:
        answer: the answer text shown to the user.
        refused: whether the assistant refused to answer.
        citations: citation dicts (at least ``source`` and ``quote``); returned as
            copies with ``relevant`` filled in (relevant passage from a gold document).
        rankings: ``{"dense": [...], "bm25": [...], "hybrid": [...]}``, each a list of
            ``(source, text)`` pairs in rank order; only the top ``k`` are used.
        answerable, gold_answers, gold_docs, evidence: the gold fields of the question.
        k: rank cut-off for ``ranks``.

    For unanswerable questions every metric and rank is ``None``. A refusal of an
    answerable question scores ``correct=False`` and ``char_f1=0.0``. Citation markers
    ([2]) are removed from ``answer`` before it is scored.
    ``cite_precision`` is ``None`` when nothing was cited; ``cite_recall`` is true
    when at least one cited passage is relevant.
    """
    scored = [
        {
            **c,
            "relevant": answerable
            and source_matches(str(c.get("source", "")), gold_docs)
            and passage_relevant(str(c.get("quote", "")), evidence, gold_answers),
        }
        for c in citations
    ]
    if not answerable:
        return {
            "metrics": {"correct": None, "char_f1": None, "cite_precision": None, "cite_recall": None},
            "ranks": {name: None for name in rankings},
            "citations": scored,
        }
    n_relevant = sum(1 for c in scored if c["relevant"])
    answer = MARKER.sub("", answer)  # citation markers are not answer text ("16[2]" is "16")
    metrics = {
        "correct": (not refused) and answer_correct(answer, gold_answers),
        "char_f1": 0.0 if refused else char_f1(answer, gold_answers),
        "cite_precision": n_relevant / len(scored) if scored else None,
        "cite_recall": n_relevant > 0,
    }
    ranks = {
        name: first_relevant_rank(list(passages)[:k], evidence, gold_answers, gold_docs)
        for name, passages in rankings.items()
    }
    return {"metrics": metrics, "ranks": ranks, "citations": scored}


def row_outcome(row: Mapping[str, Any]) -> str:
    """Classify a result row.

    One of ``"error"``, ``"correct"``, ``"wrong"``, ``"false_refusal"`` (answerable
    but refused), ``"refused"`` (unanswerable and refused — the right call) or
    ``"answered_unanswerable"``.
    """
    if row.get("error"):
        return "error"
    refused = bool(row.get("refused"))
    if not row.get("answerable", True):
        return "refused" if refused else "answered_unanswerable"
    if refused:
        return "false_refusal"
    return "correct" if (row.get("metrics") or {}).get("correct") else "wrong"


GOOD_OUTCOMES = frozenset({"correct", "refused"})


# --------------------------------------------------------------------------- summary


def _ratio(num: float, den: int) -> float | None:
    return num / den if den else None


def _mean(values: Sequence[float]) -> float | None:
    return sum(values) / len(values) if values else None


def _split(rows: Sequence[Mapping[str, Any]]) -> tuple[list[Mapping[str, Any]], list[Mapping[str, Any]]]:
    """``(answerable, unanswerable)`` rows (a row without the field is answerable)."""
    answerable = [r for r in rows if r.get("answerable", True)]
    return answerable, [r for r in rows if not r.get("answerable", True)]


def _breakdown(rows: Sequence[Mapping[str, Any]], key: str) -> dict[str, dict[str, Any]]:
    groups: dict[str, list[bool]] = {}
    for row in rows:
        groups.setdefault(str(row.get(key) or "unknown"), []).append(
            row_outcome(row) in GOOD_OUTCOMES
        )
    return {
        name: {"n": len(oks), "accuracy": sum(oks) / len(oks)} for name, oks in sorted(groups.items())
    }


def _retrieval(answerable: Sequence[Mapping[str, Any]]) -> dict[str, dict[str, float | None]]:
    """Recall@k and MRR of each retriever over answerable rows (``None`` without any)."""
    retrieval: dict[str, dict[str, float | None]] = {}
    for name in RETRIEVERS:
        ranks = [(r.get("ranks") or {}).get(name) for r in answerable]
        entry: dict[str, float | None] = {
            f"recall@{k}": recall_at_k(ranks, k) if ranks else None for k in RECALL_KS
        }
        entry["mrr"] = mrr(ranks) if ranks else None
        retrieval[name] = entry
    return retrieval


def headline(rows: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """The headline numbers of ``rows``: counts, answer and citation quality, refusals,
    latency p50/p95 per stage, token means and peak RSS.

    Used for a whole run and for each half of it (``summarize``'s ``halves``).
    Ratios whose denominator is empty are ``None``.
    """
    answerable, unanswerable = _split(rows)
    n_ans = len(answerable)
    metrics = [r.get("metrics") or {} for r in answerable]
    cited = [c for r in answerable for c in r.get("citations") or []]
    latency: dict[str, dict[str, float | None]] = {}
    for stage in LATENCY_STAGES:
        vals = [
            float(v) for r in rows if (v := (r.get("timings") or {}).get(stage)) is not None
        ]
        latency[stage] = {
            "p50": percentile(vals, 50) if vals else None,
            "p95": percentile(vals, 95) if vals else None,
        }
    rss = [float(r["peak_rss_mb"]) for r in rows if r.get("peak_rss_mb") is not None]
    return {
        "n": len(rows),
        "n_answerable": n_ans,
        "n_unanswerable": len(unanswerable),
        "n_errors": sum(1 for r in rows if r.get("error")),
        "answer_accuracy": _ratio(sum(1 for m in metrics if m.get("correct")), n_ans),
        "char_f1": _mean([float(m.get("char_f1") or 0.0) for m in metrics]),
        "citation_precision": _ratio(sum(1 for c in cited if c.get("relevant")), len(cited)),
        "citation_recall": _ratio(sum(1 for m in metrics if m.get("cite_recall")), n_ans),
        "refusal_rate": _ratio(sum(1 for r in unanswerable if r.get("refused")), len(unanswerable)),
        "false_refusal_rate": _ratio(sum(1 for r in answerable if r.get("refused")), n_ans),
        "latency": latency,
        "prompt_tokens_mean": _mean([float(r.get("prompt_tokens") or 0) for r in rows]),
        "completion_tokens_mean": _mean([float(r.get("completion_tokens") or 0) for r in rows]),
        "peak_rss_mb": max(rss) if rss else None,
    }


def tradeoff_curve(rows: Sequence[Mapping[str, Any]]) -> list[dict[str, float | None]]:
    """Refusal of unanswerable vs false refusal of answerable questions per threshold.

    For each ``t`` in :data:`TRADEOFF_THRESHOLDS` a row counts as refused when its
    ``confidence < t``. Rows without a confidence are skipped; with none at all
    the curve is empty. A rate whose side has no rows is ``None``.
    """
    answerable, unanswerable = _split([r for r in rows if r.get("confidence") is not None])
    if not answerable and not unanswerable:
        return []

    def refused_share(side: Sequence[Mapping[str, Any]], t: float) -> float | None:
        return _ratio(sum(1 for r in side if float(r["confidence"]) < t), len(side))

    return [
        {"threshold": t, "refusal_rate": refused_share(unanswerable, t),
         "false_refusal_rate": refused_share(answerable, t)}
        for t in TRADEOFF_THRESHOLDS
    ]


def summarize(rows: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """Summary of result rows (see the harness's row schema).

    The :func:`headline` numbers of all rows, plus ``retrieval`` (recall@k/MRR per
    retriever), ``by_type``/``by_lang`` (a row is accurate when an answerable
    question was answered correctly or an unanswerable one was refused),
    ``halves`` (the headline numbers of the tune and report halves, see
    :mod:`assistant.evaluation.splits`) and ``tradeoff`` (:func:`tradeoff_curve`).
    """
    answerable, _ = _split(rows)
    return {
        **headline(rows),
        "retrieval": _retrieval(answerable),
        "by_type": _breakdown(rows, "type"),
        "by_lang": _breakdown(rows, "lang"),
        "halves": {
            half: headline([r for r in rows if half_of(str(r.get("id", ""))) == half])
            for half in HALVES
        },
        "tradeoff": tradeoff_curve(rows),
    }
