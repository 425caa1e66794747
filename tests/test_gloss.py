"""Chinese dates and person names of an answer to an English question, in English (``gloss``)."""

from __future__ import annotations

import pytest

from assistant.answer.gloss import english_dates, english_names, romanize_name
from assistant.answer.language import localize_answer


@pytest.mark.parametrize(("text", "expected"), [
    ("2024年5月24日[2]", "24 May 2024 (2024年5月24日)[2]"),
    ("2023年9月", "September 2023 (2023年9月)"),
    ("3月11日", "11 March (3月11日)"),
    ("The course was held in 3月份.", "The course was held in March (3月份)."),
    ("2023年", "2023年"),  # a year alone reads as it is
    ("It opened on 2024年5月24日 (May 24, 2024).", "It opened on 2024年5月24日 (May 24, 2024)."),  # rendered already
    ("for 3个月", "for 3个月"),  # a duration, not a date
])
def test_a_chinese_date_is_written_in_english_with_the_original(text: str, expected: str) -> None:
    assert english_dates(text) == expected
    assert english_dates(expected) == expected  # applied twice, nothing more changes


@pytest.mark.parametrize(("text", "expected"), [
    ("雷小华[1]", "Lei Xiaohua (雷小华)[1]"),
    ("曹坤华", "Cao Kunhua (曹坤华)"),  # jieba splits the name, its surname tagged as one
    ("曾伟明。", "Zeng Weiming (曾伟明)"),  # a surname's own reading
    ("吴健雄、冯元桢[1]", "Wu Jianxiong and Feng Yuanzhen (吴健雄、冯元桢)[1]"),
    # names whose English form pinyin does not give, and sentences, stay as they are
    ("广西移动[1]", "广西移动[1]"),
    ("桂林电子科技大学", "桂林电子科技大学"),
    ("邕江[1]", "邕江[1]"),
    ("雷小华说了这句话。", "雷小华说了这句话。"),
])
def test_an_answer_that_is_a_person_name_is_romanised(text: str, expected: str) -> None:
    assert english_names(text) == expected
    assert english_names(expected) == expected


def test_a_double_surname_is_one_word() -> None:
    assert romanize_name("欧阳修远") == "Ouyang Xiuyuan"


def test_only_an_english_question_gets_english_names_and_dates() -> None:
    assert localize_answer("雷小华[1]", "Who is the deputy director quoted?") == "Lei Xiaohua (雷小华)[1]"
    assert localize_answer("2023年9月", "When was the centre put into use?") == "September 2023 (2023年9月)"
    assert localize_answer("雷小华[1]", "引述的副所长是谁？") == "雷小华[1]"
    assert localize_answer("2023年9月", "计算中心何时投入使用？") == "2023年9月"
