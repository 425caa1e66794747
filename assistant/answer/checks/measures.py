"""Measure checks: the figure of an answer must be of the kind the question asks for.

**A count is no sum of money.** Asked for an output value, the model gives
"17.8 million yuan" where the evidence has 1780万只控制器 (controllers): the figure
is there, the money is not. ``unpriced_money`` finds a figure the answer calls
money (元, yuan, US dollars) that the evidence writes only with a measure word
after it (只, 个, 家).

**A quantity asked by name is not answered by another measure.** Asked for a
factory's total investment (总投资是多少), the model gives "20GWh" and "90%", the
capacity and the automation rate of another project; asked how many residents an
estate had, it gives its 17座 (buildings). ``other_measure`` finds an answer to a
question asking for money, people, a length, an area or a weight (``MEASURES``)
whose figures all carry a unit of another kind (GWh, %, 座, 年; 81.1cm for a sword's
weight, 2.13万个 ponds for an area) and none of the asked kind or none at all (10亿).

**An average is no total.** Asked how many points a player scored in his career
(一共累计拿下了多少分), the model gives "18.8分" from 职业生涯每场平均取得18.8分.
``average_for_total`` finds answer figures that the evidence writes only after
an average word (``AVERAGE_WORDS``: 平均, 场均, 人均, per) when the question
asks for no average.

**A share is no count.** Asked how many AI patents were granted, the model gives
"64%", the share of applications. ``share_for_count`` finds an answer to a
how-many question asking for no share, rate or change whose figures are all
percentages; ``date_for_count`` one whose figures are all parts of a date
(3 of 3月1日); ``ordinal_for_count`` one whose figures are all ordinals (asked how
many episodes an anime had, "第3话…第31话的内容改编自…": which episodes, not how many).

Any finding turns the answer into a refusal (``ground.is_grounded``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..forms import (
    MEASURE_WORDS,
    asks_amount,
    compare_form,
    figure_places,
    figures_beyond,
    has_number,
    new_figures,
    source_form,
)
from ..language import COUNTERS, CURRENCY_NAMES, ENGLISH_SCALE_WORDS, MAGNITUDE_EXPONENTS

_MONEY = "|".join(re.escape(c) for c in CURRENCY_NAMES)
_MAGNITUDES = f"[{''.join(MAGNITUDE_EXPONENTS)}]*"
# A figure an answer calls money: 1780万元, 1780万 yuan (the English answer as judged,
# its magnitudes written as the evidence writes them), 100 US dollars, or 2447 million
# yuan (a scale the evidence does not write, left in English).
_ENGLISH_SCALE = "|".join(ENGLISH_SCALE_WORDS)
_MONEY_FIGURE = re.compile(rf"(?<![\d.])(\d+(?:\.\d+)?{_MAGNITUDES})\s*(?:(?:{_ENGLISH_SCALE})\s*)?[多余]?\s*(?:{_MONEY})",
                           re.I)
# Measure words and counters that say a figure is no money (只, 套, 家, 平方米).
_OTHER_MEASURES = tuple(w for w in {*MEASURE_WORDS, *COUNTERS} if w not in CURRENCY_NAMES)
# What follows a figure of the evidence: money, or another measure (after its magnitude).
_PRICED = re.compile(rf"\s*[多余]?{_MAGNITUDES}\s*(?:{_MONEY})", re.I)
_MEASURED = re.compile(rf"\s*[多余]?{_MAGNITUDES}\s*(?:{'|'.join(map(re.escape, _OTHER_MEASURES))})")


def unpriced_money(answer: str, question: str, evidence: str) -> list[str]:
    """Figures ``answer`` calls money that ``evidence`` writes only with another
    measure word after them (1780万只 for "1780万 yuan"). A figure the evidence writes
    bare (100亿，) or not at all is left to the other checks, as is one the question
    gives."""
    body, asked, source = compare_form(answer), compare_form(question), source_form(evidence)
    out = []
    for m in _MONEY_FIGURE.finditer(body):
        figure = m.group(1)
        if has_number(figure, asked):
            continue
        ends = [o.end() for o in figure_places(figure, source)]
        if ends and all(not _PRICED.match(source, e) and _MEASURED.match(source, e) for e in ends):
            out.append(m.group(0))
    return out


# Nouns that name a sum of money: asked how much of one (总投资是多少), an answer
# must give money. 规模 is left out (a fund's 规模 is money, a computing centre's is not).
MONEY_NOUNS = ("投资", "资金", "金额", "产值", "营收", "收入", "销售额", "融资", "成本", "费用", "价格",
               "造价", "利润", "税收", "出资", "investment", "invest", "revenue", "funding", "cost",
               "price", "output value")
# Nouns that name people counted: asked how many (多少居民, 员工人数是多少), an answer
# must count people.
PEOPLE_NOUNS = ("居民", "人口", "人数", "员工", "职工", "学生", "观众", "游客", "会员", "球员", "士兵",
                "people", "residents", "employees", "students", "visitors", "members", "inhabitants")
# Words that ask for a length (全长, 多深); 多长时间, and 多长 after a span of time
# (期限是多长, 任期多长), ask for a duration.
DURATION_NOUNS = ("时间", "期限", "时长", "任期", "工期", "刑期", "寿命", "周期", "假期", "历时")
LENGTH_ASKS = (f"^(?!.*(?:{'|'.join(DURATION_NOUNS)})).*多长", "多高", "多深", "多远", "长度", "全长", "高度", "深度", "海拔", "距离",
               r"how (?:long|high|tall|deep|far)\b(?! ago)")
# Words that ask for an area (面积, 占地); not 多大 alone (多大年纪, 多大规模).
AREA_ASKS = ("面积", "占地", r"\bhow (?:large|big) an area\b", r"\bwhat area\b", r"\bsquare (?:metres|meters|kilometres|kilometers)\b")
# Words that ask for a weight (重量, 体重, 有多重); 多重 inside a question (多重身份) means "multiple".
WEIGHT_ASKS = ("重量", "体重", "多重(?=[？?]|$)", r"how heavy\b", r"\bweigh(?:s|ed)?\b")
# The noun, then only words that say "amounts to" (额, 总计, 是, 达到, 了), then the
# amount asked: 总投资是多少, 资助金额合计是多少, 出资多少; not 资金来自几个国家.
_AMOUNTS_TO = "[额总计合共累是为达到约有了]{0,4}"


def _asks_for(nouns: tuple[str, ...]) -> re.Pattern[str]:
    """A question asking how much or how many of one of ``nouns``, in one clause, or
    asking for one by name ("What annual output value had …")."""
    alt = "|".join(map(re.escape, nouns))
    return re.compile(rf"(?:{alt}){_AMOUNTS_TO}(?:多少|几)|多少(?:名|位|个)?(?:{alt})"
                      rf"|how (?:much|many) (?:money(?![a-z])|[^?]*(?<![a-z])(?:{alt}))"
                      rf"|what (?:(?:annual|total|yearly) )?(?:{alt})(?![a-z])", re.I)


_CHINESE_FIGURE = re.compile(r"[〇零一二三四五六七八九十百千两]+")
# After a figure: a percentage or a Latin unit that is no currency or scale (GWh, PFlops, MW).
_LATIN_UNIT = re.compile(
    rf"\s*(?:%|(?!(?:{_MONEY}|{'|'.join(ENGLISH_SCALE_WORDS)})(?![a-z]))[a-z]{{1,8}}(?![a-z]))", re.I)


@dataclass(frozen=True)
class AskedMeasure:
    """A kind of quantity a question asks for by name (money, people, length, area, weight), and
    the units after a figure that give it."""

    name: str
    asks: re.Pattern[str]
    gives: re.Pattern[str]


MEASURES: tuple[AskedMeasure, ...] = (
    AskedMeasure("money", _asks_for(MONEY_NOUNS), _PRICED),
    AskedMeasure("people", _asks_for(PEOPLE_NOUNS), re.compile(
        rf"\s*[多余]?{_MAGNITUDES}\s*(?:人|名|位|户|口|people|persons|residents|inhabitants)", re.I)),
    AskedMeasure("length", re.compile("|".join(LENGTH_ASKS), re.I), re.compile(
        rf"\s*[多余]?{_MAGNITUDES}\s*(?:[公千厘毫海英]?[米尺里]|公分|光年|丈|km|cm|mm|m|feet|ft|metres|meters|miles|kilometres|kilometers)"
        r"(?![a-z])", re.I)),
    AskedMeasure("area", re.compile("|".join(AREA_ASKS), re.I), re.compile(
        rf"\s*[多余]?{_MAGNITUDES}\s*(?:平方[公千]?米|平方公里|平方英[里尺]|公顷|顷|亩|km2|km²|m2|m²|hectares?|acres?|square)"
        r"(?![a-z])", re.I)),
    AskedMeasure("weight", re.compile("|".join(WEIGHT_ASKS), re.I), re.compile(
        rf"\s*[多余]?{_MAGNITUDES}\s*(?:[公千毫]?克|[公市]?斤|吨|[磅镑]|kg|g|t|lbs?|pounds|tons|tonnes)(?![a-z])", re.I)),
)


# After the first figure of a range: a dash or 至/到 and the next figure.
_RANGE_ON = re.compile(r"\s*[-–—~～至到]\s*\d")


def other_measure(answer: str, question: str, evidence: str) -> list[str]:
    """The figures of an answer to a question asking for a kind of quantity by name
    (``MEASURES``: money, people, length, area, weight) when every one of them carries a unit of
    another kind (20GWh or 90% for an investment, 17座 for residents, 1887年 for a
    length) and none of the asked kind or none at all (10亿 may be money); figures
    the question gives are not counted. ``evidence`` is not read: the answer's own
    units decide."""
    asked = compare_form(question)
    kinds = [k for k in MEASURES if k.asks.search(asked)]
    if not kinds:
        return []
    body = compare_form(answer)
    if any(k.gives.match(body, m.end()) for m in _CHINESE_FIGURE.finditer(body) for k in kinds):
        return []  # 四十二米: the asked kind, in Chinese numerals
    # The first figure of a range (46-56厘米) has the unit of the last.
    figures = [m for m in figures_beyond(body, asked) if not _RANGE_ON.match(body, m.end())]
    other = [m.group() for m in figures
             if not any(k.gives.match(body, m.end()) for k in kinds)
             and (_MEASURED.match(body, m.end()) or _LATIN_UNIT.match(body, m.end()))]
    return other if figures and len(other) == len(figures) else []


# A question asking for a share, a rate or a change, which a percentage answers.
_ASKS_SHARE = re.compile(r"占|比例|比重|百分|份额|率|增长|增幅|增速|下降|降低|提高|提升|上升|减少|"
                         r"\b(?:percent|share|proportion|rate|ratio|growth|grow|grew|increase|decrease|rise|rose|fall|fell|"
                         r"drop|improve|boost|reduc)|\bby (?:about |roughly |around )?how much", re.I)
_PERCENT_AFTER = re.compile(r"\s*%")


def share_for_count(answer: str, question: str) -> list[str]:
    """The figures of an answer to a how-many question asking for no share, rate or
    change when every one of them is a percentage: asked how many AI patents were
    granted, the model gives the 64% share of applications. Figures the question
    gives are not counted."""
    asked = compare_form(question)
    if not asks_amount(asked) or _ASKS_SHARE.search(asked):
        return []
    body = compare_form(answer)
    figures = figures_beyond(body, asked)
    shares = [m.group() for m in figures if _PERCENT_AFTER.match(body, m.end())]
    return shares if figures and len(shares) == len(figures) else []


# A question asking for a rank or a place (排名第几, 第几回, what rank), which an ordinal
# answers (第26名, 第四大).
ASKS_RANK = re.compile(r"第几|\bwhat (?:rank|place)\b", re.I)
# An ordinal before a figure: 第3话 names an episode, it counts nothing.
ORDINAL_BEFORE = re.compile(r"第\s*$")


def ordinal_for_count(answer: str, question: str) -> list[str]:
    """The figures of an answer to a how-many question asking for no rank when every
    one of them is an ordinal (第3话, 第31话): asked how many episodes a series had, the
    model copies a line saying which episodes were adapted from what. Figures the
    question gives are not counted."""
    asked = compare_form(question)
    if not asks_amount(asked) or ASKS_RANK.search(asked):
        return []
    body = compare_form(answer)
    figures = figures_beyond(body, asked)
    ordinals = [m.group() for m in figures if ORDINAL_BEFORE.search(body, 0, m.start())]
    return ordinals if figures and len(ordinals) == len(figures) else []


# A question asking how long (几年, 多少天, how many years), which a date part may answer.
_ASKS_DURATION = re.compile(r"[几多少]+(?:个)?[年月天日周]|多久|多长时间|how long|how many (?:years|months|weeks|days)", re.I)
# After a figure: a part of a date (2023年, 3月, 1日), the figure's unit in the answer or the evidence.
_DATE_AFTER = re.compile(r"\s*[年月日号]")


def date_for_count(answer: str, question: str, evidence: str) -> list[str]:
    """The figures of an answer to a how-many question asking for no duration when
    every one of them is a part of a date, in the answer or wherever the evidence
    writes it: asked how many companies were visited, the model gives "3" of
    3月1日. Figures the question gives are not counted."""
    asked = compare_form(question)
    if not asks_amount(asked) or _ASKS_DURATION.search(asked):
        return []
    body, source = compare_form(answer), source_form(evidence)
    if any(not _DATE_AFTER.match(body, m.end()) for m in _CHINESE_FIGURE.finditer(body)):
        return []  # 四十二米, 建于1990年: an amount in Chinese numerals beside the year
    figures = figures_beyond(body, asked)

    def dated(m: re.Match[str]) -> bool:
        if _DATE_AFTER.match(body, m.end()):
            return True
        places = figure_places(m.group(), source)
        return bool(places) and not body[m.end():].strip(" .。[]0123456789") and all(
            _DATE_AFTER.match(source, o.end()) for o in places)

    parts = [m.group() for m in figures if dated(m)]
    return parts if figures and len(parts) == len(figures) else []


# Words that make a figure an average or a rate: 场均18.8分 is no career total.
AVERAGE_WORDS = ("平均", "场均", "人均", "年均", "日均", "月均", "每场", "每年", "每人", "每天", "每日", "每月",
                 "average", "per", "each")
# Characters between the average word and its figure, in one clause (每场平均取得18.8分).
AVERAGE_REACH = 6
_AVERAGE = "|".join(AVERAGE_WORDS)
# How far before a figure its average word may start: the reach plus the longest word.
_AVERAGE_WINDOW = AVERAGE_REACH + max(map(len, AVERAGE_WORDS))
_AVERAGED = re.compile(rf"(?<![a-z])(?:{_AVERAGE})[^，,。；;\d]{{0,{AVERAGE_REACH}}}$", re.I)
_ASKS_AVERAGE = re.compile(rf"(?<![a-z])(?:{_AVERAGE})(?![a-z])", re.I)


def average_for_total(answer: str, question: str, evidence: str) -> list[str]:
    """Figures of ``answer`` that ``evidence`` writes only as an average or a rate
    (每场平均取得18.8分) when the question asks for none (一共拿下了多少分): the
    evidence has the player's average, not the total asked. Figures the question
    gives, or the evidence does not hold, are left to the other checks."""
    asked = compare_form(question)
    if _ASKS_AVERAGE.search(asked):
        return []
    source = source_form(evidence)
    return [figure for figure, places in new_figures(answer, question, source)
            if places and all(_AVERAGED.search(source, max(0, p.start() - _AVERAGE_WINDOW), p.start())
                              for p in places)]
