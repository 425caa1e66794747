"""Answer normalisation and scoring metrics for the evaluation harness.

Every comparison between a gold answer and a prediction goes through
:func:`normalize_answer` on *both* sides, so the normaliser aims for
consistency rather than linguistic perfection.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from collections import Counter
from collections.abc import Mapping, Sequence
from functools import lru_cache
from typing import Any

logger = logging.getLogger(__name__)

_DIGITS: dict[str, int] = {
    **{ch: i for i, ch in enumerate("零一二三四五六七八九")},
    **{ch: i + 1 for i, ch in enumerate("壹贰叁肆伍陆柒捌玖")},
    "〇": 0, "两": 2,
}
_UNITS: dict[str, int] = {"十": 10, "百": 100, "千": 1000, "拾": 10, "佰": 100, "仟": 1000}
_NUM_CHARS = "".join(_DIGITS) + "".join(_UNITS)
_NUM_RUN = f"[{_NUM_CHARS}]+"
_DIGIT_RUN = "[" + "".join(_DIGITS) + "]+"
_DECIMAL_RE = re.compile(f"({_NUM_RUN})点({_DIGIT_RUN})")
_NUM_RE = re.compile(_NUM_RUN)
_PERCENT_RE = re.compile(f"(百分之|千分之)((?:{_NUM_RUN}点{_DIGIT_RUN})|{_NUM_RUN}|[0-9]+(?:\\.[0-9]+)?)")
_THOUSANDS_RE = re.compile(r"(?<=\d),(?=\d{3}(?!\d))")
_KEEP_CHARS = frozenset("%‰.")
_LONE_DOT_RE = re.compile(r"(?<!\d)\.|\.(?!\d)")
_DROP_SYMBOLS = frozenset("~`^|")


@lru_cache(maxsize=1)
def _t2s() -> Any:
    """Return the shared traditional→simplified converter (created once)."""
    from opencc import OpenCC

    return OpenCC("t2s")


def _parse_int(run: str) -> str:
    """Convert one run of Chinese numerals (no 万/亿) to Arabic digits.

    A run that is not a well-formed number (e.g. 三四十) is returned unchanged.
    """
    if not any(ch in _UNITS for ch in run):
        return "".join(str(_DIGITS[ch]) for ch in run)
    total, cur, last_unit, zero_seen = 0, None, 0, False
    for ch in run:
        if ch in _UNITS:
            unit = _UNITS[ch]
            if last_unit and unit >= last_unit:
                return run
            total += (1 if cur is None else cur) * unit
            cur, last_unit, zero_seen = None, unit, False
        elif _DIGITS[ch] == 0:
            zero_seen = True
        elif cur is not None:
            return run
        else:
            cur = _DIGITS[ch]
    if cur is not None:
        # 三千五 → 3500 and 一百二 → 120, but 一百零二 → 102 and 十二 → 12.
        total += cur * last_unit // 10 if last_unit >= 100 and not zero_seen else cur
    return str(total)


def _convert_number_text(text: str) -> str:
    """Convert Chinese decimals (一点五) and integers (三千五百) inside ``text``."""
    text = _DECIMAL_RE.sub(
        lambda m: _parse_int(m.group(1)) + "." + "".join(str(_DIGITS[c]) for c in m.group(2)),
        text,
    )
    return _NUM_RE.sub(lambda m: _parse_int(m.group(0)), text)


def _percent(match: re.Match[str]) -> str:
    sign = "%" if match.group(1) == "百分之" else "‰"
    return _convert_number_text(match.group(2)) + sign


def _is_junk(ch: str) -> bool:
    """True for whitespace, punctuation, control characters and a few ASCII symbols."""
    if ch in _KEEP_CHARS:
        return False
    cat = unicodedata.category(ch)
    return ch.isspace() or ch in _DROP_SYMBOLS or cat[0] in "PZ" or cat in ("Cc", "Cf")


def _strip_punct(text: str) -> str:
    """Drop whitespace and punctuation; keep ``%``/``‰`` and a ``.`` between digits."""
    return "".join(ch for ch in _LONE_DOT_RE.sub("", text) if not _is_junk(ch))


@lru_cache(maxsize=65536)
def normalize_answer(s: str) -> str:
    """Normalise an answer or passage for comparison.

    Steps: traditional→simplified (OpenCC ``t2s``), NFKC (full-width→half-width),
    lowercase, 百分之X → X%, thousands separators removed (2,447 → 2447),
    Chinese numerals → Arabic digits (一百亿 → 100亿, 二〇二四年 → 2024年,
    第一 → 第1; 万/亿 stay as characters), then all whitespace and punctuation
    removed (a decimal point between digits and ``%`` are kept).
    """
    if not s:
        return ""
    text = _t2s().convert(s)
    text = unicodedata.normalize("NFKC", text).lower()
    text = _PERCENT_RE.sub(_percent, text)
    text = _THOUSANDS_RE.sub("", text)
    text = _convert_number_text(text)
    return _strip_punct(text)


# --------------------------------------------------------------------------- scoring

_PINYIN_GLOSS_RE = re.compile(r"[(（][a-zA-Zāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜü\s]+[)）]")
MAX_SHARED_SPAN = 20
RETRIEVERS: tuple[str, ...] = ("dense", "bm25", "hybrid")
RECALL_KS: tuple[int, ...] = (1, 3, 5, 10)


def _norm_golds(golds: Sequence[str]) -> list[str]:
    return [g for g in (normalize_answer(x) for x in golds) if g]


def answer_correct(prediction: str, golds: Sequence[str]) -> bool:
    """True when any non-empty normalised gold is a substring of the normalised prediction."""
    pred = normalize_answer(prediction)
    return any(g in pred for g in _norm_golds(golds))


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


def strip_pinyin_glosses(text: str) -> str:
    """Remove parenthesised pinyin glosses such as ``(réngōngzhìnéng)`` from ``text``."""
    return _PINYIN_GLOSS_RE.sub("", text)


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
    norm_evidence = normalize_answer(strip_pinyin_glosses(evidence)) if evidence else ""
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
    answerable question scores ``correct=False`` and ``char_f1=0.0``.
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


def _breakdown(rows: Sequence[Mapping[str, Any]], key: str) -> dict[str, dict[str, Any]]:
    groups: dict[str, list[bool]] = {}
    for row in rows:
        groups.setdefault(str(row.get(key) or "unknown"), []).append(
            row_outcome(row) in GOOD_OUTCOMES
        )
    return {
        name: {"n": len(oks), "accuracy": sum(oks) / len(oks)} for name, oks in sorted(groups.items())
    }


def summarize(rows: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """Headline summary of result rows (see the harness's row schema).

    Ratios whose denominator is empty are ``None``. ``by_type``/``by_lang`` count a
    row as accurate when an answerable question was answered correctly or an
    unanswerable one was refused.
    """
    answerable = [r for r in rows if r.get("answerable", True)]
    unanswerable = [r for r in rows if not r.get("answerable", True)]
    n_ans = len(answerable)

    retrieval: dict[str, dict[str, float | None]] = {}
    for name in RETRIEVERS:
        ranks = [(r.get("ranks") or {}).get(name) for r in answerable]
        entry: dict[str, float | None] = {
            f"recall@{k}": recall_at_k(ranks, k) if ranks else None for k in RECALL_KS
        }
        entry["mrr"] = mrr(ranks) if ranks else None
        retrieval[name] = entry

    metrics = [r.get("metrics") or {} for r in answerable]
    cited = [c for r in answerable for c in r.get("citations") or []]
    latency: dict[str, dict[str, float | None]] = {}
    for stage in ("retrieve", "first_token", "total"):
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
        "retrieval": retrieval,
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
        "by_type": _breakdown(rows, "type"),
        "by_lang": _breakdown(rows, "lang"),
    }
