"""Tests for answer normalisation, scoring and the run summary."""

from __future__ import annotations

from typing import Any

import pytest

from assistant.evaluation.metrics import (
    TRADEOFF_THRESHOLDS,
    answer_correct,
    char_f1,
    first_relevant_rank,
    headline,
    mrr,
    normalize_answer,
    passage_relevant,
    percentile,
    recall_at_k,
    row_outcome,
    score_row,
    summarize,
    tradeoff_curve,
)
from assistant.evaluation.splits import half_of


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("一百亿", "100亿"),
        ("2,447", "2447"),
        ("2，447", "2447"),
        ("廣西", "广西"),
        ("ＡＩ１００", "ai100"),
        ("二〇二四年", "2024年"),
        ("百分之三十", "30%"),
        ("30％", "30%"),
        ("三千五百", "3500"),
        ("两千", "2000"),
        ("十二", "12"),
        ("第一", "第1"),
        ("一点五万", "1.5万"),
        ("“人工智能” 《报告》、，。：；！？（）【】·—-…", "人工智能报告"),
        ("Hello,  World!", "helloworld"),
        ("  深度\t学习\n", "深度学习"),
    ],
)
def test_normalize_matches(a: str, b: str) -> None:
    assert normalize_answer(a) == normalize_answer(b)


@pytest.mark.parametrize(
    ("a", "b"),
    [("100亿", "10亿"), ("2024年", "2023年"), ("1.5", "15"), ("一百亿", "十亿"), ("30%", "3%")],
)
def test_normalize_keeps_distinctions(a: str, b: str) -> None:
    assert normalize_answer(a) != normalize_answer(b)


def test_normalize_exact_forms() -> None:
    assert normalize_answer("一百亿") == "100亿"
    assert normalize_answer("1.5万") == "1.5万"
    assert normalize_answer("三千零五") == "3005"
    assert normalize_answer("一百二") == "120"
    assert normalize_answer("百分之三十") == "30%"
    assert normalize_answer("") == ""


def test_answer_correct() -> None:
    assert answer_correct("据报告，投资规模达到一百亿元。", ["100亿"])
    assert answer_correct("The population is 2,447.", ["2447", "x"])
    assert answer_correct("位于廣西。", ["广西"])
    assert not answer_correct("规模为十亿元", ["100亿"])
    assert not answer_correct("anything", [])
    assert not answer_correct("anything", ["", "  "])


def test_char_f1() -> None:
    assert char_f1("北京市", ["北京"]) == pytest.approx(0.8)
    assert char_f1("北京", ["上海", "北京"]) == pytest.approx(1.0)
    assert char_f1("上海", ["北京"]) == 0.0
    assert char_f1("北京", []) == 0.0
    assert char_f1("", ["北京"]) == 0.0


EVIDENCE_GLOSS = "人工智能(réngōngzhìnéng)是计算机科学的一个分支"


def test_passage_relevant_pinyin_gloss() -> None:
    passage = "概述：人工智能是计算机科学的一个分支，它研究智能的本质。"
    assert passage_relevant(passage, EVIDENCE_GLOSS, [])
    assert passage_relevant(passage, "人工智能（réngōng zhìnéng）是计算机科学的一个分支", [])
    assert not passage_relevant("机器学习是一种方法。", EVIDENCE_GLOSS, [])


def test_passage_relevant_split_and_gold() -> None:
    evidence = "该项目于二〇二一年启动，总投资一百亿元，覆盖广西、云南和贵州三个省区的农村地区。"
    tail = "总投资一百亿元，覆盖广西、云南和贵州三个省区的农村地区。后续内容。"
    assert passage_relevant(tail, evidence, [])
    assert not passage_relevant("覆盖广西、云南", evidence, [])
    assert passage_relevant("人口为2447人。", "", ["2,447"])
    assert not passage_relevant("共有5个", "", ["5"])  # one-char golds are too weak
    assert not passage_relevant("", evidence, ["广西"])


def test_first_relevant_rank() -> None:
    passages = [
        ("/data/other.txt", "人工智能是计算机科学的一个分支"),
        ("data/b.txt", "无关内容"),
        ("/data/docs/a.txt", "人工智能是计算机科学的一个分支"),
    ]
    assert first_relevant_rank(passages, EVIDENCE_GLOSS, [], ["a.txt"]) == 3
    assert first_relevant_rank(passages, EVIDENCE_GLOSS, [], []) == 1
    assert first_relevant_rank(passages, EVIDENCE_GLOSS, [], ["c.txt"]) is None


def test_recall_mrr_percentile() -> None:
    ranks = [1, 3, None, 10]
    assert recall_at_k(ranks, 1) == 0.25
    assert recall_at_k(ranks, 3) == 0.5
    assert recall_at_k(ranks, 10) == 0.75
    assert mrr(ranks) == pytest.approx((1 + 1 / 3 + 0.1) / 4)
    assert recall_at_k([], 5) == 0.0 and mrr([]) == 0.0
    assert percentile([1, 2, 3, 4], 50) == 2.5
    assert percentile([1, 2, 3, 4], 95) == pytest.approx(3.85)
    assert percentile([], 50) == 0.0


def test_score_row() -> None:
    scored = score_row(
        answer="投资一百亿元[1]。",
        refused=False,
        citations=[
            {"marker": 1, "source": "docs/a.txt", "quote": "总投资一百亿元"},
            {"marker": 2, "source": "docs/b.txt", "quote": "总投资一百亿元"},
        ],
        rankings={
            "dense": [("b.txt", "无关"), ("a.txt", "总投资100亿元")],
            "bm25": [("b.txt", "无关")],
            "hybrid": [("a.txt", "总投资100亿元")],
        },
        answerable=True,
        gold_answers=["100亿"],
        gold_docs=["a.txt"],
        evidence="总投资一百亿元",
    )
    assert scored["metrics"] == {
        "correct": True,
        "char_f1": pytest.approx(char_f1("投资一百亿元。", ["100亿"])),  # marker not scored
        "cite_precision": 0.5,
        "cite_recall": True,
    }
    assert scored["ranks"] == {"dense": 2, "bm25": None, "hybrid": 1}
    assert [c["relevant"] for c in scored["citations"]] == [True, False]

    refused = score_row(
        answer="无法回答", refused=True, citations=[], rankings={"hybrid": []},
        answerable=True, gold_answers=["100亿"], gold_docs=[], evidence="",
    )
    assert refused["metrics"]["correct"] is False and refused["metrics"]["cite_precision"] is None
    unans = score_row(
        answer="x", refused=True, citations=[], rankings={"hybrid": [("a", "b")]},
        answerable=False, gold_answers=[], gold_docs=[], evidence="",
    )
    assert unans["metrics"]["correct"] is None and unans["ranks"] == {"hybrid": None}


def _row(
    qid: str, qtype: str, lang: str, answerable: bool, refused: bool, correct: bool | None,
    f1: float | None, cite_recall: bool | None, rels: list[bool], ranks: tuple[Any, Any, Any],
    timings: tuple[float, float, float], tokens: tuple[int, int], rss: float,
) -> dict[str, Any]:
    return {
        "id": qid, "question": f"q{qid}", "lang": lang, "type": qtype, "answerable": answerable,
        "gold_answers": ["x"] if answerable else [], "gold_docs": [], "evidence": "",
        "answer": "", "refused": refused,
        "citations": [{"marker": i + 1, "relevant": r} for i, r in enumerate(rels)],
        "retrieved": [],
        "ranks": dict(zip(("dense", "bm25", "hybrid"), ranks, strict=True)),
        "metrics": {"correct": correct, "char_f1": f1, "cite_precision": None, "cite_recall": cite_recall},
        "timings": dict(zip(("retrieve", "first_token", "total"), timings, strict=True)),
        "prompt_tokens": tokens[0], "completion_tokens": tokens[1], "peak_rss_mb": rss, "error": None,
    }


ROWS = [
    _row("1", "fact", "zh", True, False, True, 1.0, True, [True, False], (1, None, 2), (0.1, 1.0, 2.0), (100, 20), 500.0),
    _row("2", "numeric", "en", True, False, False, 0.5, False, [False], (4, 3, 1), (0.3, 2.0, 4.0), (200, 40), 700.0),
    _row("3", "fact", "en", True, True, False, 0.0, False, [], (None, None, None), (0.2, 0.5, 1.0), (300, 0), 600.0),
    _row("4", "unanswerable", "zh", False, True, None, None, None, [], (None, None, None), (0.4, 0.6, 3.0), (400, 10), 650.0),
]


def test_row_outcome() -> None:
    assert [row_outcome(r) for r in ROWS] == ["correct", "wrong", "false_refusal", "refused"]
    assert row_outcome({**ROWS[3], "refused": False}) == "answered_unanswerable"
    assert row_outcome({**ROWS[0], "error": "boom"}) == "error"


def test_summarize_exact() -> None:
    s = summarize(ROWS)
    approx = pytest.approx
    assert (s["n"], s["n_answerable"], s["n_unanswerable"], s["n_errors"]) == (4, 3, 1, 0)
    assert s["retrieval"]["dense"] == {
        "recall@1": approx(1 / 3), "recall@3": approx(1 / 3), "recall@5": approx(2 / 3),
        "recall@10": approx(2 / 3), "mrr": approx(1.25 / 3),
    }
    assert s["retrieval"]["bm25"] == {
        "recall@1": 0.0, "recall@3": approx(1 / 3), "recall@5": approx(1 / 3),
        "recall@10": approx(1 / 3), "mrr": approx(1 / 9),
    }
    assert s["retrieval"]["hybrid"]["recall@1"] == approx(1 / 3)
    assert s["retrieval"]["hybrid"]["recall@3"] == approx(2 / 3)
    assert s["retrieval"]["hybrid"]["mrr"] == approx(0.5)
    assert s["answer_accuracy"] == approx(1 / 3)
    assert s["char_f1"] == approx(0.5)
    assert s["citation_precision"] == approx(1 / 3)
    assert s["citation_recall"] == approx(1 / 3)
    assert s["refusal_rate"] == 1.0
    assert s["false_refusal_rate"] == approx(1 / 3)
    assert s["latency"]["total"] == {"p50": approx(2.5), "p95": approx(3.85)}
    assert s["latency"]["retrieve"]["p50"] == approx(0.25)
    assert s["prompt_tokens_mean"] == 250.0
    assert s["completion_tokens_mean"] == 17.5
    assert s["peak_rss_mb"] == 700.0
    assert s["by_type"] == {
        "fact": {"n": 2, "accuracy": 0.5},
        "numeric": {"n": 1, "accuracy": 0.0},
        "unanswerable": {"n": 1, "accuracy": 1.0},
    }
    assert s["by_lang"] == {"en": {"n": 2, "accuracy": 0.0}, "zh": {"n": 2, "accuracy": 1.0}}


def test_summarize_empty() -> None:
    s = summarize([])
    assert s["n"] == 0 and s["answer_accuracy"] is None and s["retrieval"]["hybrid"]["mrr"] is None


def test_summarize_halves() -> None:
    # The ids fall into halves by the fixed CRC-32 rule: "1".."3" report, "4" tune.
    assert [half_of(str(r["id"])) for r in ROWS] == ["report", "report", "report", "tune"]
    s = summarize(ROWS)
    assert {k: s[k] for k in headline(ROWS)} == headline(ROWS)  # one headline function for all
    report, tune = s["halves"]["report"], s["halves"]["tune"]
    assert report == headline(ROWS[:3]) and tune == headline(ROWS[3:])
    assert (report["n"], report["n_unanswerable"], tune["n"], tune["n_unanswerable"]) == (3, 0, 1, 1)
    assert report["answer_accuracy"] == pytest.approx(1 / 3)
    assert report["false_refusal_rate"] == pytest.approx(1 / 3) and report["refusal_rate"] is None
    assert report["citation_precision"] == pytest.approx(1 / 3)
    assert report["citation_recall"] == pytest.approx(1 / 3)
    assert report["prompt_tokens_mean"] == 200.0
    assert report["latency"]["first_token"]["p50"] == 1.0 and report["latency"]["total"]["p50"] == 2.0
    assert tune["refusal_rate"] == 1.0 and tune["answer_accuracy"] is None
    assert tune["false_refusal_rate"] is None and tune["latency"]["total"]["p50"] == 3.0
    assert summarize([])["halves"]["tune"]["n"] == 0


def test_tradeoff_thresholds() -> None:
    assert len(TRADEOFF_THRESHOLDS) == 21
    assert TRADEOFF_THRESHOLDS[0] == 0.0 and TRADEOFF_THRESHOLDS[-1] == 1.0
    assert TRADEOFF_THRESHOLDS[7] == 0.35


def test_tradeoff_curve() -> None:
    confidences = (0.9, 0.3, None, 0.12)  # row 3 has none and is skipped
    rows = [{**r, "confidence": c} for r, c in zip(ROWS, confidences, strict=True)]
    curve = summarize(rows)["tradeoff"]
    assert curve == tradeoff_curve(rows)
    assert [p["threshold"] for p in curve] == list(TRADEOFF_THRESHOLDS)
    by_t = {p["threshold"]: (p["refusal_rate"], p["false_refusal_rate"]) for p in curve}
    assert by_t[0.0] == (0.0, 0.0)
    assert by_t[0.1] == (0.0, 0.0)
    assert by_t[0.15] == (1.0, 0.0)  # 0.12 < 0.15: the unanswerable question is refused
    assert by_t[0.3] == (1.0, 0.0)  # refused only strictly below the threshold
    assert by_t[0.35] == (1.0, 0.5)
    assert by_t[0.95] == (1.0, 1.0)
    assert by_t[1.0] == (1.0, 1.0)
    only_answerable = tradeoff_curve(rows[:2])
    assert {p["refusal_rate"] for p in only_answerable} == {None}


def test_tradeoff_without_confidence() -> None:
    assert summarize(ROWS)["tradeoff"] == []
    assert tradeoff_curve([{**r, "confidence": None} for r in ROWS]) == []


def test_citation_markers_are_not_scored_as_answer_text() -> None:
    row = score_row(answer="16[2]", refused=False, citations=[], rankings={}, answerable=True,
                    gold_answers=["162"], gold_docs=["d.txt"], evidence="")
    assert row["metrics"]["correct"] is False  # "16[2]" is 16, not 162
    row = score_row(answer="16[2]", refused=False, citations=[], rankings={}, answerable=True,
                    gold_answers=["16"], gold_docs=["d.txt"], evidence="")
    assert row["metrics"]["char_f1"] == 1.0
