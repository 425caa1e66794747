"""The evaluation harness with deterministic doubles: halves, confidence, prompt speed, CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fakes import EchoGenerator, HashEmbedder
from helpers import write_docs

from assistant import Assistant, Settings
from assistant.cli import build_parser
from assistant.evaluation import harness
from assistant.evaluation.harness import ci_slice, run_eval
from assistant.evaluation.splits import half_of

DOCS = {
    "fund.txt": "广西人工智能产业基金\n今年2月，广西设立规模100亿元的人工智能产业基金。",
    "center.txt": "南A中心\n中国—东盟人工智能创新合作中心又被称为南A中心，首批16家东盟企业签约入驻。",
}
# c001-c003 fall in the tune half, c004-c005 in the report half.
GOLD = [
    {"id": "c001", "question": "广西人工智能产业基金规模多大？", "answers": ["100亿元"],
     "doc": "fund.txt", "evidence": "广西设立规模100亿元的人工智能产业基金", "type": "numeric",
     "lang": "zh", "answerable": True},
    {"id": "c002", "question": "南A中心首批有多少家东盟企业入驻？", "answers": ["16家"],
     "doc": "center.txt", "evidence": "首批16家东盟企业签约入驻", "type": "numeric",
     "lang": "zh", "answerable": True},
    {"id": "c003", "question": "不存在的基金叫什么？", "answers": [], "doc": "", "evidence": "",
     "type": "unanswerable", "lang": "zh", "answerable": False},
    {"id": "c004", "question": "南A中心又被称为什么？", "answers": ["南A中心"],
     "doc": "center.txt", "evidence": "又被称为南A中心", "type": "entity", "lang": "zh",
     "answerable": True},
    {"id": "c005", "question": "火星基金不存在吗？", "answers": [], "doc": "", "evidence": "",
     "type": "unanswerable", "lang": "zh", "answerable": False},
]


class TimedEchoGenerator(EchoGenerator):
    """An EchoGenerator that also reports a prompt speed, like LlamaGenerator."""

    def __init__(self) -> None:
        super().__init__()
        self.speed_calls = 0

    def prompt_speed(self, n_tokens: int = 500) -> float:
        self.speed_calls += 1
        return 123.456


@pytest.fixture()
def docs_dir(tmp_path: Path) -> Path:
    return write_docs(tmp_path / "docs", DOCS)


@pytest.fixture()
def gold_path(tmp_path: Path) -> Path:
    path = tmp_path / "gold.jsonl"
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in GOLD), encoding="utf-8")
    return path


def _bot(settings: Settings, generator: EchoGenerator, docs_dir: Path) -> Assistant:
    bot = Assistant(settings, embedder=HashEmbedder(), generator=generator)
    bot.index([docs_dir])
    return bot


def test_ci_slice_is_every_eleventh_from_the_ninth() -> None:
    assert ci_slice(list(range(300))) == list(range(8, 300, 11))[:20]
    assert len(ci_slice(list(range(300)))) == 20 and ci_slice([]) == []
    assert ci_slice.__doc__ and "items[8::11][:20]" in ci_slice.__doc__


def test_rows_carry_half_and_confidence_and_prompt_speed(
    tmp_settings: Settings, docs_dir: Path, gold_path: Path, tmp_path: Path
) -> None:
    generator = TimedEchoGenerator()
    bot = _bot(tmp_settings, generator, docs_dir)
    items = harness.load_gold(gold_path)
    summary = run_eval(bot, items, tmp_path / "run", {"index": "x"}, progress=False)
    rows = [json.loads(line) for line in (tmp_path / "run" / "results.jsonl").read_text(
        encoding="utf-8").splitlines()]
    assert [r["half"] for r in rows] == [half_of(i.id) for i in items]
    assert {r["half"] for r in rows} == {"tune", "report"}
    assert all("confidence" in r for r in rows)
    assert all(r["confidence"] is None or 0.0 <= r["confidence"] <= 1.0 for r in rows)
    assert any(r["confidence"] is not None for r in rows)
    assert generator.speed_calls == 1
    assert summary["config"]["prompt_speed_tps"] == 123.5
    assert summary["halves"]["tune"]["n"] == 3 and summary["halves"]["report"]["n"] == 2
    assert len(summary["tradeoff"]) == 21
    html = (tmp_path / "run" / "report.html").read_text(encoding="utf-8")
    assert "prompt_speed_tps" in html and "Answerability trade-off" in html


def test_no_prompt_speed_without_the_method_or_generation(
    tmp_settings: Settings, docs_dir: Path, gold_path: Path, tmp_path: Path
) -> None:
    items = harness.load_gold(gold_path)[:2]
    plain = run_eval(_bot(tmp_settings, EchoGenerator(), docs_dir), items, tmp_path / "a", {},
                     progress=False)
    assert "prompt_speed_tps" not in plain["config"]
    generator = TimedEchoGenerator()
    retrieval = run_eval(_bot(tmp_settings, generator, docs_dir), items, tmp_path / "b", {},
                         retrieval_only=True, progress=False)
    assert "prompt_speed_tps" not in retrieval["config"] and generator.speed_calls == 0


def test_cli_half_keeps_only_that_half(
    tmp_settings: Settings, docs_dir: Path, gold_path: Path, tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
) -> None:
    parser = build_parser()
    with pytest.raises(SystemExit):
        parser.parse_args(["eval", str(gold_path), "--half", "both"])
    assert parser.parse_args(["eval", str(gold_path)]).half is None
    monkeypatch.setattr(harness, "Assistant",
                        lambda s: Assistant(s, embedder=HashEmbedder(), generator=EchoGenerator()))
    for half in ("tune", "report"):
        out = tmp_path / half
        args = parser.parse_args(["eval", str(gold_path), "--docs", str(docs_dir), "--half", half,
                                  "--retrieval-only", "--out", str(out)])
        assert harness.run_cli(args, tmp_settings) == 0
        ids = [json.loads(line)["id"] for line in (out / "results.jsonl").read_text(
            encoding="utf-8").splitlines()]
        assert ids == [r["id"] for r in GOLD if half_of(str(r["id"])) == half]
        assert json.loads((out / "summary.json").read_text(encoding="utf-8"))["config"]["half"] == half
    capsys.readouterr()


def test_evalset_questions_by_name_inside_or_by_path_outside(tmp_path: Path) -> None:
    """``--evalset DIR`` reads DIR's question file by name, or a question set of our
    own over DIR's documents by its path."""
    evalset = tmp_path / "set"
    evalset.mkdir()
    (evalset / "docs.jsonl").write_text(json.dumps(
        {"doc_id": "d1", "title": "南A中心", "text": "首批16家东盟企业签约入驻。"}, ensure_ascii=False) + "\n",
        encoding="utf-8")
    row = {"id": "q1", "question": "首批有几家企业入驻？", "answers": ["16家"], "doc_ids": ["d1"]}
    (evalset / "questions.jsonl").write_text(json.dumps(row, ensure_ascii=False) + "\n", encoding="utf-8")
    ours = tmp_path / "ours.jsonl"
    ours.write_text(json.dumps(row | {"id": "x1", "answerable": False, "answers": []}, ensure_ascii=False) + "\n",
                    encoding="utf-8")
    bot = Assistant(Settings(index_root=tmp_path / "i", progress=False), embedder=HashEmbedder(),
                    generator=EchoGenerator())
    items, config = harness.prepare(bot, "questions.jsonl", None, evalset)
    assert [i.id for i in items] == ["q1"] and config["gold"] == str(evalset / "questions.jsonl")
    items, config = harness.prepare(bot, str(ours), None, evalset)
    assert [(i.id, i.answerable) for i in items] == [("x1", False)] and config["gold"] == str(ours)
    assert config["chunks"] >= 1
