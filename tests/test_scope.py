"""A worldwide figure is no answer about one country (``assistant.answer.checks.scope``)."""

from __future__ import annotations

import pytest

from assistant.answer.checks.ground import is_grounded
from assistant.answer.checks.scope import wider_scope

PATENTS = ("[1] 2013年至2023年第三季度全球人工智能专利申请数量累计达到129万件、专利授权累计超过51万，"
           "其中我国人工智能的专利申请数量全球占比第一，占比达到64%。")


@pytest.mark.parametrize(("question", "answer", "flagged"), [
    ("How many AI patents were granted to Chinese applicants between 2013 and Q3 2023?", "51 [1]", ["51"]),
    ("我国人工智能专利授权了多少件？", "51万[1]", ["51"]),
    # the world asked, the question names no country, or the country's own figure given
    ("全球人工智能专利授权了多少？", "51万[1]", []),
    ("How many AI patents were granted worldwide?", "51 [1]", []),
    ("How many AI patents were granted?", "51 [1]", []),
    ("我国专利申请数量全球占比多少？", "64%[1]", []),
])
def test_a_worldwide_figure_is_no_answer_about_one_country(question: str, answer: str, flagged: list[str]) -> None:
    assert wider_scope(answer, question, PATENTS) == flagged
    if flagged:
        assert not is_grounded(answer, question, PATENTS)
