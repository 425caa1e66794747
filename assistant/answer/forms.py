"""How answers and evidence are compared: one normal form for both, and the
helpers every answer check uses to find a number, a word or a name in the evidence.

- ``compare_form``: normalised, lower-cased, thousands separators and citation
  markers removed;
- ``source_form``: evidence in that form, plus its character-only simplified
  form (traditional evidence is matched by either conversion);
- numbers keep the unit character written after them (``4个`` is not the ``4``
  of ``4月``) and small counts match Chinese numerals (``10项`` ↔ ``十项``);
- Chinese content words are jieba words without filler (``根据``, ``的``).
"""

from __future__ import annotations

import re

from ..ingest.normalize import convert, has_cjk
from ..search.lexical import STOPWORDS, search_tokens, word_tokens
from .cite import MARKER, fact_form

# A comparison unit: a number with the character after it (4个 is not the 4 of 4月), a
# Chinese character, or an English word.
CJK_OR_WORD = re.compile(r"\d+(?:\.\d+)?[\u3400-\u9fff]?|[\u3400-\u9fff]|[a-z0-9]+")
# Measure words written after a figure, longest first (平方公里 before 公里 before 米).
MEASURE_WORDS = (
    "平方公里", "平方米", "公顷", "公里", "千米", "厘米", "毫米", "米", "公斤", "千克", "克", "吨", "美元", "元",
    "个", "家", "项", "名", "人次", "人", "次", "年", "月", "日", "天", "小时", "分钟", "秒", "座", "所", "件",
    "份", "条", "种", "位", "倍", "届", "场", "部", "本", "首", "只", "台", "辆", "架", "艘", "张", "篇", "户",
    "亩", "岁")
# A year named by a question (2024年, "in 2024").
YEAR = re.compile(r"(?<!\d)(?:19|20)\d{2}(?!\d)")
# A question asking for a count or an amount, a length or a duration (多深, 多久; 哪几家
# asks for names, so it is left out).
ASKS_AMOUNT = re.compile(r"多少|(?<!哪)几[个家届项条名位次年倍种所座件]|多[深高长远久宽厚]|\bhow (?:many|much)\b|"
                         r"\bwhat (?:share|percentage|proportion)\b", re.I)
# A question word asking for something else than an amount (哪份, 什么, 谁, which).
_OTHER_FOCUS = re.compile(r"哪(?!几)[份个家位所项条种年月天些部]|什么|谁|\b(?:which|who)\b", re.I)


def asks_amount(question: str) -> bool:
    """Whether ``question`` asks how many or how much (``ASKS_AMOUNT``). An amount
    word followed by another question word only describes what is asked: 与另外几个
    部委联合发布了哪份管理办法 asks which regulation, not how many ministries."""
    found = list(ASKS_AMOUNT.finditer(question))
    return bool(found) and not _OTHER_FOCUS.search(question, found[-1].end())


# A number with the unit character written right after it (16家, 6月, 100亿).
NUMBER_UNIT = re.compile(r"\d+(?:\.\d+)?(?:%|[\u3400-\u9fff])?")


def compare_form(text: str) -> str:
    """``text`` as answers and questions are compared: citation markers removed, then
    ``cite.fact_form`` (normalised, lower-cased, no thousands separators)."""
    return fact_form(MARKER.sub("", text))


def source_form(evidence: str) -> str:
    """``evidence`` as answers are held against it: the search form, then the
    character-only simplified form. The search form also rewrites Taiwan
    phrasing (高階 → 高端) that an answer converted character by character
    keeps (高阶), so both forms are searched."""
    return compare_form(evidence) + "\n" + compare_form(convert(evidence, "t2s"))


# A figure: any number, decimals included.
FIGURE = re.compile(r"(?<![\d.])\d+(?:\.\d+)?")


def figure_places(figure: str, text: str) -> list[re.Match[str]]:
    """Where ``text`` writes the number ``figure`` whole (16 not inside 160 or 1.6)."""
    return list(re.finditer(rf"(?<![\d.]){re.escape(figure)}(?![\d.])", text))


# Where a sentence ends in ``compare_form`` text (full-width marks are normalised).
SENTENCE_END = re.compile(r"[。!?;！？；\n]")


def sentence_at(text: str, at: int) -> tuple[int, str]:
    """The start and the text of the sentence of ``text`` holding position ``at``."""
    start = max((m.end() for m in SENTENCE_END.finditer(text, 0, at)), default=0)
    end = SENTENCE_END.search(text, at)
    return start, text[start: end.start() if end else len(text)]


def figures_beyond(body: str, asked: str) -> list[re.Match[str]]:
    """The figures of ``body`` that ``asked`` does not give (both in ``compare_form``)."""
    return [m for m in FIGURE.finditer(body) if not has_number(m.group(), asked)]


def new_figures(answer: str, question: str, source: str) -> list[tuple[str, list[re.Match[str]]]]:
    """Each figure ``answer`` gives that ``question`` does not, with where ``source``
    (``source_form``) writes it (``figure_places``; empty when it does not)."""
    return [(m.group(), figure_places(m.group(), source))
            for m in figures_beyond(compare_form(answer), compare_form(question))]


def has_number(token: str, text: str) -> bool:
    """``token`` (a number, with or without its unit) occurs in ``text`` as a whole
    number: 3家 is not in 13家, and a bare 16 is not in 160 or 16.5."""
    end = r"(?!\.?\d)" if token[-1:].isdigit() else ""
    return re.search(rf"(?<![\d.]){re.escape(token)}{end}", text) is not None


_CHINESE_DIGITS = "零一二三四五六七八九"
MAX_CHINESE_NUMERAL = 99  # the model writes 10项 for the source's 十项; larger counts stay in digits


def as_chinese(token: str) -> str:
    """``token`` with a leading whole number up to ``MAX_CHINESE_NUMERAL`` written in
    Chinese numerals (``10项`` → ``十项``, ``25`` → ``二十五``); else ``token`` itself."""
    m = re.match(r"\d+(?!\.\d)", token)
    if m is None or int(m.group(0)) > MAX_CHINESE_NUMERAL or int(m.group(0)) == 0:
        return token
    tens, ones = divmod(int(m.group(0)), 10)
    numeral = ((_CHINESE_DIGITS[tens] if tens > 1 else "") + "十" if tens else "") + (
        _CHINESE_DIGITS[ones] if ones else "")
    return numeral + token[m.end():]


# Unit characters that mean the same after a count: 一旬13日 is 13天.
UNIT_SYNONYMS = {"天": "日", "日": "天"}
# Counters of single things: a count asked with one of them (几根羽毛) may be written
# with another (14条尾羽); ``checks.ground.unsupported_facts`` accepts it then.
ITEM_COUNTERS = "个条根只支枚头匹张把颗粒株棵尾"


def in_source(token: str, source: str) -> bool:
    """A number with its unit occurs in ``source``, in digits or Chinese numerals,
    its unit as written or as its synonym (``UNIT_SYNONYMS``)."""
    unit = token[-1:]
    forms = [token] + ([token[:-1] + UNIT_SYNONYMS[unit]] if unit in UNIT_SYNONYMS else [])
    for form in forms:
        chinese = as_chinese(form)
        if has_number(form, source) or (chinese != form and chinese in source):
            return True
    return False


# A count in Chinese numerals up to 99 with its measure word (两大部分, 三个, 二十家); a
# lone 一 is left out (一个判断, 一批企业 count nothing), and so are dates (十月, 二月).
_COUNT_NUMERAL = "(?:[一二两三四五六七八九]?十[一二三四五六七八九]?|[二两三四五六七八九])"
_COUNTED = "|".join(w for w in MEASURE_WORDS if w not in ("年", "月", "日", "天"))
CHINESE_COUNT = re.compile(rf"(?<![〇零一二两三四五六七八九十百千万亿])({_COUNT_NUMERAL})((?:[大个]?部分)|{_COUNTED})")
# How a count of parts may be written: 四部分, 四个部分, 四大部分.
_PARTS = ("部分", "个部分", "大部分")


def chinese_value(numeral: str) -> int:
    """The value of a ``CHINESE_COUNT`` numeral (两 → 2, 二十五 → 25, 十 → 10)."""
    digits = {c: i for i, c in enumerate(_CHINESE_DIGITS)} | {"两": 2}
    if "十" not in numeral:
        return digits[numeral]
    tens, _, ones = numeral.partition("十")
    return (digits[tens] if tens else 1) * 10 + (digits[ones] if ones else 0)


def count_in_source(numeral: str, unit: str, source: str) -> bool:
    """A Chinese-numeral count (``numeral`` + ``unit``) occurs in ``source``, in
    either numeral for 2 (两, 二) or in digits (两大部分 ↔ 2大部分), parts counted
    with or without 大 or 个."""
    value = chinese_value(numeral)
    spellings = {numeral, numeral.replace("两", "二"), numeral.replace("二", "两")}
    units = _PARTS if unit in _PARTS else (unit,)
    return any(n + u in source or has_number(f"{value}{u}", source) for n in spellings for u in units)


# Words an answer adds around its content that no passage needs to contain.
FILLER_WORDS = frozenset("根据 依据 资料 文中 报道 提到 提及 介绍 显示 指出 表示 称 据 约 为 是 在 了 的 和 与 及 由 被 已 于 其 该 这 那 有 个 其中 分别 以及 包括 主要 首次".split())


def content_words(text: str) -> set[str]:
    """Chinese words (2+ characters) of normalised ``text`` that carry content."""
    return {w for w in word_tokens(text) if has_cjk(w) and len(w) >= 2 and w not in FILLER_WORDS
            and w not in STOPWORDS}


# One-character verbs jieba glues to the name after them (叫泽鹿: "is called 泽鹿").
GLUED_VERBS = frozenset("叫是为称名在有")


def supported(word: str, source: str) -> bool:
    """``word`` occurs in ``source``, or every sub-word of a long word does
    (广西信息中心 supports 广西壮族自治区信息中心 only if 壮族 … occur too)."""
    if word in source or (len(word) > 2 and word[0] in GLUED_VERBS and word[1:] in source):
        return True
    parts = [p for p in search_tokens(word) if len(p) >= 2 and p != word]
    return bool(parts) and all(p in source for p in parts)


# English words an answer may add around a restated question without saying anything.
ENGLISH_FILLER = frozenset(
    "a an the is are was were be been it its this that these those of in on at by to for with "
    "and or as has have had does did do there their they which who what see figure according".split())
