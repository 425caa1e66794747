"""Comparisons of two figures from two documents (``assistant.answer.steps.versus``)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from fakes import ScriptedAnswers, numbered_hit

from assistant.answer.steps.versus import Comparison, Figure, figure_in, split_comparison
from assistant.types import Answer, Citation


@pytest.mark.parametrize(("question", "a", "b", "direction"), [
    ("甲市去年引进的项目投资总额，与乙省设立的产业基金规模相比，哪个更大？",
     "甲市去年引进的项目投资总额", "乙省设立的产业基金规模", "larger"),
    ("甲校的在校生人数与乙校的在校生人数相比，哪个更少？", "甲校的在校生人数", "乙校的在校生人数", "smaller"),
    ("甲市的企业数量和乙市的企业数量哪个更多？", "甲市的企业数量", "乙市的企业数量", "larger"),
    ("Which is larger, the fund set up in February or the investment signed at the centre?",
     "the fund set up in February", "the investment signed at the centre", "larger"),
])
def test_the_two_sides_of_a_comparison(question: str, a: str, b: str, direction: str) -> None:
    c = split_comparison(question)
    assert c is not None and (c.a, c.b, c.direction) == (a, b, direction)
    assert c.word in question


@pytest.mark.parametrize("question", [
    "广西人工智能产业基金规模是多少？",
    "中国和东盟的贸易额是多少？",
    "哪所高校既是参编单位，又设立了人工智能学院？",
    "What is the size of the fund?",
])
def test_other_questions_are_no_comparison(question: str) -> None:
    assert split_comparison(question) is None


def _figure(answer: str, question: str) -> Figure:
    found = figure_in(answer, question)
    assert found is not None, answer
    return found


def test_figures_are_read_with_their_magnitude_and_unit() -> None:
    assert figure_in("79亿元[1]", "金额是多少？") == Figure("79亿元", Decimal("7900000000"), "元")
    # the question's own figure (40个) is not the answer's
    assert _figure("40个项目涉及金额约79亿元", "40个项目涉及的金额是多少？").value == Decimal("7900000000")
    # an English answer is read from the Chinese original it keeps
    assert _figure("About 10 billion yuan (100亿元) [2]", "What is the fund?").value == Decimal("1e10")
    assert _figure("2,447家", "有多少家？").unit == "家"
    assert figure_in("金额超79亿元[1]", "金额是多少？") == Figure("超79亿元", Decimal("7900000000"), "元")
    assert figure_in("资料没有说明", "有多少家？") is None


def _answer(text: str, refused: bool = False) -> Answer:
    return Answer(question="q", text=text, citations=() if refused else (
        Citation(1, "d-0", "d", "d.txt", 0, 3, "第0段"),), hits=(numbered_hit(0), numbered_hit(1)), refused=refused,
        timings={"retrieve": 0.1, "first_token": 1.0, "total": 2.0}, prompt_tokens=100, completion_tokens=5,
        confidence=0.9, evidence="[1] 第0段")


SIDES = Comparison("甲的投资", "乙的基金", "larger", word="多")


def test_code_compares_the_two_figures_and_cites_both() -> None:
    script = ScriptedAnswers({"甲的投资是多少？": _answer("79亿元[1]"), "乙的基金是多少？": _answer("100亿元[1]")})
    items = list(SIDES.run("原问题？", script))
    final = items[-1]
    assert isinstance(final, Answer) and not final.refused
    assert final.main_text == "乙的基金更多：100亿元[3]，另一方为79亿元[1]。"
    assert final.notes == ("（甲的投资：79亿元[1]；乙的基金：100亿元[3]）",)
    assert [c.marker for c in final.citations] == [1, 3] and len(final.hits) == 4
    assert final.evidence == "[1] 第0段\n[3] 第0段"
    smaller = Comparison("甲的投资", "乙的基金", "smaller")
    last = list(smaller.run("原问题？", script))[-1]
    assert isinstance(last, Answer) and last.text.startswith("甲的投资更小")


@pytest.mark.parametrize(("a", "b"), [
    (_answer("资料中没有找到该问题的答案。", refused=True), _answer("100亿元[1]")),
    (_answer("79亿元[1]"), _answer("100亿美元[1]")),  # other units: no comparison
    (_answer("79亿元[1]"), _answer("见资料[1]")),  # no figure
])
def test_a_side_without_a_comparable_figure_falls_back_to_one_step(a: Answer, b: Answer) -> None:
    script = ScriptedAnswers({"甲的投资是多少？": a, "乙的基金是多少？": b, "原问题？": _answer("一步的答案[1]")})
    final = list(SIDES.run("原问题？", script))[-1]
    assert script.asked[-1] == "原问题？" and isinstance(final, Answer) and final.text == "一步的答案[1]"


@pytest.mark.parametrize(("question", "asks", "direction"), [
    ("甲规划的目标年份，与乙确立的目标年份相比，哪个目标的年份更晚？",
     ("甲规划的目标年份是什么时候？", "乙确立的目标年份是什么时候？"), "larger"),
    ("Which happened earlier: the centre opening, or the plan announcement?",
     ("When was the centre opening?", "When was the plan announcement?"), "smaller"),
])
def test_a_comparison_of_times_asks_when(question: str, asks: tuple[str, str], direction: str) -> None:
    c = split_comparison(question)
    assert c is not None and c.questions() == asks and c.direction == direction


def test_an_earlier_year_wins_a_question_about_earlier() -> None:
    script = ScriptedAnswers({"甲是什么时候？": _answer("2030年[1]"), "乙是什么时候？": _answer("2045年[1]")})
    final = list(Comparison("甲", "乙", "smaller", word="早").run("原问题？", script))[-1]
    assert isinstance(final, Answer) and final.main_text == "甲更早：2030年[1]，另一方为2045年[3]。"
