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

**The post or the deed asked must be on the line naming the answer.** Asked who
the first dean of a college is (首任院长是谁), the model names the official of
another line; asked who directed a film (由谁执导), it names the actress of a line
that says who starred; asked who composed a song (由谁作曲), the person the line
says conceived the album's name. ``missing_post`` finds the post a who-question
asks about (``asked_post``) or the deed it asks the doer of (``asked_deed``) when
no evidence line holding the answer names it.

**A condition the question sets must be met on the line.** Asked the share of firms
registered with 1亿元 or more, the model gives the share of the line about
8000万（含）以上 (``unmet_figures``); asked who won the gold, the team of a line saying
it took the silver, or asked the share of imports, the line's export share
(``contrary_terms``, over the groups of ``CONTRARY_WORDS``).

The checks that the figure is of the kind asked (money, people, a length, an area,
a weight, a total, a count) are in ``measures``. Any finding turns the answer into a refusal
(``ground.is_grounded``).
"""

from __future__ import annotations

import re

from jieba import posseg

from ...ingest.normalize import has_cjk
from ...search.lexical import word_tokens
from ...search.terms import key_terms
from ..forms import (
    MEASURE_WORDS,
    NUMBER_UNIT,
    SENTENCE_END,
    asks_amount,
    compare_form,
    has_number,
    in_source,
    source_form,
    supported,
)
from ..language import (
    COUNTERS,
    CURRENCY_NAMES,
    ENGLISH,
    MAGNITUDE_EXPONENTS,
    QUOTED_TEXT,
    question_script,
)
from ..support import (
    CLAUSE_BREAK,
    GLOSSED_NAME,
    asked_sentence,
    evidence_lines,
    holding_text,
    supporting_passages,
)
from .measures import ORDINAL_BEFORE

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
    when the question is not an amount question or the answer adds no figure.
    An English question's terms are the Chinese names it glosses ("…built for the
    university (桂林电子科技大学) alone?": jieba would cut the name into words,
    none of them a list item)."""
    if not asks_amount(question):
        return []
    asked = compare_form(question)
    figures = [f for f in NUMBER_UNIT.findall(compare_form(answer)) if not has_number(f, asked)]
    sentences = [s for line in evidence_lines(evidence).values() for s in SENTENCE_END.split(line) if s]
    holding = [s for s in sentences if any(in_source(f, s) for f in figures)]
    if not holding:
        return []
    out = []
    terms = GLOSSED_NAME.findall(question) if question_script(question) == ENGLISH else key_terms(question)
    for term in terms:
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
POST_ENDINGS = "长人者家师员官席记理演任事统相帅将王帝后监委制曲词剧"


def asked_post(question: str) -> str | None:
    """The post a who-question asks the holder of (院长 in 首任院长是谁), or None."""
    asked = compare_form(question)
    m = _ASKS_WHO.search(asked)
    if m is None:
        return None
    words = word_tokens(asked[: m.end(1)])
    post = words[-1] if words else ""
    return post if len(post) >= 2 and post[-1] in POST_ENDINGS else None


# A question asking who did something (由谁执导, 被谁收购, 由哪位古生物学家命名): the
# deed is the clause after the asking words, up to 的 / 了 / 过.
_BY_WHOM = re.compile(r"[由被](?:谁|何人|哪一?(?:位|个人|名))")
_CLAUSE_WORD = re.compile(r"[\u3400-\u9fff]+")
_CLAUSE_END = frozenset("的了过")


def asked_deed(question: str) -> str | None:
    """The deed a who-question asks the doer of (执导 in 由谁执导的, 命名 in
    由哪位古生物学家命名的, 继承 in 由谁继承了王位): the first verb of the clause after
    the asking words, else its last word (jieba tags 作曲 and 命名 as nouns); None
    when the question does not ask so or the deed is one character."""
    asked = compare_form(question)
    m = _BY_WHOM.search(asked)
    if m is None:
        return None
    words: list[tuple[str, str]] = []
    for word, tag in posseg.lcut(asked[m.end():]):
        if not _CLAUSE_WORD.fullmatch(word) or word in _CLAUSE_END:
            break
        words.append((word, tag))
    verbs = [w for w, tag in words if tag.startswith("v") and len(w) >= 2]
    deed = verbs[0] if verbs else words[-1][0] if words else ""
    return deed if len(deed) >= 2 else None


def missing_post(answer: str, question: str, evidence: str) -> str | None:
    """The post a who-question asks about (院长) or the deed it asks the doer of
    (执导) when no evidence line holding the answer names it: asked who the
    college's first dean is, the model names the official of another line (陈刚),
    which says nothing of a dean. Both are matched as written (``supported``): a
    line writing 导演 for 执导 is no support (on the tune sets no answer was lost
    so; crediting shared characters let 曲目 support 作曲: eval/RESULTS.md, eleventh
    session)."""
    post = asked_post(question) or asked_deed(question)
    if post is None:
        return None
    held = supporting_passages(answer, question, evidence)
    lines = evidence_lines(evidence)
    return post if held and not any(supported(post, lines[n]) for n in held if n in lines) else None


# What makes a question's number a figure (1亿, 50公里, 30%, 10万元): a magnitude, a
# measure word or counter, a currency, a percent sign; a number inside a name (沃夫424距离…)
# is none. The parts of a date (年 月 日 号) are left to the date checks (``dates``), and
# an ordinal (第22届) names a thing rather than a condition.
_FIGURE_UNITS = frozenset({*MAGNITUDE_EXPONENTS, "%", *(w[0] for w in (*MEASURE_WORDS, *COUNTERS, *CURRENCY_NAMES)
                                                        if has_cjk(w[0]))}) - frozenset("年月日号")


def unmet_figures(answer: str, question: str, evidence: str) -> list[str]:
    """The figures a Chinese question sets as a condition in the clause that asks (a
    number with its unit or magnitude: 注册资本在1亿元以上的企业占比是多少) that the
    evidence lines holding the answer (all the evidence when none holds it) do not
    write: asked the share of firms
    registered with 1亿元 or more, the model gives the share of the line about
    8000万（含）以上. A figure of an earlier clause describes what is asked about
    (建成12条国际陆地光缆的中国—东盟信息港，…落地了什么), often from another document.
    English questions are left out (their figures are written in other magnitudes
    than the Chinese evidence: 80 million yuan, 8000万)."""
    if question_script(question) == ENGLISH:
        return []
    asked = CLAUSE_BREAK.split(compare_form(asked_sentence(question)).rstrip("?？ "))[-1]
    source = holding_text(answer, question, evidence) or source_form(evidence)
    out = []
    for m in NUMBER_UNIT.finditer(asked):
        token = m.group()
        if token[-1] not in _FIGURE_UNITS or ORDINAL_BEFORE.search(asked, 0, m.start()):
            continue
        if not in_source(token, source):
            out.append(token)
    return out


# Words that name one of a few mutually exclusive things (a medal, a placing, a trade
# direction, a half of the year): a line writing one answers nothing about the others.
# Each group lists the words of one thing (进口 and 入口 are both imports). The
# extremes (最高, 最低) are judged by ``missing_superlative``.
CONTRARY_WORDS: tuple[tuple[tuple[str, ...], ...], ...] = (
    (("金牌", "金奖"), ("银牌", "银奖"), ("铜牌", "铜奖")),
    (("冠军",), ("亚军",), ("季军",)),
    (("出口",), ("进口", "入口")),
    (("上半年",), ("下半年",)),
)


def contrary_terms(answer: str, question: str, evidence: str) -> list[str]:
    """The words of ``CONTRARY_WORDS`` the question asks with (金牌 in 金牌由哪支球队获得)
    that no evidence line holding the answer writes, when those lines write another
    word of the same group instead: asked who won the gold, the model names the team
    of a line saying it took the silver (银牌); asked the share of imports from a
    country, it gives the line's export share."""
    asked = compare_form(asked_sentence(question))
    holding = holding_text(answer, question, evidence)
    if not holding:
        return []
    out = []
    for group in CONTRARY_WORDS:
        for i, words in enumerate(group):
            asked_words = [w for w in words if w in asked]
            if not asked_words or any(w in holding for w in words):
                continue
            if any(w in holding for j, other in enumerate(group) if j != i for w in other):
                out.append(asked_words[0])
    return out


# A superlative a question asks with (次数最多, 面积最大, 最早): 最 and the character after
# it; not a limit of what can be (最大能长到, 最远可以到达: the line writes 可达), nor a
# word of time or order (最后提到的, 最初, 最终, 最近, 最新).
_SUPERLATIVE = re.compile(r"最(?![后初终近新])[\u3400-\u9fff](?![能可会])")


def missing_superlative(answer: str, question: str, evidence: str) -> list[str]:
    """The superlatives of the asking sentence (次数最多; not in a title it quotes,
    《最游记》) that no evidence line holding the answer writes: asked which star was on
    the magazine's cover most often, the model names the first one (首位登上封面的明星)."""
    asked = compare_form(QUOTED_TEXT.sub("", asked_sentence(question)))
    holding = holding_text(answer, question, evidence)
    if not holding:
        return []
    return [m.group() for m in _SUPERLATIVE.finditer(asked) if m.group() not in holding]
