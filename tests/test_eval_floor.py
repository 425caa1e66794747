"""Quality floor: a 20-question slice of the gold set, real models, in CI.

The slice is :func:`assistant.evaluation.harness.ci_slice` of
eval/gold/corpus.jsonl (every 11th question starting at the 9th; see its
docstring for why this offset). Its recall@5, answer accuracy, refusal rate and
citation precision must each be at most 10 points below, and its false refusal
rate at most 10 points above, the full-set numbers recorded in eval/floors.json
(written from the full run in eval/RESULTS.md).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from assistant import Assistant, Settings
from assistant.evaluation.harness import GoldItem, ci_slice, load_gold, run_eval

pytestmark = pytest.mark.models
REPO = Path(__file__).resolve().parents[1]
MARGIN = 0.10


def gold_slice() -> list[GoldItem]:
    return ci_slice(load_gold(REPO / "eval" / "gold" / "corpus.jsonl"))


def test_slice_is_twenty_mixed_questions() -> None:
    items = gold_slice()
    assert len(items) == 20
    assert any(not i.answerable for i in items) and any(i.lang == "en" for i in items)


def test_quality_floor(tmp_path: Path, corpus_dir: Path) -> None:
    full = json.loads((REPO / "eval" / "floors.json").read_text(encoding="utf-8"))
    settings = Settings(index_root=tmp_path / "index", progress=False)
    bot = Assistant(settings)
    report = bot.index([corpus_dir])
    summary = run_eval(bot, gold_slice(), tmp_path / "run", {"index": report.name}, progress=False)
    got = {
        "recall@5": summary["retrieval"]["hybrid"]["recall@5"],
        "answer_accuracy": summary["answer_accuracy"],
        "refusal_rate": summary["refusal_rate"],
        "citation_precision": summary["citation_precision"],
    }
    false_refusal = summary["false_refusal_rate"]
    print("CI slice:", json.dumps({**got, "false_refusal_rate": false_refusal}),
          "full set:", json.dumps(full))
    for key, value in got.items():
        assert value >= full[key] - MARGIN, f"{key} {value:.3f} fell below {full[key]:.3f} - {MARGIN}"
    ceiling = full["false_refusal_rate"] + MARGIN
    assert false_refusal <= ceiling, f"false_refusal_rate {false_refusal:.3f} rose above {ceiling:.3f}"
    assert (tmp_path / "run" / "report.html").exists()
