"""Quality floor: a 20-question slice of the gold set, real models, in CI.

The slice is :func:`assistant.evaluation.harness.ci_slice` of
eval/gold/corpus.jsonl (every 11th question starting at the 9th; see its
docstring for why this offset). Its recall@5, answer accuracy, refusal rate,
citation precision and citation recall must each be at most 10 points below, and its false refusal
rate at most 10 points above, the full-set numbers recorded in eval/floors.json
(written from the full run in eval/RESULTS.md). Where one question moves a
metric by more than 10 points (the slice has 3 unanswerable questions), the
tolerance is one question's worth, so the bar catches regressions, not a single
flip between CPUs.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from assistant import Assistant, Settings
from assistant.evaluation.harness import GoldItem, ci_slice, load_gold, run_eval
from assistant.settings import STORE_KINDS, StoreKind

pytestmark = pytest.mark.models
REPO = Path(__file__).resolve().parents[1]
MARGIN = 0.10


def gold_slice() -> list[GoldItem]:
    return ci_slice(load_gold(REPO / "eval" / "gold" / "corpus.jsonl"))


def test_slice_is_twenty_mixed_questions() -> None:
    items = gold_slice()
    assert len(items) == 20
    assert any(not i.answerable for i in items) and any(i.lang == "en" for i in items)


@pytest.mark.parametrize("store", STORE_KINDS)
def test_quality_floor(tmp_path: Path, corpus_dir: Path, store: StoreKind) -> None:
    """The floor holds with the vectors in FAISS and in Milvus (milvus-lite)."""
    full = json.loads((REPO / "eval" / "floors.json").read_text(encoding="utf-8"))
    settings = Settings(index_root=tmp_path / "index", progress=False, store=store)
    bot = Assistant(settings)
    report = bot.index([corpus_dir])
    summary = run_eval(bot, gold_slice(), tmp_path / "run", {"index": report.name}, progress=False)
    got = {
        "recall@5": summary["retrieval"]["hybrid"]["recall@5"],
        "answer_accuracy": summary["answer_accuracy"],
        "refusal_rate": summary["refusal_rate"],
        "citation_precision": summary["citation_precision"],
        "citation_recall": summary["citation_recall"],
    }
    false_refusal = summary["false_refusal_rate"]
    print("CI slice:", json.dumps({**got, "false_refusal_rate": false_refusal}),
          "full set:", json.dumps(full))
    items = gold_slice()
    n_answerable = sum(i.answerable for i in items)
    one_question = {"refusal_rate": 1 / (len(items) - n_answerable), "answer_accuracy": 1 / n_answerable,
                    "false_refusal_rate": 1 / n_answerable, "citation_recall": 1 / n_answerable}
    for key, value in got.items():
        margin = max(MARGIN, one_question.get(key, 0.0))
        assert value >= full[key] - margin, f"{key} {value:.3f} fell below {full[key]:.3f} - {margin:.3f}"
    ceiling = full["false_refusal_rate"] + max(MARGIN, one_question["false_refusal_rate"])
    assert false_refusal <= ceiling, f"false_refusal_rate {false_refusal:.3f} rose above {ceiling:.3f}"
    assert (tmp_path / "run" / "report.html").exists()
