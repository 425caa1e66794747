"""Disagreeing evidence: the other figure is shown beside the answer, with its source."""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from pathlib import Path

from fakes import EchoGenerator, HashEmbedder

from assistant import Assistant, Settings
from assistant.answer.conflict import Candidate, Rival, rival_figures, rival_notes

QUESTION = "截至2024年4月底，广西全区算力总规模达到多少？"
EVIDENCE = ("[1] 截至2024年4月底，广西全区算力总规模达到668PFlops，智能算力占比超过一半。\n"
            "[2] 據最新匯總，截至2024年4月底全區算力總規模應為1350 PFlops。\n"
            "[3] 会议还讨论了数字经济。")


def _rivals(answer: str, question: str, evidence: str, documents: dict[int, str] | None = None) -> list[Rival]:
    """Rivals among the evidence lines themselves, each passage its own document."""
    lines = [(int(n), text) for n, text in re.findall(r"^\[(\d+)\] (.*)$", evidence, re.M)]
    docs = documents or {n: f"doc{n}" for n, _ in lines}
    return rival_figures(answer, question, evidence, docs, [Candidate(n, docs[n], t) for n, t in lines])


def test_another_line_with_a_different_figure_for_the_same_measure_is_a_rival() -> None:
    rivals = _rivals("668PFlops[1]", QUESTION, EVIDENCE)
    assert [r.passage for r in rivals] == [2]
    assert "1350 PFlops" in rivals[0].clause
    assert rival_notes(rivals, "zh") == [f"另有资料给出不同的数字：{rivals[0].clause}[2]"]
    # Either way round: the other figure is disclosed.
    assert [r.passage for r in _rivals("1350 PFlops[2]", QUESTION, EVIDENCE)] == [1]


def test_no_rival_without_the_same_unit_year_or_subject() -> None:
    # Another unit (a share, not a capacity) is another measure.
    ev = "[1] 广西全区算力总规模达到668PFlops。\n[2] 广西全区算力总规模中智能算力占35%。"
    assert _rivals("668PFlops", "广西全区算力总规模达到多少？", ev) == []
    # A figure of another year is not a rival for the asked year.
    ev = "[1] 截至2024年4月底，广西全区算力总规模达到668PFlops。\n[2] 2023年底，广西全区算力总规模达到500PFlops。"
    assert _rivals("668PFlops", QUESTION, ev) == []
    # A line about something else (few of the question's terms) is not a rival.
    ev = "[1] 截至2024年4月底，广西全区算力总规模达到668PFlops。\n[2] 截至2024年4月底，某数据中心存储容量为900PFlops。"
    assert _rivals("668PFlops", QUESTION, ev) == []
    # Only how-many questions are judged.
    assert _rivals("668PFlops", "广西算力由谁统计？", EVIDENCE) == []
    # The same figure stated twice is agreement.
    ev = EVIDENCE.replace("1350 PFlops", "668PFlops")
    assert _rivals("668PFlops", QUESTION, ev) == []
    # A figure stated for another year, in its own clause, is not a rival.
    ev = ("[1] 截至2024年5月底，广西存续人工智能相关企业3447家。\n"
          "[2] 截至2024年5月底，我区现有存续人工智能相关企业2447家，较之2023年（2043家）增长了19.77%。")
    rivals = _rivals("3447家[1]", "截至2024年5月底，广西存续的人工智能相关企业有多少家？", ev)
    assert [r.clause for r in rivals] == ["我区现有存续人工智能相关企业2447家"]
    # Another figure in the same document is not another source's claim.
    assert _rivals("668PFlops[1]", QUESTION, EVIDENCE, {1: "a", 2: "a", 3: "b"}) == []


class _FigureGenerator(EchoGenerator):
    """Answers with the figure of passage [1]'s document, marked."""

    def stream_chat(self, messages: Sequence[dict[str, str]], max_tokens: int,
                    ban_first: tuple[str, ...] = ()) -> Iterator[str]:
        self.calls.append(list(messages))
        self.last_usage = {"prompt_tokens": len(messages[-1]["content"]), "completion_tokens": 4}
        yield "668PFlops" if "668" in messages[-1]["content"] else "不知道"


def test_the_answer_notes_the_other_figure_and_cites_it(tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "whitepaper.txt").write_text(
        "截至2024年4月底，广西全区算力总规模达到668PFlops，智能算力占比超过一半。", encoding="utf-8")
    (docs / "bulletin.txt").write_text(
        "廣西算力統計快報。據最新匯總，截至2024年4月底全區算力總規模應為1350 PFlops。", encoding="utf-8")
    bot = Assistant(Settings(index_root=tmp_path / "i", progress=False), embedder=HashEmbedder(),
                    generator=_FigureGenerator())
    bot.index([docs])
    answer = bot.ask(QUESTION, answer_threshold=0.0)
    assert not answer.refused and answer.main_text.startswith("668PFlops")
    assert len(answer.notes) == 1 and "1350" in answer.notes[0] and answer.notes[0] in answer.text
    assert "1350" not in answer.main_text
    assert {Path(c.source).name for c in answer.citations} == {"whitepaper.txt", "bulletin.txt"}
