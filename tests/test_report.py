"""Tests for the HTML run report and the run comparison."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from assistant.evaluation.compare import compare_runs
from assistant.evaluation.metrics import summarize
from assistant.evaluation.report import write_report
from assistant.evaluation.splits import half_of

INJECTION = "<script>alert('x')</script>"


def _row(qid: str, question: str, answer: str, correct: bool | None, *, answerable: bool = True,
         refused: bool = False, qtype: str = "fact", lang: str = "zh") -> dict[str, Any]:
    return {
        "id": qid, "question": question, "lang": lang, "type": qtype, "answerable": answerable,
        "gold_answers": ["100亿"] if answerable else [], "gold_docs": ["a.txt"] if answerable else [],
        "evidence": "总投资一百亿元" if answerable else "", "answer": answer, "refused": refused,
        "citations": [{"marker": 1, "chunk_id": "c1", "source": "docs/a.txt", "start": 0, "end": 7,
                       "quote": "总投资一百亿元", "added": False, "relevant": bool(correct)}],
        "retrieved": [{"chunk_id": "c1", "source": "docs/a.txt", "text": "总投资一百亿元 <b>bold</b>",
                       "score": 0.9, "dense_rank": 1, "bm25_rank": 2}],
        "ranks": {"dense": 1, "bm25": 2, "hybrid": 1} if answerable else
                 {"dense": None, "bm25": None, "hybrid": None},
        "metrics": {"correct": correct, "char_f1": 1.0 if correct else 0.0,
                    "cite_precision": 1.0 if correct else 0.0, "cite_recall": correct}
        if answerable else {"correct": None, "char_f1": None, "cite_precision": None, "cite_recall": None},
        "timings": {"retrieve": 0.1, "first_token": 0.8, "total": 2.5},
        "prompt_tokens": 500, "completion_tokens": 40, "peak_rss_mb": 900.0, "error": None,
    }


def _write_run(run_dir: Path, rows: list[dict[str, Any]], model: str = "qwen",
               **config: Any) -> Path:
    run_dir.mkdir(parents=True)
    with (run_dir / "results.jsonl").open("w", encoding="utf-8") as fh:
        for row in rows:
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")
    summary = {**summarize(rows), "config": {"model": model, "embedder": "bge-small-zh",
                                             "gold": "gold.jsonl", **config}}
    (run_dir / "summary.json").write_text(json.dumps(summary, ensure_ascii=False), encoding="utf-8")
    return run_dir


def test_write_report(tmp_path: Path) -> None:
    rows = [
        _row("q1", "项目总投资是多少？", "总投资一百亿元[1]。", True),
        _row("q2", "What is the investment?", INJECTION, False, lang="en"),
        _row("q3", "火星上有多少人？", "有三个人。", None, answerable=False, qtype="unanswerable"),
        _row("q4", "廣西的人口？", "无法回答。", False, refused=True, qtype="numeric"),
    ]
    run = _write_run(tmp_path / "run1", rows)
    out = write_report(run)
    assert out == run / "report.html" and out.exists()
    html = out.read_text(encoding="utf-8")
    assert '<meta charset="utf-8">' in html
    assert "<svg" in html
    for row in rows:
        assert str(row["question"]).replace("'", "&#x27;") in html
    assert INJECTION not in html
    assert "&lt;script&gt;" in html
    assert "<b>bold</b>" not in html
    assert "http://" not in html and "https://" not in html
    assert "bge-small-zh" in html
    # Failures: wrong answer (q2), answered unanswerable (q3), false refusal (q4); not q1.
    assert html.count("class=failure") == 3
    assert "Failures (3)" in html


def _svg(html: str, label: str) -> str:
    """The inline SVG whose aria-label starts with ``label``."""
    start = html.index(f'aria-label="{label}')
    return html[html.rindex("<svg", 0, start): html.index("</svg>", start)]


def test_report_tradeoff_halves_and_confidence(tmp_path: Path) -> None:
    rows = [
        {**_row("q1", "项目总投资是多少？", "总投资一百亿元[1]。", True), "confidence": 0.9},
        {**_row("q2", "What is the investment?", "wrong", False, lang="en"), "confidence": 0.4},
        {**_row("q3", "火星上有多少人？", "有三个人。", None, answerable=False), "confidence": 0.2},
        {**_row("q4", "廣西的人口？", "无法回答。", False, refused=True), "confidence": 0.05},
    ]
    html = write_report(_write_run(tmp_path / "run", rows, prompt_speed_tps=123.4)).read_text(
        encoding="utf-8")
    svg = _svg(html, "Answerability trade-off")
    assert svg.count("<circle") == 21 + 1  # one point per threshold, plus the run's own
    assert "this run" in svg and "false refusal (answerable)" in svg
    assert "<script" not in html and "http://" not in html and "https://" not in html
    # Halves table: one row per half with that half's question count.
    halves = html.split("Tune / report halves")[1].split("<h2>")[0]
    for half in ("tune", "report"):
        n = sum(1 for r in rows if half_of(r["id"]) == half)
        assert f"<tr><td>{half}</td><td class=num>{n}</td>" in halves
    # Confidence shown in the failure list; prompt speed in the headline and config.
    assert "<b>Confidence:</b> 0.400" in html and "<b>Confidence:</b> 0.050" in html
    assert "Prompt speed (tokens/s)" in html and "123.4" in html


def test_report_tradeoff_without_confidence(tmp_path: Path) -> None:
    html = write_report(_write_run(tmp_path / "run", [_row("q1", "问题", "一百亿", True)])).read_text(
        encoding="utf-8")
    svg = _svg(html, "Answerability trade-off")
    assert "no confidence recorded" in svg and "Confidence:" not in html


def test_report_without_summary(tmp_path: Path) -> None:
    run = tmp_path / "bare"
    run.mkdir()
    (run / "results.jsonl").write_text(
        json.dumps(_row("q1", "问题一", "一百亿", True), ensure_ascii=False) + "\n\n", encoding="utf-8"
    )
    html = write_report(run).read_text(encoding="utf-8")
    assert "问题一" in html and "No failures." in html


def test_compare_runs(tmp_path: Path) -> None:
    run_a = _write_run(tmp_path / "a", [
        _row("q1", "第一个问题", "答案A1 正确", True),
        _row("q2", "第二个问题", "答案A2 错误", False),
        _row("q3", "第三个问题", "不变", True),
        _row("q5", "只在A中", "x", True),
    ], model="model-a")
    run_b = _write_run(tmp_path / "b", [
        _row("q1", "第一个问题", "答案B1 错误", False),
        _row("q2", "第二个问题", "答案B2 正确", True),
        _row("q3", "第三个问题", "不变", True),
        _row("q6", "只在B中", "y", True),
    ], model="model-b")
    text = compare_runs(run_a, run_b)
    fixed = text.split("Fixed in B (1)")[1].split("Broken in B")[0]
    broken = text.split("Broken in B (1)")[1].split("Other outcome changes")[0]
    assert "[q2]" in fixed and "wrong -> correct" in fixed and "答案B2" in fixed and "答案A2" in fixed
    assert "[q1]" in broken and "correct -> wrong" in broken and "第一个问题" in broken
    assert "[q3]" not in text
    assert "Only in A (1): q5" in text and "Only in B (1): q6" in text
    assert "answer_accuracy" in text and "model-a" in text and "model-b" in text
