"""Romanised names of English answers, read against Chinese evidence (answer/romanized.py)."""

from __future__ import annotations

import pytest

from assistant.answer.checks.ground import is_grounded
from assistant.answer.checks.romanized import pinyin_names, read_in, unread_names

EVIDENCE = "[1] 奇安信科技集团董事长齐向东表示将加大投入。\n[2] 最近,广西人工智能学院在柳州成立。\n[3] 《桂在协商》节目"


@pytest.mark.parametrize(("answer", "names"), [
    ("Qi Xiangdong [1]", ["Qi Xiangdong"]),
    ("It was set up in Liuzhou and Nanning.", ["Liuzhou", "Nanning"]),
    ("Guangdong Province People's Government", ["Guangdong"]),
    # English words that parse as pinyin, single syllables alone, and words that are not pinyin.
    ("China and Data in June, Since One Area Asia Education", []),
    ("Li said so.", []),
    ("Nguyen Van Hung", []),
])
def test_pinyin_names_are_the_romanised_chinese_names(answer: str, names: list[str]) -> None:
    assert pinyin_names(answer) == names


def test_a_name_must_be_read_in_the_evidence() -> None:
    assert read_in("Qi Xiangdong", EVIDENCE) and read_in("Liuzhou", EVIDENCE)
    assert not read_in("Guangdong", EVIDENCE)
    # A character with several readings matches any of them (长 chang/zhang).
    assert read_in("Zhangsha", "长沙") and read_in("Changsha", "长沙")


def test_an_english_answer_naming_what_the_evidence_does_not_is_refused() -> None:
    """The blind set's b016: "Guangdong …" from evidence that never names 广东."""
    question = "Which authority approved the establishment of the Guangxi AI College?"
    assert unread_names("Guangdong Province People's Government [2]", question, EVIDENCE) == ["Guangdong"]
    assert not is_grounded("Guangdong Province People's Government [2]", question, EVIDENCE)
    assert is_grounded("Qi Xiangdong [1]", "Who is the chairman of Qi An Xin?", EVIDENCE)


def test_a_misspelt_echo_of_the_question_is_no_name_of_the_evidence() -> None:
    """c192: asked about 'Gui Zai Xie Shang', the model answered 'Gu Zai Xie Shang'."""
    question = "In the programme 'Gui Zai Xie Shang', who is the director?"
    assert unread_names("Gu Zai Xie Shang [1]", question, EVIDENCE) == ["Gu Zai Xie Shang"]
    assert unread_names("Gui Zai Xie Shang [3]", question, EVIDENCE) == []  # the question's own words


def test_names_are_not_judged_without_chinese_evidence() -> None:
    assert unread_names("Guangdong", "Where?", "[1] The delegation visited Vietnam.") == []
