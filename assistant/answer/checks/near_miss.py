"""Near-miss checks: the entity asked about is in the evidence, what was asked of it is not.

**An amount stated for a group answers nothing about one member.** Documents
often give one figure for several things named together:

- "微软、谷歌和亚马逊等科技巨头已累计在东盟人工智能领域投入超500亿美元" does not say
  how much 微软 invested;
- "我区现有人工智能相关企业2447家" beside "南宁市、柳州市、桂林市…等城市的相关企业数量
  位居全区前6名" does not say how many firms 南宁市 has.

A small model asked about the member copies the group's figure.
``group_figure`` finds the question's key terms that the evidence names only as
an item of a list (``A、B和C``) — in the sentences holding the answer's figure,
or, when those do not name the term at all, everywhere in the evidence —
unless the sentence gives a figure per item (分别, 各). Only amount questions
(多少, 几家, how many) are judged: a date stated for several things
(南宁、柳州等城市于2023年启动) is each one's date.

**A deputy is not the holder of the post.** Asked who leads a delegation
(团长), the model names the person the evidence calls its deputy (副团长).
``deputy_posts`` finds the question's key terms that the evidence writes only
with 副 before them.

**The post asked must be on the line naming the answer.** Asked who the first
dean of a college is (首任院长是谁), the model names the official of another line.
``missing_post`` finds the post a who-question asks about (``asked_post``) when
no evidence line holding the answer names it.

**A count is no sum of money.** Asked for an output value, the model gives
"17.8 million yuan" where the evidence has 1780万只控制器 (controllers): the figure
is there, the money is not. ``unpriced_money`` finds a figure the answer calls
money (元, yuan, US dollars) that the evidence writes only with a measure word
after it (只, 个, 家).

**A quantity asked by name is not answered by another measure.** Asked for a
factory's total investment (总投资是多少), the model gives "20GWh" and "90%", the
capacity and the automation rate of another project; asked how many residents an
estate had, it gives its 17座 (buildings). ``other_measure`` finds an answer to a
question asking for money, people or a length (``MEASURES``) whose figures all
carry a unit of another kind (GWh, %, 座, 年) and none of the asked kind or none
at all (10亿).

**An average is no total.** Asked how many points a player scored in his career
(一共累计拿下了多少分), the model gives "18.8分" from 职业生涯每场平均取得18.8分.
``average_for_total`` finds answer figures that the evidence writes only after
an average word (``AVERAGE_WORDS``: 平均, 场均, 人均, per) when the question
asks for no average.

**A share is no count.** Asked how many AI patents were granted, the model gives
"64%", the share of applications. ``share_for_count`` finds an answer to a
how-many question asking for no share, rate or change whose figures are all
percentages; ``date_for_count`` one whose figures are all parts of a date
(3 of 3月1日).

Any finding turns the answer into a refusal (``ground.is_grounded``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ...ingest.normalize import has_cjk
from ...search.lexical import word_tokens
from ...search.terms import key_terms
from ..forms import (
    MEASURE_WORDS,
    NUMBER_UNIT,
    SENTENCE_END,
    asks_amount,
    compare_form,
    figure_places,
    figures_beyond,
    has_number,
    in_source,
    new_figures,
    source_form,
    supported,
)
from ..language import (
    COUNTERS,
    CURRENCY_NAMES,
    ENGLISH,
    ENGLISH_SCALE_WORDS,
    MAGNITUDE_EXPONENTS,
    question_script,
)
from ..support import evidence_lines, supporting_passages

# The item separator of a Chinese list.
_ENUMERATION_COMMA = "、"
# An item ends at the asked term, or one administrative suffix after it (南宁 in
# 南宁市、); "来自越南、" does not list 来自, nor "发展改革委、" 改革.
_NAME_SUFFIX = "[市省区县州国镇村]?"
_ITEM_END = re.compile(rf"{_NAME_SUFFIX}(?:{_ENUMERATION_COMMA}|和|及|与|以及|等|[,，。;；]|$)")
_BEFORE_SEPARATOR = re.compile(rf"{_NAME_SUFFIX}{_ENUMERATION_COMMA}")
# The last item of a list: "、B和C" ends "和", with no clause break since the last separator.
MAX_ITEM_CHARS = 12
_LAST_ITEM = re.compile(rf"{_ENUMERATION_COMMA}[^,，。;；、]{{1,{MAX_ITEM_CHARS}}}(?:和|及|与|以及)$")
# A sentence giving one figure per item of its list is about each item.
_PER_ITEM = re.compile(r"分别|各自|各有|依次|respectively")
# How a question lists several things itself (it then asks about the group).
_QUESTION_LIST = re.compile(r"[、和与及跟]")


def _is_item(text: str, start: int, end: int) -> bool:
    """Whether ``text[start:end]`` is an item of a list (``A、B和C``): the first item
    is followed by the separator; a later one follows a separator (or "、…和") and
    ends where an item ends (a separator, 和, 等 or a clause break). "以广西为核心、通达
    东盟国家的光缆" lists two clauses, not 通达 as a thing."""
    if _BEFORE_SEPARATOR.match(text, end):
        return True
    after_separator = text[:start].endswith(_ENUMERATION_COMMA) or _LAST_ITEM.search(text[:start]) is not None
    return after_separator and _ITEM_END.match(text, end) is not None


def _only_listed(term: str, sentence: str) -> bool | None:
    """True when every mention of ``term`` in ``sentence`` is a list item of a
    sentence without a per-item figure; False when one is not; None when the
    sentence does not name ``term``."""
    spans = [(m.start(), m.end()) for m in re.finditer(re.escape(term), sentence)]
    if not spans:
        return None
    return all(_is_item(sentence, s, e) for s, e in spans) and not _PER_ITEM.search(sentence)


def _before_figure(sentence: str, figures: list[str]) -> str:
    """``sentence`` up to its first mention of one of ``figures``. A list after the
    figure is what was counted ("举办21届博览会、峰会": 21 of each), not who shares it."""
    found = [m.start() for f in figures for m in re.finditer(rf"(?<![\d.]){re.escape(f)}", sentence)]
    return sentence[:min(found)] if found else sentence


def _listed_by_question(term: str, question: str) -> bool:
    """Whether the question itself names ``term`` beside another thing (微软和谷歌共投入多少)."""
    for m in re.finditer(re.escape(term), question):
        if _QUESTION_LIST.match(question, m.end()) or _QUESTION_LIST.search(question[max(0, m.start() - 1):m.start()]):
            return True
    return False


def group_figure(answer: str, question: str, evidence: str) -> list[str]:
    """Key terms of an amount ``question`` that the ``evidence`` names only as one
    item of a list, where the ``answer``'s figure is the list's: the figure is
    the group's, not the term's. Empty when the answer is about the term, or
    when the question is not an amount question, is English (its key terms are
    English) or the answer adds no figure."""
    if not asks_amount(question) or question_script(question) == ENGLISH:
        return []
    asked = compare_form(question)
    figures = [f for f in NUMBER_UNIT.findall(compare_form(answer)) if not has_number(f, asked)]
    sentences = [s for line in evidence_lines(evidence).values() for s in SENTENCE_END.split(line) if s]
    holding = [s for s in sentences if any(in_source(f, s) for f in figures)]
    if not holding:
        return []
    out = []
    for term in key_terms(question):
        if not has_cjk(term) or len(term) < 2 or _listed_by_question(term, asked):
            continue
        # Each sentence of the figure that names the term, judged up to the figure
        # (a term named only after it is no list member: False).
        beside = [_only_listed(term, _before_figure(s, figures)) is True for s in holding if term in s]
        if not beside:  # the figure's sentences do not name the term: where does the evidence?
            beside = [_only_listed(term, s) is True for s in sentences if term in s]
        if beside and all(beside):
            out.append(term)
    return out


# What makes a post someone else's: 副团长 is the deputy of the 团长.
DEPUTY = "副"


def deputy_posts(question: str, evidence: str) -> list[str]:
    """Key terms of a Chinese ``question`` (团长) that the ``evidence`` names, but
    only as a deputy's post (副团长), while the question does not ask for a deputy."""
    if question_script(question) == ENGLISH:
        return []
    asked = compare_form(question)
    text = "\n".join(evidence_lines(evidence).values())
    out = []
    for term in key_terms(question):
        if not has_cjk(term) or len(term) < 2 or term.startswith(DEPUTY) or DEPUTY + term in asked:
            continue
        starts = [m.start() for m in re.finditer(re.escape(term), text)]
        if starts and all(i > 0 and text[i - 1] == DEPUTY for i in starts):
            out.append(term)
    return out


# A question asking who holds a post (首任院长是谁, 董事长叫什么名字): the post is the
# word before the asking words, when it ends like a post (长, 人, 者, 家, 师 …).
_ASKS_WHO = re.compile(r"([\u3400-\u9fff]{1,8}?)(?:是谁|为谁|叫什么名字|叫什么|是哪一?位|由谁担任)")
POST_ENDINGS = "长人者家师员官席记理演任事统相帅将王帝后监委"


def asked_post(question: str) -> str | None:
    """The post a who-question asks the holder of (院长 in 首任院长是谁), or None."""
    asked = compare_form(question)
    m = _ASKS_WHO.search(asked)
    if m is None:
        return None
    words = word_tokens(asked[: m.end(1)])
    post = words[-1] if words else ""
    return post if len(post) >= 2 and post[-1] in POST_ENDINGS else None


def missing_post(answer: str, question: str, evidence: str) -> str | None:
    """The post a who-question asks about (院长) when no evidence line holding the
    answer names it: asked who the college's first dean is, the model names the
    official of another line (陈刚), which says nothing of a dean."""
    post = asked_post(question)
    if post is None:
        return None
    held = supporting_passages(answer, question, evidence)
    lines = evidence_lines(evidence)
    return post if held and not any(supported(post, lines[n]) for n in held if n in lines) else None


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
# Words that ask for a length (全长, 多深); 多长时间 asks for a duration.
LENGTH_ASKS = ("多长(?!时间)", "多高", "多深", "多远", "长度", "全长", "高度", "深度", "海拔", "距离",
               r"how (?:long|high|tall|deep|far)\b(?! ago)")
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
    """A kind of quantity a question asks for by name (money, people, length, weight), and
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
    AskedMeasure("weight", re.compile("|".join(WEIGHT_ASKS), re.I), re.compile(
        rf"\s*[多余]?{_MAGNITUDES}\s*(?:[公千毫]?克|[公市]?斤|吨|[磅镑]|kg|g|t|lbs?|pounds|tons|tonnes)(?![a-z])", re.I)),
)


def other_measure(answer: str, question: str, evidence: str) -> list[str]:
    """The figures of an answer to a question asking for a kind of quantity by name
    (``MEASURES``: money, people, length, weight) when every one of them carries a unit of
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
    figures = figures_beyond(body, asked)
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
