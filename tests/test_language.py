"""Tests for ``assistant.answer.language``: script of the question, script and English magnitudes of the answer."""

from __future__ import annotations

import pytest

from assistant.answer.language import (
    QuestionScript,
    english_magnitudes,
    localize_answer,
    question_script,
    to_script,
)

SIMPLIFIED_QUESTION = "广西今年2月设立的人工智能产业基金规模是多少？"
TRADITIONAL_QUESTION = "廣西今年2月設立的人工智慧產業基金規模是多少？"
ENGLISH_QUESTION = "How large is Guangxi's AI industry fund?"


# --------------------------------------------------------------------------- question_script


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        (ENGLISH_QUESTION, "en"),
        ("What is 100 billion in RMB? [1]", "en"),
        ("", "en"),
        (SIMPLIFIED_QUESTION, "zh-Hans"),
        (TRADITIONAL_QUESTION, "zh-Hant"),
        ("南A中心首批有多少家东盟企业入驻？", "zh-Hans"),
        ("南A中心首批有多少家東盟企業入駐？", "zh-Hant"),
        ("台灣的產業基金規模是多少？", "zh-Hant"),
        # Script-neutral short questions count as simplified.
        ("多少？", "zh-Hans"),
        ("是什么时候？", "zh-Hans"),
        ("什麼時候？", "zh-Hant"),
        # Characters both scripts write alike must not make it traditional.
        ("乾隆年间修建的著名建筑是哪座？", "zh-Hans"),
        # A traditional title quoted in a simplified question stays simplified …
        ("《人工智慧產業發展報告》提到的基金规模是多少？", "zh-Hans"),
        # … unless the rest of the question is script-neutral.
        ("《產業報告》提到多少？", "zh-Hant"),
        # Mixed English and traditional Chinese.
        ("AI產業基金有多大？", "zh-Hant"),
    ],
)
def test_question_script(question: str, expected: QuestionScript) -> None:
    assert question_script(question) == expected


# --------------------------------------------------------------------------- to_script


@pytest.mark.parametrize(
    ("text", "script", "expected"),
    [
        ("100億元人民幣", "zh-Hans", "100亿元人民币"),
        ("人工智慧產業基金", "zh-Hans", "人工智慧产业基金"),  # Taiwan wording kept
        ("廣西設立了100億元人民幣的基金[3]。", "zh-Hans", "广西设立了100亿元人民币的基金[3]。"),
        ("100亿元人民币", "zh-Hans", "100亿元人民币"),
        ("100亿元人民币", "zh-Hant", "100億元人民幣"),
        ("人工智能产业基金[1][2]", "zh-Hant", "人工智能產業基金[1][2]"),
        ("100億元人民幣", "zh-Hant", "100億元人民幣"),
        ("100億元人民幣", "en", "100億元人民幣"),
        ("100亿元人民币", "en", "100亿元人民币"),
        ("", "zh-Hans", ""),
        ("", "zh-Hant", ""),
    ],
)
def test_to_script(text: str, script: QuestionScript, expected: str) -> None:
    assert to_script(text, script) == expected


@pytest.mark.parametrize("script", ["zh-Hans", "zh-Hant", "en"])
@pytest.mark.parametrize(
    "text",
    [
        "[1]",
        "[1][2] 【3】 [1, 2]",
        "AI2024 GPT-4o 3.14 1,000 50% 2024-02-01",
        "ＡＩ２０２４",
        "Qwen2.5-Coder, see https://example.org/a_b?c=1#d",
    ],
)
def test_to_script_leaves_markers_digits_latin(text: str, script: QuestionScript) -> None:
    assert to_script(text, script) == text


@pytest.mark.parametrize("script", ["zh-Hans", "zh-Hant"])
def test_to_script_keeps_non_cjk_parts_in_place(script: QuestionScript) -> None:
    converted = to_script("基金[1]规模為100億元（約US$14 billion）[2]。", script)
    for part in ("[1]", "100", "US$14 billion", "[2]"):
        assert part in converted


@pytest.mark.parametrize("script", ["zh-Hans", "zh-Hant"])
@pytest.mark.parametrize("text", [SIMPLIFIED_QUESTION, TRADITIONAL_QUESTION, "头发、后来、里面"])
def test_to_script_is_idempotent(text: str, script: QuestionScript) -> None:
    once = to_script(text, script)
    assert to_script(once, script) == once


def test_to_script_keeps_streamed_pieces_length() -> None:
    # The pipeline converts streamed pieces one by one: lengths must not change.
    for piece in ("100億", "元人民幣", "[3]", "的人工智慧產業基金。"):
        assert len(to_script(piece, "zh-Hans")) == len(piece)


# --------------------------------------------------------------------------- english_magnitudes


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # The brief's examples.
        ("100亿元", "10 billion yuan (100亿元)"),
        ("100億元人民幣", "10 billion yuan (100億元人民幣)"),
        ("500亿美元", "50 billion US dollars (500亿美元)"),
        ("1.5万亿元", "1.5 trillion yuan (1.5万亿元)"),
        ("3000万", "30 million (3000万)"),
        ("2.3万家", "23,000 (2.3万家)"),
        ("5万", "50,000 (5万)"),
        ("12亿人", "1.2 billion (12亿人)"),
        ("8000亿元", "800 billion yuan (8000亿元)"),
        # Magnitude forms.
        ("1.5萬億元", "1.5 trillion yuan (1.5萬億元)"),
        ("10万亿", "10 trillion (10万亿)"),
        ("5千万", "50 million (5千万)"),
        ("3百万", "3 million (3百万)"),
        ("30萬人", "300,000 (30萬人)"),
        ("2億", "200 million (2億)"),
        ("3千亿元", "300 billion yuan (3千亿元)"),
        ("3亿5000万元", "350 million yuan (3亿5000万元)"),
        # Number forms: decimals, separators, full-width digits.
        ("1,000亿", "100 billion (1,000亿)"),
        ("12,000万", "120 million (12,000万)"),
        ("1.25亿", "125 million (1.25亿)"),
        ("12.5亿", "1.25 billion (12.5亿)"),
        ("0.5万", "5,000 (0.5万)"),
        ("1.2345万", "12,345 (1.2345万)"),
        ("1.23456万", "12,345.6 (1.23456万)"),
        ("100万", "1 million (100万)"),
        ("99.9万", "999,000 (99.9万)"),
        ("1000万亿", "1,000 trillion (1000万亿)"),
        ("１００億元", "10 billion yuan (１００億元)"),
        ("10.0亿元", "1 billion yuan (10.0亿元)"),
        # Currencies.
        ("100亿元人民币", "10 billion yuan (100亿元人民币)"),
        ("100万人民币", "1 million yuan (100万人民币)"),
        ("20亿港元", "2 billion Hong Kong dollars (20亿港元)"),
        ("3亿欧元", "300 million euros (3亿欧元)"),
        ("人民币100亿元", "10 billion yuan (人民币100亿元)"),
        ("新臺幣100億元", "10 billion New Taiwan dollars (新臺幣100億元)"),
        # Approximations and ranges.
        ("3000多万", "more than 30 million (3000多万)"),
        ("5万多人", "more than 50,000 (5万多人)"),
        ("100余亿元", "more than 10 billion yuan (100余亿元)"),
        ("约100亿元", "about 10 billion yuan (约100亿元)"),
        ("超过5万家", "more than 50,000 (超过5万家)"),
        ("3000-5000万元", "30–50 million yuan (3000-5000万元)"),
        ("50-200万", "500,000–2 million (50-200万)"),
        # A qualifier glued to a Chinese word is part of that word (节约 = save).
        ("节约100亿元", "节约10 billion yuan (100亿元)"),
    ],
)
def test_english_magnitudes(text: str, expected: str) -> None:
    assert english_magnitudes(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "The fund is 100亿元[3].",
            "The fund is 10 billion yuan (100亿元)[3].",
        ),
        (
            "Guangxi set up a 100億元人民幣 AI industry fund [1][2] in February.",
            "Guangxi set up a 10 billion yuan (100億元人民幣) AI industry fund [1][2] in February.",
        ),
        (
            "About 2.3万家 firms and 16家 banks [2].",
            "About 23,000 (2.3万家) firms and 16家 banks [2].",
        ),
        (
            "Trade reached 500亿美元 in 2023 and 8000亿元 in 2024 [1].",
            "Trade reached 50 billion US dollars (500亿美元) in 2023 and "
            "800 billion yuan (8000亿元) in 2024 [1].",
        ),
    ],
)
def test_english_magnitudes_in_sentences(text: str, expected: str) -> None:
    assert english_magnitudes(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "",
        "16家",
        "6个国家",
        "2024年2月",
        "It opened in 2024 [1].",
        "The fund is 10 billion yuan [1][2].",
        "1,000 firms, 3.5% growth, GPT-4o [3]",
        "一百亿元",  # Chinese numerals are not read (documented)
        "万科 and 万达 [1]",
        "The 10 billion yuan (100亿元) fund [1].",  # already rendered
        "RMB 10 billion (100亿元) [1].",  # another English rendering before it
        "100亿元 (10 billion yuan) [1].",  # followed by its English form
        "2.3万家 (23000 firms)",  # English form without separators
    ],
)
def test_english_magnitudes_leaves_text_alone(text: str) -> None:
    assert english_magnitudes(text) == text


def test_english_magnitudes_translates_a_second_occurrence() -> None:
    text = "10 billion yuan (100亿元), later another 100亿元 [2]."
    assert english_magnitudes(text) == (
        "10 billion yuan (100亿元), later another 10 billion yuan (100亿元) [2]."
    )


@pytest.mark.parametrize(
    "text",
    [
        "100亿元",
        "1.5万亿元 and 3000多万 and 50-200万 [1]",
        "约100亿元; 节约100亿元; 人民币100亿元 [1][2]",
        "Guangxi set up a 100億元人民幣 AI industry fund [3].",
    ],
)
def test_english_magnitudes_is_idempotent(text: str) -> None:
    once = english_magnitudes(text)
    assert once != text
    assert english_magnitudes(once) == once
    assert english_magnitudes(english_magnitudes(once)) == once


@pytest.mark.parametrize("marker", ["[1]", "[12]", "[1][2]", "【3】", "[1, 2]"])
def test_english_magnitudes_leaves_markers(marker: str) -> None:
    assert english_magnitudes(f"100亿元{marker}") == f"10 billion yuan (100亿元){marker}"
    assert english_magnitudes(f"{marker} 16家") == f"{marker} 16家"


# --------------------------------------------------------------------------- localize_answer


@pytest.mark.parametrize(
    ("answer", "question", "expected"),
    [
        ("100億元人民幣[3]", SIMPLIFIED_QUESTION, "100亿元人民币[3]"),
        ("100亿元人民币[3]", TRADITIONAL_QUESTION, "100億元人民幣[3]"),
        ("100億元人民幣[3]", TRADITIONAL_QUESTION, "100億元人民幣[3]"),  # kept traditional
        ("人工智慧產業基金[1]", SIMPLIFIED_QUESTION, "人工智慧产业基金[1]"),
        ("100億元人民幣[3]", ENGLISH_QUESTION, "10 billion yuan (100億元人民幣)[3]"),
        ("The fund is 100亿元 [3].", ENGLISH_QUESTION, "The fund is 10 billion yuan (100亿元) [3]."),
        ("It has 16家 members [1].", ENGLISH_QUESTION, "It has 16家 members [1]."),
        ("100亿元", "多少？", "100亿元"),  # script-neutral question → simplified
    ],
)
def test_localize_answer(answer: str, question: str, expected: str) -> None:
    assert localize_answer(answer, question) == expected


@pytest.mark.parametrize("question", [SIMPLIFIED_QUESTION, TRADITIONAL_QUESTION, ENGLISH_QUESTION])
@pytest.mark.parametrize(
    "answer",
    [
        "100億元人民幣[3]",
        "广西设立了100亿元人民币的基金[1][2]。",
        "About 2.3万家 firms and 1.5万亿元 of trade [2].",
        "No magnitudes here [1].",
    ],
)
def test_localize_answer_is_idempotent(answer: str, question: str) -> None:
    once = localize_answer(answer, question)
    assert localize_answer(once, question) == once


def test_localize_answer_does_not_translate_magnitudes_for_chinese_questions() -> None:
    assert localize_answer("100亿元[1]", SIMPLIFIED_QUESTION) == "100亿元[1]"
    assert "billion" not in localize_answer("100億元[1]", TRADITIONAL_QUESTION)


def test_fix_english_scale_uses_the_evidence_magnitude() -> None:
    from assistant.answer.language import fix_english_scale, localize_answer

    ev = "今年2月廣西又設立了100億元人民幣的人工智慧產業基金。"
    assert fix_english_scale("100 billion yuan [1]", ev) == "10 billion (100億) yuan [1]"
    assert fix_english_scale("It has 16 companies.", ev) == "It has 16 companies."
    assert fix_english_scale("about 3 billion", ev) == "about 3 billion"  # not in the evidence
    # A Chinese counter glued to the scale word ("802 million标箱") is no word boundary.
    assert fix_english_scale("802 million标箱 [1]", "2023年集装箱吞吐量突破802万标箱") == "8.02 million (802万)标箱 [1]"
    # 万 read as "thousand": 9万 written as 9,000 becomes 90,000; numbers the evidence has stay.
    users = "已服务业务用户超过9万家，2023年发布"
    assert fix_english_scale("It served 9,000 business users [1]", users) == "It served 90,000 (9万) business users [1]"
    assert fix_english_scale("Released in 2023 [1]", users) == "Released in 2023 [1]"
    assert fix_english_scale("It served 4,000 users", users) == "It served 4,000 users"
    # read right (90000 for 9万): left alone for the user, held as the evidence writes it
    assert fix_english_scale("90000 [1]", users) == "90000 [1]"
    assert fix_english_scale("90000 [1]", users, keep_source=True) == "9万 [1]"
    assert fix_english_scale("120,000,000", "投资1.2亿元", keep_source=True) == "1.2亿"
    assert fix_english_scale("12000", "投资1.2亿元", keep_source=True) == "12000"
    once = localize_answer("100 billion yuan[1]", "How large is the fund?", ev)
    assert localize_answer(once, "How large is the fund?", ev) == once


def test_fix_english_scale_leaves_very_long_numbers_alone() -> None:
    """A 33-digit number (a code planted in a document) once raised decimal's
    DivisionImpossible and took the whole answer down (bench_injection, HP17)."""
    from assistant.answer.language import fix_english_scale

    code = "9" * 30 + "000"
    assert fix_english_scale(f"The code is {code} [1]", "已服务业务用户超过9万家") == f"The code is {code} [1]"


def test_an_english_question_with_chinese_glosses_gets_english_numbers() -> None:
    from assistant.answer.language import ENGLISH, SIMPLIFIED, localize_answer, question_script

    question = "By the end of 2023, how many users did the 'One-Click Tour Guangxi' (一键游广西) platform have?"
    assert question_script(question) == ENGLISH
    assert question_script("Who chairs Qi An Xin (奇安信)?") == ENGLISH
    assert question_script("《中国日报》推出的栏目叫什么？") == SIMPLIFIED
    assert question_script("南A中心(Nan-A)在哪？") == SIMPLIFIED
    out = localize_answer("The platform had 1300 million users [1]", question, "[1] “一键游广西”用户数突破1300万")
    assert out == "The platform had 13 million (1300万) users [1]"
