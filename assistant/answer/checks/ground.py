"""Grounding check: an answer must be copied from the evidence, not recalled.

After the model answers, the answer is held against the evidence block the
model read:

- every number of the answer that the question did not already give must
  occur in the evidence, with the unit character that follows it (``6月`` is
  not supported by ``6日``), a count in Chinese numerals too (``两大部分`` is
  not supported by ``四大部分``); Latin names in a Chinese answer and quoted titles
  likewise (``cite.facts``);
- a Chinese answer's new wording (content words not in the question) must
  mostly occur in the evidence, so an invented organisation name fails;
- the answer must say something the question does not already say (a name it
  gives for one asked must not be the question's own: 海滨大学的首任校长叫海滨);
- an English number word (``two``, ``dozen``) must be written in the
  evidence, in digits or Chinese numerals;
- a date must answer the when-question (``dates``): come from an evidence line
  holding every year the question names (asked about 2024, a figure stated for
  2023 is not an answer), write the year, month or day asked, and, for a birth,
  a founding or an opening, stand beside a word of that event;
- beside a figure, the answer must not restate a measure of the question the
  evidence lacks (授权量 when the evidence gives the 申请量: ``restated_gaps``);
- a how-many question needs an amount in the answer (``lacks_amount``), and not
  the amount of a group the asked thing is one item of (``near_miss``: 微软 in
  "微软、谷歌和亚马逊等…投入超500亿美元");
- a figure the answer calls money (元, yuan) must not be one the evidence counts
  with another measure word (1780万只控制器: ``near_miss``);
- a post the question asks about (团长) must not be one the evidence writes
  only as a deputy's (副团长), and must be on the line naming the answer
  (首任院长 is not on a line about 陈刚: ``near_miss``);
- a percentage does not answer a how-many question that asks for no share,
  nor a part of a date (3 of 3月1日) one that asks for no duration (``near_miss``);
- a figure the evidence gives for the whole world does not answer a question
  about one country (``scope``);
- the evidence lines holding the answer must be about the question: enough of
  its Chinese key terms (not the words that ask, 哪部 or 几颗牙: ``subject_terms``)
  and all its Latin names or codes, and, for an English
  question, every Chinese name it glosses in brackets; lines naming other people,
  and none of those a one-clause question names, are about someone else
  (``support``);
- a name an English answer romanises (Qi Xiangdong) must be the pinyin of
  characters in the Chinese evidence (``romanized``).

An answer that fails becomes a refusal (its ``Answer.hits`` still show what
was found): an invented figure is worse than no answer.
"""

from __future__ import annotations

import re

from ...ingest.normalize import has_cjk, normalize
from ...search.terms import FUNCTION_CHARS
from ..cite import MARKER, facts
from ..evidence.selection import ASKS_PERSON, FIGURE_KINDS, question_kind
from ..forms import (
    CHINESE_COUNT,
    CJK_OR_WORD,
    ENGLISH_FILLER,
    FIGURE,
    ITEM_COUNTERS,
    NUMBER_UNIT,
    as_chinese,
    asks_amount,
    compare_form,
    content_words,
    count_in_source,
    has_number,
    in_source,
    source_form,
    supported,
)
from ..support import (
    MIN_SUBJECT_COVERAGE,
    missing_glosses,
    missing_identifiers,
    subject_coverage,
    unnamed_people,
)
from .dates import event_year, lacks_date_part, year_mismatch
from .measures import (
    ASKS_RANK,
    average_for_total,
    date_for_count,
    ordinal_for_count,
    other_measure,
    share_for_count,
    unpriced_money,
)
from .near_miss import (
    contrary_terms,
    deputy_posts,
    group_figure,
    missing_post,
    missing_superlative,
    unmet_figures,
)
from .romanized import read_in, unread_names
from .scope import wider_scope

# Share of a Chinese answer's new content words that the evidence must contain.
MIN_NEW_WORDING_SUPPORT = 0.5
# Answers adding fewer new content words than this are judged on their facts alone.
MIN_NEW_WORDS = 1
# A place word after the question's own word adds nothing (jieba joins 神圣历中 as 历中
# where the question wrote 神圣历里).
_LOCATIVES = frozenset("中里内上")


def unsupported_facts(answer: str, question: str, evidence: str) -> list[str]:
    """Facts of ``answer`` (not given by the question) that ``evidence`` lacks."""
    body, asked, source = compare_form(answer), compare_form(question), source_form(evidence)
    missing = [f for f in (x.lower() for x in facts(MARKER.sub("", answer)))
               if f not in asked and f not in source and as_chinese(f) not in source
               and not _romanised(f, evidence)]
    for m in NUMBER_UNIT.finditer(body):
        token = m.group(0)
        if (not has_number(token, asked) and not in_source(token, source) and token not in missing
                and not _asked_counter(token, asked, source)):
            missing.append(token)
    for m in CHINESE_COUNT.finditer(body):
        if m.group(0) not in asked and not count_in_source(m.group(1), m.group(2), source):
            missing.append(m.group(0))
    for word in _ENGLISH_NUMBER_WORD.findall(body):
        value = NUMBER_WORDS[word]
        if not has_number(str(value), asked) and word not in asked and not _written(value, source):
            missing.append(word)
    return missing


def _asked_counter(token: str, asked: str, source: str) -> bool:
    """Whether ``token`` (14根) counts with the counter the question asks with (几根) and
    ``source`` writes its number with a counter of single things (14条)."""
    number, unit = token[:-1], token[-1:]
    return (unit in ITEM_COUNTERS and re.search(rf"(?:几|多少){unit}", asked) is not None
            and re.search(rf"(?<![\d.]){re.escape(number)}[{ITEM_COUNTERS}]", source) is not None)


def _romanised(fact: str, evidence: str) -> bool:
    """Whether a Latin ``fact`` is the pinyin of characters of the Chinese ``evidence``
    (Wuhan for 武汉, glossed in a Chinese answer or written in an English one)."""
    return fact.isascii() and fact.isalpha() and has_cjk(evidence) and read_in(fact, evidence)


# English number words a model writes for a count it did not copy ("Two" for 多家).
NUMBER_WORDS: dict[str, int] = {
    "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
    "ten": 10, "eleven": 11, "twelve": 12, "dozen": 12, "twenty": 20, "hundred": 100,
}
_ENGLISH_NUMBER_WORD = re.compile(rf"\b({'|'.join(NUMBER_WORDS)})\b")
# How each of those values is written in Chinese text.
_CHINESE_NUMERALS: dict[int, tuple[str, ...]] = {
    2: ("二", "两"), 3: ("三",), 4: ("四",), 5: ("五",), 6: ("六",), 7: ("七",), 8: ("八",),
    9: ("九",), 10: ("十",), 11: ("十一",), 12: ("十二",), 20: ("二十",), 100: ("百",),
}


def _written(value: int, source: str) -> bool:
    """Whether ``source`` writes ``value`` in digits or in Chinese numerals."""
    return has_number(str(value), source) or any(c in source for c in _CHINESE_NUMERALS[value])



# Restated words shorter than this (规模, 省份) are too general to judge; a measure
# such as 授权量 or 总投资额 is longer.
MIN_MEASURE_CHARS = 3
# Names of the source a question cites (据白皮书, 据陈刚专访): not a measure.
SOURCE_WORDS = frozenset("白皮书 专访 文章 报告 报道 节目 采访 新闻 资料".split())
# Words opened by a demonstrative (这一属, 该工程) point back at what the question is
# about; they name no measure.
REFERRING = ("这", "那", "该", "此")


def restated_gaps(answer: str, question: str, evidence: str) -> list[str]:
    """Words of the question the answer restates beside a figure of its own although
    the evidence lacks them.

    Asked for the 授权量 (grants) when the evidence gives the 申请量
    (applications), the small model writes ``专利授权量累计是1788件``: the figure
    is in the evidence, the measure it is attached to is not. Only answers that
    add a figure (a number the question did not give) to a question asking for
    an amount or a date are judged (elsewhere a figure is incidental).
    """
    if question_kind(question) not in FIGURE_KINDS:
        return []
    asked, body, source = compare_form(question), compare_form(answer), source_form(evidence)
    if not any(not has_number(f, asked) for f in FIGURE.findall(body)):
        return []
    restated = {w for w in content_words(body) if w in asked and len(w) >= MIN_MEASURE_CHARS
                and w not in SOURCE_WORDS and not w.startswith(REFERRING)}
    return sorted(w for w in restated if not supported(w, source))


# A sentence that only talks about the sources ("根据资料[2]和[3]的信息。"): no content.
_META = re.compile(r"(?:^|(?<=[。.!?！？]))\s*(?:根据|依据|参考|参见|详见|见)(?:以上|上述)?资料[^。.!?！？]{0,20}[。.!?！？]?\s*$")


def drop_meta(answer: str) -> str:
    """The answer without a trailing sentence that only points at the sources."""
    return _META.sub("", answer).strip()




def new_wording_support(answer: str, question: str, evidence: str) -> float | None:
    """Share of the answer's new Chinese words (not in the question, nor a question word
    with a place word after it: 历中) found in ``evidence``.

    ``None`` when the answer adds fewer than ``MIN_NEW_WORDS`` such words (its
    numbers and names are still checked by :func:`unsupported_facts`).
    """
    asked, source = compare_form(question), source_form(evidence)
    new = {w for w in content_words(compare_form(answer))
           if w not in asked and not (w[-1] in _LOCATIVES and w[:-1] in asked)}
    if len(new) < MIN_NEW_WORDS:
        return None
    return sum(1 for w in new if supported(w, source)) / len(new)


# A pointer to a figure or table of the source ("(see Figure 3)", "（见图3）"): no content.
_FIGURE_POINTER = re.compile(r"[(（]\s*(?:see\s+(?:figure|fig\.|table)|见[图表])\s*\d+\s*[)）]", re.I)


def _forms(word: str) -> set[str]:
    """An English word and its likely bare forms (uses → use, cities → city, used → use);
    a Chinese character or a number as is."""
    out = {word}
    if word.isalpha() and len(word) > 3:
        for suffix, repl in (("ies", "y"), ("es", ""), ("s", ""), ("ed", ""), ("ed", "e"),
                             ("ing", ""), ("ing", "e")):
            if word.endswith(suffix):
                out.add(word[: -len(suffix)] + repl)
    return out


_CJK_RUN = re.compile(r"[\u3400-\u9fff]+")


def _new_pair(answer: str, question: str) -> bool:
    """Whether ``answer`` joins two content characters the question never writes side
    by side: 银汉鱼科 for 凡氏下银汉鱼是什么科, 广西人工智能产业发展白皮书 for 哪份人工智能白皮书."""
    for run in _CJK_RUN.findall(answer):
        for i in range(len(run) - 1):
            pair = run[i:i + 2]
            if pair not in question and not FUNCTION_CHARS.intersection(pair):
                return True
    return False


# A question that asks for a person (``ASKS_PERSON``) or a name, and the titles that
# name no one ("首任校长叫爵士" answers no 首任校长叫什么名字).
_ASKS_NAME = re.compile(rf"{ASKS_PERSON.pattern}|名字|叫什么|\bname\b", re.I)
_HONORIFIC = re.compile(r"爵士|先生|女士|小姐|教授|博士|院士|夫人|阁下|\b(?:sir|dr|mr|mrs|ms|prof)\b\.?", re.I)


def adds_nothing(answer: str, question: str) -> bool:
    """True when the answer only repeats the question: no character or word is new
    (English words compared in their bare forms, filler words and figure pointers
    ignored: "Guangxi AI College uses a mentoring system" answers no "What
    mentoring system does Guangxi AI College use?"; function characters such as
    和 ignored: "记者有[1]和[2]" names no one; a title alone answers no question
    asking for a name), and no two content characters are joined that the question
    keeps apart (``_new_pair``)."""
    body = compare_form(_FIGURE_POINTER.sub("", answer))
    if _ASKS_NAME.search(question):
        body = _HONORIFIC.sub(" ", body)
    units = [u for u in CJK_OR_WORD.findall(body) if u not in ENGLISH_FILLER and u not in FUNCTION_CHARS]
    asked_text = compare_form(question)
    if _ASKS_NAME.search(question) and _named_as_asked(body, asked_text):
        return True
    asked = {f for u in CJK_OR_WORD.findall(asked_text) for f in _forms(u)}
    return all(_forms(u) & asked for u in units) and not _new_pair(body, asked_text)


# The name a Chinese answer gives after its last naming word: "…首任校长叫福林德斯" → 福林德斯.
_GIVEN_NAME = re.compile(r"(?:叫|是|为|名为)([\u3400-\u9fff·]{2,})[。.！!]?$")


def _named_as_asked(body: str, asked: str) -> bool:
    """Whether an answer to a question asking for a name gives, as the name, words of the
    question: "福林德斯大学的首任校长叫福林德斯" names the university, not its president
    (``_new_pair`` sees 叫福, which the question does not write, and lets it pass)."""
    m = _GIVEN_NAME.search(first_line(body))
    return m is not None and m.group(1) in asked


# Any way of writing an amount: digits, Chinese numerals, English number and quantity words.
_AMOUNT = re.compile(r"\d+|[一二三四五六七八九十百千万亿两半萬億兩]|\b(?:"
                     + "|".join(NUMBER_WORDS) + r"|one|half|several|dozens|hundreds|thousands|millions|"
                     r"billions|none|no)\b", re.I)


# "One of" names a member of a group, not an amount: "…最多的省份之一" answers no 排名第几.
_ONE_OF = re.compile(r"之一|\bone of\b", re.I)


def lacks_amount(answer: str, question: str) -> bool:
    """True when ``question`` asks how many, how much or which rank and ``answer`` adds
    no amount to what the question says (``2024年一季度…人才供给数量呈现持续增长趋势`` answers
    no 2024年一季度…多少: its 2024 and 一 are the question's; the 一 of 之一 is no
    amount either)."""
    if not (asks_amount(question) or ASKS_RANK.search(question)):
        return False
    asked = set(CJK_OR_WORD.findall(compare_form(question)))
    body = _ONE_OF.sub(" ", compare_form(answer))
    new = [u for u in CJK_OR_WORD.findall(body) if u not in asked]
    return not any(_AMOUNT.fullmatch(u) or u[0].isdigit() for u in new)


# The longest name a two-step answer carries from its first step into its second
# (``steps.decompose``); longer answers are sentences, the model restating the question.
MAX_NAME_CHARS = 24


def first_line(answer: str) -> str:
    """The first line of ``answer`` without citation markers or end punctuation: the
    name a short answer gives ("深圳[1]。" → 深圳)."""
    lines = answer.strip().splitlines()
    return MARKER.sub("", lines[0] if lines else "").strip(" 。.，,")


def written_name(answer: str, question: str, evidence: str) -> bool:
    """Whether ``answer`` is only a name the ``evidence`` writes and the ``question``
    does not (markers and end punctuation aside, in any script): what a lookup step
    accepts when the checks of a whole answer reject it (``steps.plan.AnswerOne``),
    as "深圳" for "…有一家属于具身智能领域，其名称里标明了所在城市，这座城市是哪座城市？" over
    "…具身智能领域的智平方(深圳)科技有限公司…", whose question words the line only partly
    holds. A name the question writes finds nothing ("排在阿里巴巴之后的哪家企业？" →
    阿里巴巴)."""
    name = normalize(first_line(answer))
    return 0 < len(name) <= MAX_NAME_CHARS and name in normalize(evidence) and name not in normalize(question)


def is_grounded(answer: str, question: str, evidence: str) -> bool:
    """Whether ``answer`` is supported by ``evidence`` and answers more than it was asked."""
    if (adds_nothing(answer, question) or lacks_amount(answer, question) or lacks_date_part(answer, question)
            or unsupported_facts(answer, question, evidence)
            or year_mismatch(answer, question, evidence)
            or restated_gaps(answer, question, evidence) or group_figure(answer, question, evidence)
            or unpriced_money(answer, question, evidence)
            or other_measure(answer, question, evidence) or average_for_total(answer, question, evidence)
            or event_year(answer, question, evidence) or share_for_count(answer, question)
            or ordinal_for_count(answer, question)
            or date_for_count(answer, question, evidence) or wider_scope(answer, question, evidence)):
        return False
    if (missing_identifiers(answer, question, evidence) or missing_glosses(answer, question, evidence)
            or unread_names(answer, question, evidence) or unnamed_people(answer, question, evidence)
            or deputy_posts(question, evidence) or missing_post(answer, question, evidence)
            or unmet_figures(answer, question, evidence) or contrary_terms(answer, question, evidence)
            or missing_superlative(answer, question, evidence)):
        return False
    subject = subject_coverage(answer, question, evidence)
    if subject is not None and subject < MIN_SUBJECT_COVERAGE:
        return False
    if has_cjk(answer) and has_cjk(evidence):
        share = new_wording_support(answer, question, evidence)
        return share is None or share >= MIN_NEW_WORDING_SUPPORT
    return True
