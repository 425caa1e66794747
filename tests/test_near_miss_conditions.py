"""Near-miss checks on what the question sets as a condition or names as one of several
exclusive things: a figure of the asking clause the evidence does not write
(``near_miss.unmet_figures``), a medal, a trade direction or an extreme of another kind
on the answer's line (``near_miss.contrary_terms``), ordinals given for a count
(``measures.ordinal_for_count``), a superlative the answer's line does not write
(``near_miss.missing_superlative``), and a figure whose own sentence dates another year
(``dates.year_mismatch``). Each finding makes the answer a refusal (``ground.is_grounded``)."""

from __future__ import annotations

import pytest

from assistant.answer.checks.dates import year_mismatch
from assistant.answer.checks.ground import is_grounded, new_wording_support
from assistant.answer.checks.measures import ordinal_for_count
from assistant.answer.checks.near_miss import contrary_terms, missing_superlative, unmet_figures

CAPITAL = ("[1] 从存续企业来看，注册资本2000万以下的企业占比达到90.5%；"
           "5000万（含）以上的企业占比为1.3%。")


@pytest.mark.parametrize(("question", "answer", "evidence", "flagged"), [
    # the asked threshold (1亿元) is not the line's (5000万)
    ("存续企业中，注册资本在1亿元以上的企业占比是多少？", "1.3%", CAPITAL, ["1亿"]),
    ("存续企业中，注册资本在5000万以上的企业占比是多少？", "1.3%", CAPITAL, []),
    # written in Chinese numerals by the evidence
    ("注册资本在两千万以下的企业占比是多少？", "90.5%", "[1] 注册资本二千万以下的企业占比达到90.5%。", []),
    # a figure of an earlier clause describes the thing asked about
    ("建成8条国际光缆的那个信息港，在老挝落地了什么项目？", "老挝数据中心",
     "[1] 信息港老挝数据中心等一批项目已经落地。", []),
    # a number inside a name, an ordinal, a date part: no condition
    ("开普勒22距离地球多远？", "约600光年", "[1] 开普勒22b距离地球约600光年。", []),
    ("第5届博览会在哪座城市举办？", "南宁", "[1] 博览会在南宁举办。", []),
    # English questions write other magnitudes than the evidence (80 million, 8000万)
    ("What share of firms have a registered capital of 80 million yuan or more?", "1.3%",
     "[1] 8000万（含）以上的企业占比为1.3%。", []),
])
def test_a_figure_the_question_sets_must_be_in_the_evidence(question: str, answer: str, evidence: str,
                                                            flagged: list[str]) -> None:
    assert unmet_figures(answer, question, evidence) == flagged
    if flagged:
        assert not is_grounded(answer, question, evidence)


MEDAL = "[1] 2001年，以青年队为班底的上海九运足球队取得了全运会男子足球比赛的银牌。"
TRADE = "[2] 以2005年计，印尼主要出口市场为日本(22.3%)、美国(13.9%)。"


@pytest.mark.parametrize(("question", "answer", "evidence", "flagged"), [
    ("2001年全运会男子足球比赛的金牌由哪支球队获得？", "上海九运足球队", MEDAL, ["金牌"]),
    ("2001年全运会男子足球比赛的银牌由哪支球队获得？", "上海九运足球队", MEDAL, []),
    # a line naming no medal at all is left to the other checks
    ("2001年全运会的金牌由哪支球队获得？", "上海九运足球队", "[1] 2001年，上海九运足球队参加了全运会。", []),
    # imports asked (进口 or 入口), exports on the line; the earlier sentence describes the exports
    ("印尼从美国的进口占多少？", "13.9%", TRADE, ["进口"]),
    ("印尼出口市场乃日本、美国；那么印尼从美国的入口占多少？", "13.9%", TRADE, ["入口"]),
    ("印尼对美国的出口占多少？", "13.9%", TRADE, []),
])
def test_one_of_several_exclusive_things_is_not_another(question: str, answer: str, evidence: str,
                                                        flagged: list[str]) -> None:
    """Asked who won the gold, a small model names the team the line says took the
    silver; asked the share of imports, it gives the export share."""
    assert contrary_terms(answer, question, evidence) == flagged
    if flagged:
        assert not is_grounded(answer, question, evidence)


EPISODES = "[1] （晴天小猪）动画版第3话的内容改编自短篇版、第31话的内容改编自漫画连载期间发表的外传。"


@pytest.mark.parametrize(("question", "answer", "flagged"), [
    ("《晴天小猪》改编的电视动画一共有多少集？", "动画版第3话的内容改编自短篇版、第31话的内容改编自外传。",
     ["3", "31"]),
    # a count beside an ordinal, a rank asked
    ("《晴天小猪》改编的电视动画一共有多少集？", "全26集，第3话改编自短篇版。", []),
    ("改编自外传的是第几话？", "第31话", []),
])
def test_ordinals_are_no_count(question: str, answer: str, flagged: list[str]) -> None:
    """Asked how many episodes, a small model copies the line saying which episodes were
    adapted from what."""
    assert ordinal_for_count(answer, question) == flagged
    if flagged:
        assert not is_grounded(answer, question, EPISODES)


SHIP = "[1] （货运飞船）1978年1月20日，第一艘飞船发射升空。该型另一艘飞船于2015年5月3日失联。"
VOTE = "[1] 2004年立法会选举共选出60个议席。投票率为55.64%。"


@pytest.mark.parametrize(("question", "answer", "evidence", "flagged"), [
    # the line holds the asked year, the figure's own sentence dates another event
    ("2015年失联的那艘货运飞船是哪一天发射升空的？", "1978年1月20日", SHIP, ["2015"]),
    # a sentence stating no year takes its line's; 2000万 states no year
    ("2004年立法会选举的投票率是多少？", "55.64%", VOTE, []),
    ("2023年注册资本较低的企业占比是多少？", "94.1%",
     "[1] 2023年企业名录共收录企业1200家。其中注册资本2000万以下企业占比达到94.1%。", []),
])
def test_a_figure_dated_by_its_own_sentence_to_another_year(question: str, answer: str, evidence: str,
                                                             flagged: list[str]) -> None:
    assert year_mismatch(answer, question, evidence) == flagged
    assert is_grounded(answer, question, evidence) == (not flagged)


def test_a_place_word_after_the_questions_word_adds_nothing() -> None:
    """jieba joins 天文历中 as 历中 where the question wrote 天文历里: no new wording to find."""
    question = "在玛雅天文历里，每一个周期有多少天？"
    answer = "玛雅天文历中，每一个周期有260天。"
    evidence = "[1] 玛雅天文历把一年分为13个周期，每个周期260日。"
    assert new_wording_support(answer, question, evidence) is None
    assert is_grounded(answer, question, evidence)


COVER = "[1] （生活月刊）自第110期起改为邀请明星担任封面人物，首位登上封面的明星是李明。"
FISH = "[1] 黑斑雀鲷为雀鲷科的一种，体长可达10公分。"


@pytest.mark.parametrize(("question", "answer", "evidence", "flagged"), [
    # the most often asked, the first one on the line
    ("哪一位明星登上《生活》月刊封面的次数最多？", "李明", COVER, ["最多"]),
    ("首位登上《生活》月刊封面的明星是谁？", "李明", COVER, []),
    # a limit of what can be (the line writes 可达), a superlative inside a title
    ("黑斑雀鲷最大能长到多长？", "10公分", FISH, []),
    ("《最好的时光》的导演是谁？", "李明", "[1] 《最好的时光》的导演是李明。", []),
])
def test_a_superlative_asked_must_be_on_the_answers_line(question: str, answer: str, evidence: str,
                                                         flagged: list[str]) -> None:
    assert missing_superlative(answer, question, evidence) == flagged
    assert is_grounded(answer, question, evidence) == (not flagged)
