"""The near-miss checks: a group's amount given for one member, a deputy's post for the post,
a count given as money (``assistant.answer.near_miss``)."""

from __future__ import annotations

import pytest

from assistant.answer.ground import is_grounded
from assistant.answer.near_miss import deputy_posts, group_figure, unpriced_money
from assistant.ingest.normalize import has_cjk

GROUP = "[1] 自2020年以来，腾讯、百度和京东等企业已累计在西部投入超300亿元。"
REGION = "[1] 截至2024年底，全省现有软件企业1500家，增长了12%。昆明市、曲靖市、玉溪市等城市的企业数量位居全省前三。"


@pytest.mark.parametrize(("question", "answer", "evidence", "flagged"), [
    # the first, a middle and the last item of a list share the group's figure
    ("腾讯在西部投入了多少资金？", "超300亿元[1]", GROUP, ["腾讯"]),
    ("百度在西部投入了多少资金？", "300亿元", GROUP, ["百度"]),
    ("京东在西部投入了多少资金？", "京东投入了超300亿元。", GROUP, ["京东"]),
    # the figure's sentence is about the whole; the asked city is only listed elsewhere
    ("昆明市有多少家软件企业？", "1500家", REGION, ["昆明市"]),
    ("昆明有多少家软件企业？", "1500家", REGION, ["昆明"]),
])
def test_a_group_figure_is_no_answer_about_one_member(question: str, answer: str, evidence: str,
                                                      flagged: list[str]) -> None:
    assert group_figure(answer, question, evidence) == flagged
    assert not is_grounded(answer, question, evidence)


@pytest.mark.parametrize(("question", "answer", "evidence"), [
    # one figure per item
    ("腾讯在西部投入了多少资金？", "100亿元", "[1] 腾讯、百度和京东分别投入100亿元、80亿元和60亿元。"),
    # the question asks about the group itself
    ("腾讯、百度和京东在西部共投入了多少？", "超300亿元", GROUP),
    ("腾讯和百度在西部投入了多少？", "超300亿元", GROUP),
    # the list comes after the figure: it is what was counted, each of them 12 times
    ("该市连续举办了多少届博览会？", "12届", "[1] 该市已连续举办12届博览会、论坛和峰会。"),
    # a list of clauses is no list of things
    ("建成了多少条通达周边国家的光缆？", "8条", "[1] 建成以南宁为枢纽、通达周边国家的8条光缆。"),
    # a word glued to the first item (来自越南、) is not an item
    ("首批企业来自几个国家？", "6个", "[1] 首批企业来自越南、泰国、老挝等6个国家。"),
    # the member has its own figure in the sentence, before the group's
    ("腾讯在西部投入了多少资金？", "120亿元", "[1] 腾讯在西部投入120亿元，腾讯、百度等企业共投入300亿元。"),
    # the whole region is what was asked
    ("全省有多少家软件企业？", "1500家", REGION),
    # a date shared by a group is each member's date: only amounts are judged
    ("腾讯哪一年入驻？", "2021年", "[1] 腾讯、百度等企业于2021年入驻。"),
    # English questions are matched on facts alone
    ("How much did Tencent invest in the west?", "Over 30 billion yuan",
     "[1] 腾讯、百度和京东等企业已累计在西部投入超300亿元。"),
])
def test_a_figure_about_the_asked_thing_is_kept(question: str, answer: str, evidence: str) -> None:
    assert group_figure(answer, question, evidence) == []


@pytest.mark.parametrize(("question", "evidence", "answer", "flagged"), [
    ("代表团的团长是谁？", "[1] 开放日上，省长、代表团副团长张三介绍了经验。", "张三[1]", ["团长"]),
    ("该校的校长是谁？", "[1] 李四，该校副校长。\n[2] 副校长王五出席。", "李四[1]", ["校长"]),
    # the evidence names the post itself too
    ("该校的校长是谁？", "[1] 副校长王五陪同校长赵六出席。", "赵六[1]", []),
    # a deputy is what was asked
    ("该校的副校长是谁？", "[1] 李四，该校副校长。", "李四[1]", []),
    ("代表团的副团长是谁？", "[1] 代表团副团长张三介绍了经验。", "张三[1]", []),
    # English questions are matched on facts alone
    ("Who heads the delegation?", "[1] 代表团副团长张三介绍了经验。", "Zhang San", []),
])
def test_a_deputy_is_not_the_holder_of_the_post(question: str, evidence: str, answer: str,
                                                 flagged: list[str]) -> None:
    assert deputy_posts(question, evidence) == flagged
    if flagged:
        assert not is_grounded(answer, question, evidence)
    else:
        assert is_grounded(answer, question, evidence) or not has_cjk(question)


PLANT = "[1] 截至2024年5月，该市建成年产智慧电驱78万套、电子电控1780万只控制器的产业规模。"


@pytest.mark.parametrize(("question", "answer", "evidence", "flagged"), [
    # a count of controllers given as money, in Chinese and (as judged) in English
    ("电子电控产业的产值是多少？", "1780万元[1]", PLANT, ["1780万元"]),
    ("What output value had the control industry reached?", "1780万 yuan [1]", PLANT, ["1780万 yuan"]),
    ("智慧电驱产值多少？", "78万元", PLANT, ["78万元"]),
    # money where the evidence has money, or writes the figure bare, or not at all
    ("基金规模多少？", "100亿元", "[1] 设立规模100亿元的基金。", []),
    ("基金规模多少？", "100亿元", "[1] 基金规模达100亿，居全区第一。", []),
    ("How large is the fund?", "10 billion yuan (100亿元)", "[1] 设立规模100亿元人民币的基金。", []),
    ("基金规模多少？", "50亿元", PLANT, []),
    # a figure the question gives is not judged
    ("1780万只控制器值多少元？", "1780万元", PLANT, []),
])
def test_a_count_is_no_sum_of_money(question: str, answer: str, evidence: str, flagged: list[str]) -> None:
    assert unpriced_money(answer, question, evidence) == flagged
    if flagged:
        assert not is_grounded(answer, question, evidence)
