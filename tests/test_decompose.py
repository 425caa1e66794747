"""Two-step answers for questions that name a thing by description (``assistant.answer.steps.decompose``)."""

from __future__ import annotations

import pytest
from fakes import ScriptedAnswers, numbered_hit

from assistant.answer.steps.decompose import Bridge, found_name, plan_steps, split_bridge
from assistant.answer.steps.versus import Comparison
from assistant.types import Answer, Citation


@pytest.mark.parametrize(("question", "first", "second"), [
    # a clause ending in the pointed thing
    ("张教授任院长的那所高校，据年鉴开设了什么专业？", "张教授任院长的哪所高校？", "海滨大学据年鉴开设了什么专业？"),
    # an ordinal answer keeps the thing's name
    ("节目中主持人参观的那一届博览会，据专访是在哪个月举办的？", "节目中主持人参观的哪一届博览会？",
     "第9届博览会据专访是在哪个月举办的？"),
    # a later clause points back, after its source
    ("报道称该省曾孕育出“钢铁城”；据年鉴，在这座城市建设的工厂年产能是多少？",
     "报道称该省曾孕育出“钢铁城”，这座城市是哪座城市？", "据年鉴，在海滨这座城市建设的工厂年产能是多少？"),
    # the earlier sentence is itself a question
    ("对市长说这句话的是哪国总理？据专访，代表团访问该国期间签了几份协议？", "对市长说这句话的是哪国总理？",
     "据专访，代表团访问海滨该国期间签了几份协议？"),
    # a leading clause describes a thing of a known kind, without a pointing word
    ("据专访去年获批设立出入口局的城市，在年鉴中被定位为哪条通道的站点？", "据专访去年获批设立出入口局的城市是哪个？",
     "海滨在年鉴中被定位为哪条通道的站点？"),
    # the thing is named in the sentence before the pointing one, whose leading clauses stay with it
    ("报道说某企业的名称里标明了所在城市。年鉴在统计论文时，引用了这座城市的协会发布的哪份报告？",
     "报道说某企业的名称里标明了所在城市，这座城市是哪座城市？", "年鉴在统计论文时，引用了海滨这座城市的协会发布的哪份报告？"),
    # the pointed noun is all the nouns after the pointing word (东|博会), not its first word
    ("节目称第9届博览会成为新标杆；据专访，这届东博会计划举办什么活动？", "节目称第9届博览会成为新标杆，这届东博会是哪届东博会？",
     "据专访，第9届这届东博会计划举办什么活动？"),
    # a government department (厅) described by a leading clause
    ("报道中提出设想的张处长所在的厅，据年鉴从哪一年起投入专项资金？", "报道中提出设想的张处长所在的厅是哪个？",
     "海滨据年鉴从哪一年起投入专项资金？"),
    # the pointed thing is a year: 那一年 has no noun after its measure word
    ("合作区成立的那一年，据年鉴举办了什么论坛？", "合作区成立的哪一年？", "海滨据年鉴举办了什么论坛？"),
    # a long description between the pointing word and the thing
    ("文章中那位既会见了企业家、又赴北京考察企业的书记，在专访中说促成了哪家集团签约？",
     "文章中哪位既会见了企业家、又赴北京考察企业的书记？", "海滨在专访中说促成了哪家集团签约？"),
])
def test_a_described_thing_is_asked_for_first(question: str, first: str, second: str) -> None:
    bridge = split_bridge(question)
    assert bridge is not None and bridge.first == first
    found = "第9届" if "届" in first else "海滨大学" if "高校" in first else "海滨"
    assert bridge.second(found) == second


@pytest.mark.parametrize("question", [
    "广西人工智能产业基金规模是多少？",  # one clause
    "截至2024年5月底，南宁市有多少家人工智能企业？",  # no pointing word
    "该站位于哪里？",  # points at the document's subject, not at an earlier clause
    "你认为应该如何发展，有什么建议？",  # 应该 points at nothing
    "Which university did the vice-president lead, according to the white paper?",
    "The report names a university. Which programme did it open?",  # no pointing words
    "The show names a vice-president. Which colleges besides that person's university opened?",  # a university
    "这些企业来自哪里，数量是多少？",  # 这些 is no pointing phrase
    "南宁的哪个城市，被定位为站点？",  # the leading clause asks itself
    "报道提到的发展方向，有哪些具体措施？",  # 方向 is no kind of thing another document describes
    # the pointing words and commas of a quotation are the quotation's
    "文章引述他的话：“谁先发展，这个国家、这个地方就能走在前面”。他说这句话之前下了什么判断？",
    # the name right before the pointing word is the thing (an apposition): nothing to look up
    "从高处看，青螺湖这个湖像什么东西？",
    "按用途分，基氏软鱼这种鱼一般派什么用场？",
])
def test_other_questions_are_asked_in_one_step(question: str) -> None:
    assert split_bridge(question) is None


@pytest.mark.parametrize(("question", "first", "second", "thing"), [
    ("The programme says Guangxi is the permanent venue of a certain expo (东博会). According to the interview, "
     "how many editions of that expo has Guangxi hosted?",
     "The programme says Guangxi is the permanent venue of a certain expo (东博会). Which expo is it?",
     "According to the interview, how many editions of Harbour Expo has Guangxi hosted?", "the expo"),
    ("The article lists two firms and one other company. Per the white paper, what did this other company release?",
     "The article lists two firms and one other company. Which other company is it?",
     "Per the white paper, what did Harbour Expo release?", "the other company"),
    # the earlier sentence is itself a question
    ("Which premier praised the region? According to the interview, what was signed in his country?",
     "Which premier praised the region?", "According to the interview, what was signed in Harbour Expo?",
     "the country"),
])
def test_an_english_question_pointing_back_is_asked_in_two_steps(question: str, first: str, second: str,
                                                                  thing: str) -> None:
    bridge = split_bridge(question)
    assert bridge is not None and bridge.first == first and bridge.language == "en"
    assert bridge.second("Harbour Expo") == second
    # a name found in Chinese only is written as the gloss of the thing, so the question stays English
    assert bridge.second("海滨博览会") == second.replace("Harbour Expo", f"{thing} (海滨博览会)")


def test_an_english_first_answer_is_a_name_of_a_few_words() -> None:
    question = "The article names a university. Which university is it?"
    assert found_name(_answer(question, "Harbour University (海滨大学)[1]"), question) == "Harbour University (海滨大学)"
    sentence = "The university named in the article is Harbour University, a research university by the sea[1]"
    assert found_name(_answer(question, sentence), question) == ""


def _answer(question: str, text: str, refused: bool = False, cited: int = 1) -> Answer:
    hits = tuple(numbered_hit(n) for n in range(2))
    citations = () if refused else (Citation(cited, "d-0", "d", "d.txt", 0, 3, "第0段"),)
    return Answer(question=question, text=text, citations=citations, hits=hits, refused=refused,
                  timings={"retrieve": 0.1, "first_token": 1.0, "total": 2.0}, prompt_tokens=100,
                  completion_tokens=5)


def test_found_name_is_a_short_first_line() -> None:
    assert found_name(_answer("q", "海滨大学[1]。")) == "海滨大学"
    assert found_name(_answer("q", "资料中没有找到该问题的答案。", refused=True)) == ""
    assert found_name(_answer("q", "张教授任院长的那所高校是一所位于海滨的综合性研究型大学[1]")) == ""


BRIDGE = Bridge(first="哪所高校？", before="", after="开设了什么专业？")


def test_two_steps_answer_with_the_second_and_cite_the_first() -> None:
    script = ScriptedAnswers({"哪所高校？": _answer("哪所高校？", "海滨大学[1]"),
                      "海滨大学开设了什么专业？": _answer("海滨大学开设了什么专业？", "海洋工程[1]")})
    items = list(BRIDGE.run("原问题？", script))
    final = items[-1]
    assert isinstance(final, Answer) and items[:-1] == ["海洋工程[1]"]  # only the second step streams
    assert script.asked == ["哪所高校？", "海滨大学开设了什么专业？"]
    assert script.looked_up == ["哪所高校？"]  # the first step only finds a name
    assert final.question == "原问题？" and final.main_text == "海洋工程[1]"
    assert final.notes == ("（先查得：哪所高校？ 海滨大学[3]）",)  # first step's [1] after 2 passages
    assert [c.marker for c in final.citations] == [1, 3] and len(final.hits) == 4
    assert final.prompt_tokens == 200 and final.timings["total"] == 4.0


def test_a_first_step_that_finds_no_name_falls_back_to_one_step() -> None:
    script = ScriptedAnswers({"哪所高校？": _answer("哪所高校？", "资料中没有找到该问题的答案。", refused=True),
                      "原问题？": _answer("原问题？", "海洋工程[1]")})
    final = list(BRIDGE.run("原问题？", script))[-1]
    assert script.asked == ["哪所高校？", "原问题？"]
    assert isinstance(final, Answer) and final.text == "海洋工程[1]" and not final.notes


def test_a_comparison_is_planned_before_a_described_thing() -> None:
    question = "甲专访中已举办的大会届数，与节目中主持人参观的那届博览会的届次相比，哪个数字更大？"
    assert split_bridge(question) is not None
    assert isinstance(plan_steps(question), Comparison)
    assert plan_steps("广西人工智能产业基金规模是多少？") is None


@pytest.mark.parametrize(("answer", "found"), [
    ("海滨大学[1]", "海滨大学"),
    # the answer restates the first question: what it puts where the question asks is carried
    ("张教授任院长的高校是海滨大学[1]。", "海滨大学"),
    ("报告建议培育星河数据中心的产业竞争新优势[1]", "星河数据中心"),
    # the 的 after the asked noun dropped in the restatement
    ("报告建议培育星河数据中心产业竞争新优势。[1]", "星河数据中心"),
])
def test_a_restated_first_answer_carries_only_the_name(answer: str, found: str) -> None:
    question = "报告建议培育哪个中心的产业竞争新优势？" if "优势" in answer else "张教授任院长的哪所高校？"
    assert found_name(_answer(question, answer), question) == found


def test_a_restated_description_carries_the_name_in_place_of_its_open_word() -> None:
    question = "报告建议培育某个中心的产业竞争新优势，这个中心是哪个中心？"
    assert found_name(_answer(question, "报告建议培育星河数据中心产业竞争新优势。[1]"), question) == "星河数据中心"
