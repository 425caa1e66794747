"""eval/headline.py: the Markdown headline rows of run folders, optionally per half."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from helpers import load_eval_script

from assistant.evaluation.metrics import summarize
from assistant.evaluation.splits import half_of


def _row(qid: str, answerable: bool, refused: bool, correct: bool, tokens: int) -> dict[str, Any]:
    return {
        "id": qid, "question": qid, "lang": "zh", "type": "fact", "answerable": answerable,
        "answer": "", "refused": refused, "citations": [{"relevant": correct}],
        "ranks": {"dense": 1, "bm25": 1, "hybrid": 1 if answerable else None},
        "metrics": {"correct": correct if answerable else None, "cite_recall": correct},
        "timings": {"first_token": 1.0, "total": 2.0}, "prompt_tokens": tokens,
        "completion_tokens": 10, "error": None,
    }


@pytest.fixture()
def run_dir(tmp_path: Path) -> Path:
    # c001-c003 are in the tune half, c004-c006 in the report half.
    rows = [
        _row("c001", True, False, True, 100), _row("c002", True, False, True, 100),
        _row("c003", False, True, False, 100), _row("c004", True, True, False, 300),
        _row("c005", True, False, False, 300), _row("c006", False, False, False, 300),
    ]
    assert [half_of(r["id"]) for r in rows] == ["tune"] * 3 + ["report"] * 3
    run = tmp_path / "corpus-test"
    run.mkdir()
    (run / "results.jsonl").write_text(
        "".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    summary = summarize(rows)
    del summary["halves"]  # an older run: halves are recomputed from the rows
    summary["config"] = {"generator": "gen-x", "run_seconds": 120.0, "prompt_speed_tps": 87.4}
    (run / "summary.json").write_text(json.dumps(summary), encoding="utf-8")
    return run


def test_headline_rows(run_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert load_eval_script("headline").main([str(run_dir)]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 3 and "prompt tokens (mean)" in lines[0] and "prompt speed" in lines[0]
    cells = [c.strip() for c in lines[2].strip("|").split("|")]
    assert cells[0] == "corpus-test (gen-x)" and cells[1] == "6 (2 unanswerable)"
    assert cells[3] == "50.0%"  # accuracy: 2 of 4 answerable
    assert cells[-3:] == ["200", "87.4", "2.0"]  # prompt tokens, tokens/s, minutes
    assert len(cells) == len(lines[0].strip("|").split("|"))


def test_headline_halves(run_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert load_eval_script("headline").main(["--halves", str(run_dir)]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 2 + 3
    tune, report = ([c.strip() for c in line.strip("|").split("|")] for line in lines[3:])
    assert tune[0] == "corpus-test (gen-x) · tune" and report[0] == "corpus-test (gen-x) · report"
    assert tune[1] == "3 (1 unanswerable)" and report[1] == "3 (1 unanswerable)"
    # accuracy, refusal, false refusal of each half
    assert (tune[3], tune[7], tune[8]) == ("100.0%", "100.0%", "0.0%")
    assert (report[3], report[7], report[8]) == ("0.0%", "0.0%", "50.0%")
    assert tune[-3:] == ["100", "87.4", "–"] and report[-3:] == ["300", "87.4", "–"]
