"""The near-miss checks: a group's amount given for one member, a deputy's post for the post
(``assistant.answer.checks.near_miss``); a count given as money, another measure for the
quantity asked, an average for a total, a share or a date for a count
(``assistant.answer.checks.measures``); a year of another event for a birth, a founding or
an opening."""

from __future__ import annotations

import pytest

from assistant.answer.checks.dates import event_year
from assistant.answer.checks.ground import is_grounded
from assistant.answer.checks.measures import (
    average_for_total,
    date_for_count,
    other_measure,
    share_for_count,
    unpriced_money,
)
from assistant.answer.checks.near_miss import (
    asked_deed,
    asked_post,
    deputy_posts,
    group_figure,
    missing_post,
)
from assistant.answer.forms import asks_amount
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
    # an English question is judged by the Chinese name it glosses (jieba would cut it into words)
    ("How many solutions has the centre built for the university (桂林电子科技大学) alone?", "35 [1]",
     "[1] 计算中心已为中软国际、桂林电子科技大学等46家“生态伙伴”打造了35个解决方案。", ["桂林电子科技大学"]),
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
    # an English question without a Chinese name is matched on facts alone
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
    # an English scale the evidence does not write, between the count and the currency
    ("How much did the control industry produce?", "1780 million yuan [1]", PLANT, ["1780 million yuan"]),
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


FACTORY = ("[1] 优必选在柳州建设机器人超级智慧工厂。20GWh动力电池项目的自动化生产率达到90%以上，"
           "首批入驻企业16家。")


@pytest.mark.parametrize(("question", "answer", "flagged"), [
    # the asked investment answered with a capacity and a rate, or a count and a year
    ("优必选在柳州建设的机器人超级智慧工厂项目总投资是多少？",
     "总投资是20GWh的动力电池项目自动化生产率达到90%以上。[1]", ["20", "90"]),
    ("工厂的资助金额合计是多少？", "16家[1]", ["16"]),
    ("工厂的总投资是多少？", "2023年[1]", ["2023"]),
    ("How much did UBTech invest in the Liuzhou factory?", "20 GWh [1]", ["20"]),
    # money, a bare magnitude, or money beside another measure
    ("工厂的总投资是多少？", "10亿元[1]", []),
    ("工厂的总投资是多少？", "总投资10亿。", []),
    ("工厂的总投资是多少？", "2023年总投资10亿元[1]", []),
    ("How much did UBTech invest in the Liuzhou factory?", "1 billion yuan [1]", []),
    ("How much did UBTech invest in the Liuzhou factory?", "10 billion", []),
    # not a money question: the count of countries, a growth rate, a capacity
    ("资金来自几个国家？", "6个国家", []),
    ("投资增长了多少？", "22%", []),
    ("项目产能是多少？", "20GWh", []),
    # no figure: left to the other checks
    ("工厂的总投资是多少？", "资料未提及。", []),
    # residents counted in buildings; a length given as a year
    ("山谷道邨拆卸之前一共住了多少居民？", "一共住了17座居民。[1]", ["17"]),
    ("山谷道邨拆卸之前一共住了多少居民？", "约2万人[1]", []),
    ("德龙烟铁路全长多少公里？", "1887年[1]", ["1887"]),
    ("德龙烟铁路全长多少公里？", "548公里[1]", []),
    ("白尾雀鲷一般栖息在多深的水里？", "0.5至3公尺[1]", []),
    ("白沙灯塔的高度是多少？", "白沙灯塔的高度为四十二米，建于1990年。[1]", []),  # Chinese numerals
    ("白沙灯塔的高度是多少？", "建于1990年。[1]", ["1990"]),
    ("沃夫424距离太阳多远？", "大约14.2光年[1]", []),
    ("工期多长时间？", "3个月", []),
    # 多长 after a span of time asks for a duration, not a length
    ("众神给这项工程定的期限是多长？", "6个月[1]", []),
    ("他的任期多长？", "4年", []),
    # a weight given as a length; 多重 inside a question means "multiple"
    ("日本名刀数珠丸的重量是多少？", "数珠丸的重量是81.1cm。", ["81.1"]),
    ("这把刀有多重？", "约1.2公斤[1]", []),
    ("How heavy is the sword?", "81.1 cm [1]", ["81.1"]),
    ("他有哪些多重身份？", "3个身份", []),
    # a range takes the unit of its last figure
    ("一只成年灰雁大约有多重？", "一只成年灰雁大约重约46-56厘米。[1]", ["56"]),
    ("一只成年灰雁大约有多重？", "约2.5至3.5公斤[1]", []),
    # an area counted in ponds; an area in hectares
    ("示范区的面积有多大？", "示范区的面积为2.13万个养殖圆池。[1]", ["2.13"]),
    ("示范区的面积有多大？", "约120公顷[1]", []),
    ("What area does the park cover?", "120 hectares [1]", []),
])
def test_a_quantity_asked_by_name_is_not_answered_by_another_measure(question: str, answer: str,
                                                                 flagged: list[str]) -> None:
    assert other_measure(answer, question, FACTORY) == flagged
    if flagged:
        assert not is_grounded(answer, question, FACTORY)


@pytest.mark.parametrize(("question", "amount"), [
    ("南A中心首批有几家东盟企业入驻？", True),
    ("哪个城市的企业有多少家？", True),
    ("How many ports are reached?", True),
    # the amount word only describes what is asked
    ("中央网信办曾与另外几个部委联合发布了哪份管理办法？", False),
    ("How many editions, and which city hosts it?", False),
    ("南A中心位于哪里？", False),
])
def test_an_amount_word_before_another_question_word_asks_no_amount(question: str, amount: bool) -> None:
    assert asks_amount(question) is amount


PLAYER = "[1] 门罗的职业生涯每场平均取得18.8分，3个篮板。1967年，门罗在选秀中以第2顺位被选中。"


@pytest.mark.parametrize(("question", "answer", "flagged"), [
    ("厄尔·门罗在NBA职业生涯中一共累计拿下了多少分？", "18.8分[1]", ["18.8"]),
    ("How many points did Monroe score in his career?", "18.8 points [1]", ["18.8"]),
    # an average asked, a figure written without one, a figure the evidence lacks
    ("门罗职业生涯场均得分是多少？", "18.8分", []),
    ("What was Monroe's average per game?", "18.8 points", []),
    ("门罗在选秀中第几顺位被选中？", "第2顺位[1]", []),
    ("门罗一共得了多少分？", "25000分", []),
])
def test_an_average_is_no_total(question: str, answer: str, flagged: list[str]) -> None:
    assert average_for_total(answer, question, PLAYER) == flagged
    if flagged:
        assert not is_grounded(answer, question, PLAYER)


GENERAL = ("[1] （李成栋 (明朝)）顺治五年（永历二年，1648年）初，李成栋于同年四月在广州发动兵变反正。"
           "李成栋死于1649年信丰之战。\n[2] 李白（701年－762年），字太白，生于碎叶城。")


@pytest.mark.parametrize(("question", "answer", "flagged"), [
    # the year of the revolt dates no birth
    ("南明将领李成栋是哪一年出生的？", "1648年[1]", ["1648"]),
    ("In what year was Li Chengdong born?", "1648 [1]", ["1648"]),
    ("李成栋是哪一年去世的？", "1648年", ["1648"]),
    # the year stands beside the event, or in a life span
    ("李成栋是哪一年去世的？", "1649年[1]", []),
    ("When did Li Chengdong die?", "1649 [1]", []),
    ("李白是哪一年出生的？", "701年[2]", []),
    ("李白哪一年去世？", "762年[2]", []),
    # not a when-question about a birth or a death; a figure the evidence lacks
    ("李成栋在哪一年发动兵变？", "1648年[1]", []),
    ("李成栋出生在哪里？", "1648年", []),
    ("李成栋是哪一年出生的？", "1620年", []),
])
def test_a_year_of_another_event_dates_no_birth_or_death(question: str, answer: str, flagged: list[str]) -> None:
    assert event_year(answer, question, GENERAL) == flagged
    if flagged:
        assert not is_grounded(answer, question, GENERAL)


def test_a_word_holding_the_character_of_birth_dates_no_birth() -> None:
    """学生 holds 生 but dates no birth; 生于 and a year before 生 do."""
    ev = "[1] （周文杰）周文杰，台湾导演。2000年的第一部作品即获得学生电影奖。\n[2] 陈有杰，1936年生于台北。"
    assert event_year("2000年[1]", "台湾导演周文杰是哪一年出生的？", ev) == ["2000"]
    assert event_year("1936年[2]", "陈有杰是哪一年出生的？", ev) == []
    assert event_year("1936年", "陈有杰是哪一年出生的？", "[1] 陈有杰，1936年生，台北人。") == []


FOUNDER = ("[1] 索尔维制碱法是1861年比利时化学家欧内斯特·索尔维（Ernest Solvay，1838-1922）发明的。"
           "1863年，索尔维公司成立于布鲁塞尔。1997年初，政府批出土地兴建训练场地。"
           "他1952年开始写作。那份政论月刊1957年创刊，他是创刊作家。"
           "\n[2] 他接任父亲丹尼士（任期由1929年至1936年）。")


@pytest.mark.parametrize(("question", "answer", "flagged"), [
    # the year of the invention dates no founding; land granted to build opens nothing
    ("索尔维公司是在哪一年创立的？", "1861年[1]", ["1861"]),
    ("When was the Solvay company founded?", "1861 [1]", ["1861"]),
    ("训练场地是哪一年建成启用的？", "1997年初[1]", ["1997"]),
    # a term of office is no life span
    ("丹尼士是哪一年出生的？", "1929年[2]", ["1929"]),
    # the founding's own sentence; a life span in brackets after a Latin name
    ("索尔维公司是在哪一年成立的？", "1863年[1]", []),
    ("欧内斯特·索尔维是哪一年出生的？", "1838年[1]", []),
    # a periodical's founding is its first issue (创刊)
    ("他参与创办的那份政论月刊是哪一年创刊的？", "1957年[1]", []),
    ("他参与创办的那份政论月刊是哪一年创刊的？", "1952年[1]", ["1952"]),
    # an event worded too freely to judge
    ("索尔维制碱法是哪一年发明的？", "1863年", []),
])
def test_a_year_of_another_event_dates_no_founding_or_opening(question: str, answer: str, flagged: list[str]) -> None:
    assert event_year(answer, question, FOUNDER) == flagged
    if flagged:
        assert not is_grounded(answer, question, FOUNDER)


PATENTS = "[1] 2013年至2023年全球人工智能专利授权累计超过51万，其中我国专利申请数量全球占比达到64%。"


@pytest.mark.parametrize(("question", "answer", "flagged"), [
    ("How many AI patents were granted to Chinese applicants?", "64% [1]", ["64"]),
    ("我国人工智能专利授权了多少件？", "64%[1]", ["64"]),
    # a share, a rate or a change asked; a count given; a figure beside the share
    ("我国人工智能专利申请数量全球占比是多少？", "64%[1]", []),
    ("What share of applications came from China?", "64% [1]", []),
    ("By about how much did efficiency improve?", "64% [1]", []),
    ("全球人工智能专利授权累计超过多少件？", "51万件[1]", []),
    ("全球人工智能专利授权累计超过多少件？", "51万，占64%[1]", []),
    # share words are whole words: "enterprises" holds "rise", and asks for no change
    ("How many patents did AI enterprises obtain?", "64% [1]", ["64"]),
])
def test_a_share_is_no_count(question: str, answer: str, flagged: list[str]) -> None:
    assert share_for_count(answer, question) == flagged
    if flagged:
        assert not is_grounded(answer, question, PATENTS)


COLLEGE = ("[1] 最近，广西人工智能学院成立，致力打造人工智能教科产融合基地。\n"
           "[2] 陈刚不止一次公开表示，人工智能时代，广西不能缺席、不能落后。\n"
           "[3] 奇安信与广西签署合作协议。其董事长齐向东表示将扩大投资。")


@pytest.mark.parametrize(("question", "post"), [
    ("广西人工智能学院的首任院长是谁？", "院长"),
    ("奇安信的董事长叫什么名字？", "董事长"),
    ("哪位委员提出了这项建议？", None),  # no post before the asking words
    ("谁提出了这项建议？", None),
])
def test_the_post_a_who_question_asks_about(question: str, post: str | None) -> None:
    assert asked_post(question) == post


@pytest.mark.parametrize(("question", "answer", "flagged"), [
    ("广西人工智能学院的首任院长是谁？", "陈刚[2]", "院长"),  # a line that names no dean
    ("奇安信的董事长是谁？", "齐向东[3]", None),
    ("奇安信的董事长是谁？", "王五", None),  # held by no line: left to the other checks
])
def test_the_post_asked_must_be_on_the_line_naming_the_answer(question: str, answer: str,
                                                               flagged: str | None) -> None:
    assert missing_post(answer, question, COLLEGE) == flagged
    if flagged:
        assert not is_grounded(answer, question, COLLEGE)


FILM = ("[1] 这部小说在1990年被改拍成同名电影，饰演女主角的演员因此获得最佳女主角奖，她叫林小雨。\n"
        "[2] 这部1990年的同名改编电影由王大海执导，次年上映。")


@pytest.mark.parametrize(("question", "deed"), [
    ("1990年改编的同名电影是由谁执导的？", "执导"),
    ("这首歌是由谁作曲的？", "作曲"),  # jieba tags 作曲 a noun
    ("这个物种是由哪位古生物学家命名的？", "命名"),
    ("国王被暗杀后，由谁继承了王位？", "继承"),
    ("谁执导了这部电影？", None),  # asked without 由 / 被: the post check's question
    ("这部电影是在哪一年上映的？", None),
])
def test_the_deed_a_who_question_asks_the_doer_of(question: str, deed: str | None) -> None:
    assert asked_deed(question) == deed


@pytest.mark.parametrize(("question", "answer", "flagged"), [
    ("1990年改编的同名电影是由谁执导的？", "林小雨[1]", "执导"),  # the line says who starred
    ("1990年改编的同名电影是由谁执导的？", "王大海[2]", None),
    ("这部电影的监制是谁？", "林小雨[1]", "监制"),  # a post ending in 制
])
def test_the_deed_asked_must_be_on_the_line_naming_the_doer(question: str, answer: str,
                                                              flagged: str | None) -> None:
    """Asked who directed the film, a small model names the actress of the line that says
    who starred: nothing on that line says she directed anything."""
    assert missing_post(answer, question, FILM) == flagged
    assert is_grounded(answer, question, FILM) == (flagged is None)


VISIT = "[2] 3月1日,陈刚就曾赴北京考察多家人工智能有关企业。"


@pytest.mark.parametrize(("question", "answer", "flagged"), [
    # the figure is the month of 3月1日, in the evidence or in the answer
    ("How many AI companies did Chen Gang visit in Beijing?", "3 [2]", ["3"]),
    ("陈刚在北京考察了多少家企业？", "3月[2]", ["3"]),
    # a duration asked, a count the evidence writes, a date asked
    ("How many months later did he meet them again?", "3 [2]", []),
    ("陈刚考察后几个月再次会见？", "3月[2]", []),
    ("陈刚几月几日赴北京考察？", "3月1日[2]", []),
    # an amount in Chinese numerals beside a year
    ("白沙灯塔的高度是多少？", "白沙灯塔的高度为四十二米，建于1990年。", []),
])
def test_a_part_of_a_date_is_no_count(question: str, answer: str, flagged: list[str]) -> None:
    assert date_for_count(answer, question, VISIT) == flagged
    if flagged:
        assert not is_grounded(answer, question, VISIT)
