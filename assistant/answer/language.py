"""Put a short extracted answer into the user's script and language.

The small generator copies an answer out of a passage in the passage's script
(a traditional passage gives ``100億元人民幣`` to a simplified question) and,
asked in English, leaves Chinese magnitudes such as ``100亿元`` untranslated or
gets them wrong (``100 billion``). Code does both jobs instead:

* :func:`question_script` reads the script of the question;
* :func:`to_script` converts an answer, or one streamed piece of it, into that
  script (characters only: the source's wording is kept);
* :func:`english_magnitudes` writes the Chinese magnitudes of an English answer
  in English and keeps the original in parentheses;
* :func:`localize_answer` applies the right one for a question; it is idempotent.

Nothing here touches citation markers (``[1]``), digits or Latin text.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from decimal import Decimal
from typing import Final, Literal

from ..ingest.normalize import convert, has_cjk, to_halfwidth
from .forms import has_number
from .gloss import english_dates, english_names

QuestionScript = Literal["zh-Hans", "zh-Hant", "en"]

SIMPLIFIED: Final[QuestionScript] = "zh-Hans"
TRADITIONAL: Final[QuestionScript] = "zh-Hant"
ENGLISH: Final[QuestionScript] = "en"
MIN_ENGLISH_WORDS = 3  # an English question around Chinese glosses has at least this many words


# --------------------------------------------------------------------------- script




# Titles and quotations inside a question are often pasted from a source in the
# source's script; the script of the question is that of the words around them.
_QUOTED = re.compile(r"《[^》]*》|「[^」]*」|『[^』]*』|“[^”]*”")
# What a question quotes or titles, straight double quotes included: its pointing words
# and commas are the quotation's (steps.decompose), and a name in it names no person the
# question asks about (support.unnamed_people). Script detection keeps ``_QUOTED``: an
# English question's "quoted words" are English.
QUOTED_TEXT = re.compile(r"“[^”]*”|「[^」]*」|《[^》]*》|\"[^\"]*\"")


def _changed_chars(text: str, converted: str) -> int:
    """How many characters a conversion changed.

    OpenCC's t2s/s2t tables map every entry to one of the same length, so the
    two strings align position by position; should a conversion ever change the
    length, any change counts as one.
    """
    if len(text) != len(converted):
        return int(text != converted)
    return sum(1 for a, b in zip(text, converted, strict=True) if a != b)


def _script_votes(text: str) -> tuple[int, int]:
    """``(traditional, simplified)``: characters only the one or only the other script writes so.

    A character t2s changes is written only in traditional, one s2t changes
    only in simplified; characters both scripts share count for neither.
    """
    return (
        _changed_chars(text, convert(text, "t2s")),
        _changed_chars(text, convert(text, "s2t")),
    )


# Chinese written inside brackets or quotes of an English question: a gloss (Qi An Xin (奇安信)).
_GLOSS = re.compile(r"\([^()]*\)|（[^（）]*）|'[^']*'|\"[^\"]*\"")


def _english_with_glosses(question: str) -> bool:
    """True for an English question whose Chinese is only glosses in brackets or quotes
    ("… the 'One-Click Tour Guangxi' (一键游广西) platform …")."""
    rest = _QUOTED.sub("", _GLOSS.sub("", question))
    return not has_cjk(rest) and len(re.findall(r"[A-Za-z]+", rest)) >= MIN_ENGLISH_WORDS


def question_script(question: str) -> QuestionScript:
    """The script the answer to ``question`` should be written in.

    ``"en"`` when the question has no CJK ideograph outside glosses in brackets
    or quotes (an English question naming 奇安信). Otherwise ``"zh-Hant"`` when
    traditional→simplified conversion (OpenCC t2s) changes the question — and
    changes at least as many characters as simplified→traditional does, so one
    stray traditional character in a simplified question does not flip it —
    else ``"zh-Hans"``. Text inside 《》「」『』“” is left out of the count
    unless the rest is script-neutral. Script-neutral questions (``多少？``)
    count as simplified.
    """
    if not has_cjk(question) or _english_with_glosses(question):
        return ENGLISH
    traditional, simplified = _script_votes(_QUOTED.sub("", question))
    if not traditional and not simplified:
        traditional, simplified = _script_votes(question)
    return TRADITIONAL if traditional and traditional >= simplified else SIMPLIFIED


def to_script(text: str, script: QuestionScript) -> str:
    """Convert the Chinese characters of ``text`` into ``script``.

    ``"zh-Hans"``: traditional → simplified (OpenCC t2s: ``100億元人民幣`` →
    ``100亿元人民币``; Taiwan wording such as 人工智慧 is kept). ``"zh-Hant"``:
    simplified → traditional (OpenCC s2t). ``"en"``: unchanged. Markers, digits
    and Latin text are never touched (the OpenCC tables hold only CJK entries).
    """
    if script == ENGLISH or not has_cjk(text):
        return text
    return convert(text, "t2s" if script == SIMPLIFIED else "s2t")


# --------------------------------------------------------------------------- magnitudes

# Powers of ten of the magnitude characters; 万亿 multiplies (10^4 · 10^8 = 10^12)
# and so do 千万 and 百万. 兆 is left alone: 10^12 in Taiwan, 10^6 in 兆瓦/兆字节.
MAGNITUDE_EXPONENTS: Final[dict[str, int]] = {
    "十": 1, "百": 2, "千": 3, "万": 4, "萬": 4, "亿": 8, "億": 8,
}
_TEN_THOUSAND_EXPONENT: Final = MAGNITUDE_EXPONENTS["万"]

# English scales, largest first, as powers of ten. "thousand" is never used:
# values under a million are written in full (23,000).
_ENGLISH_SCALES: Final[tuple[tuple[int, str], ...]] = (
    (12, "trillion"),
    (9, "billion"),
    (6, "million"),
)
# Every English scale word a figure may carry ("10 billion"), as units are told apart.
ENGLISH_SCALE_WORDS: Final = (*(w for _, w in _ENGLISH_SCALES), "thousand")

_CURRENCIES: Final[dict[str, str]] = {
    "元": "yuan",
    "人民币": "yuan",
    "人民幣": "yuan",
    "元人民币": "yuan",
    "元人民幣": "yuan",
    "美元": "US dollars",
    "美金": "US dollars",
    "港元": "Hong Kong dollars",
    "港币": "Hong Kong dollars",
    "港幣": "Hong Kong dollars",
    "欧元": "euros",
    "歐元": "euros",
    "日元": "Japanese yen",
    "英镑": "pounds sterling",
    "英鎊": "pounds sterling",
    "新台币": "New Taiwan dollars",
    "新臺幣": "New Taiwan dollars",
    "新台幣": "New Taiwan dollars",
}
# A currency named before the number (人民币100亿元) decides what its 元 means.
_LEAD_CURRENCIES: Final = tuple(c for c in _CURRENCIES if not c.startswith("元"))
# Every way an answer or its evidence names a currency, Chinese or English, longest first.
CURRENCY_NAMES: Final = tuple(sorted(
    {*_CURRENCIES, *(v.lower() for v in _CURRENCIES.values()), "rmb", "renminbi", "usd", "dollars", "dollar"},
    key=len, reverse=True))

# Counters and measure words kept in the parenthesised original, dropped from the English.
COUNTERS: Final[tuple[str, ...]] = (
    "人次", "人", "家", "名", "位", "个", "個", "户", "戶", "项", "項", "件", "台", "臺",
    "辆", "輛", "套", "所", "座", "间", "間", "张", "張", "份", "篇", "部", "册", "冊",
    "次", "股", "字", "度", "吨", "噸", "亩", "畝", "平方米", "平方公里", "公里", "千米",
    "公斤", "千克", "立方米", "千瓦时", "千瓦時", "千瓦", "株", "棵", "头", "頭", "只",
    "隻", "条", "條", "种", "種", "例", "批", "架", "艘", "箱",
)

# Words before a number that qualify it; consumed only when not glued to a
# preceding Chinese character (节约 is "save", not "about").
QUALIFIER_WORDS: Final[dict[str, str]] = {
    "约": "about", "約": "about", "大约": "about", "大約": "about",
    "将近": "nearly", "將近": "nearly", "接近": "nearly",
    "超过": "more than", "超過": "more than", "逾": "more than",
    "不到": "less than", "不足": "less than",
}
MORE_THAN: Final = "more than"  # 3000多万, 5万余人

# How far around an expression to look for an English rendering already given.
_RENDERING_GAP: Final = 40
_LOOKBACK: Final = 120


def _alternation(words: Iterable[str]) -> str:
    """A regex alternation of ``words``, longest first so 元人民币 wins over 元."""
    return "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))


_DIGIT: Final = "[0-9０-９]"
_NUMBER: Final = rf"(?:{_DIGIT}{{1,3}}(?:,{_DIGIT}{{3}})+|{_DIGIT}+)(?:[.．]{_DIGIT}+)?"
_EXPRESSION: Final = re.compile(
    rf"""
    (?P<qualifier>{_alternation(QUALIFIER_WORDS)})?
    (?P<lead>{_alternation(_LEAD_CURRENCIES)})?
    (?<![0-9０-９.．])(?<![0-9０-９],)              # not the tail of a longer number
    (?:(?P<low>{_NUMBER})[ ]?[-–—~～至到][ ]?)?     # 3000-5000万
    (?P<number>{_NUMBER})
    (?P<approx>[多余餘])?                            # 3000多万
    (?P<magnitude>[十百千]?(?:[万萬][亿億]?|[亿億]))
    (?:(?<=[亿億])(?P<extra>{_DIGIT}{{1,4}})[万萬])?  # 3亿5000万
    (?P<more>[多余餘])?                              # 5万多人
    (?P<unit>{_alternation([*_CURRENCIES, *COUNTERS])})?
    """,
    re.VERBOSE,
)


def _decimal(number: str) -> Decimal:
    """Exact value of a matched number (full-width digits, thousands separators)."""
    return Decimal(to_halfwidth(number).replace(",", "").replace("．", "."))


def _plain(value: Decimal) -> str:
    """``value`` with thousands separators and no trailing zeros (``23,000``, ``1.25``)."""
    return format(value.normalize(), ",f")


def _scaled(value: Decimal) -> tuple[str, str]:
    """``(number, scale word)`` in English: ``("10", "billion")``, ``("23,000", "")``.

    The largest scale that keeps the number ≥ 1; below a million there is none
    and the number is written in full.
    """
    if not value.is_zero():
        for exponent, word in _ENGLISH_SCALES:
            if value.adjusted() >= exponent:
                return _plain(value.scaleb(-exponent)), word
    return _plain(value), ""


def _joined(number: str, word: str) -> str:
    """``"10 billion"`` from ``("10", "billion")``; just the number without a scale."""
    return f"{number} {word}" if word else number


def _english_value(low: Decimal | None, value: Decimal) -> str:
    """The English number of a value or a range (``30–50 million``)."""
    high = _scaled(value)
    if low is None:
        return _joined(*high)
    start = _scaled(low)
    if start[1] == high[1]:
        return _joined(f"{start[0]}–{high[0]}", high[1])
    return f"{_joined(*start)}–{_joined(*high)}"


def _rendering(core: str) -> str:
    """Regex for the English number ``core`` as a whole number, with or without separators."""
    forms = {re.escape(core), re.escape(core.replace(",", ""))}
    return rf"(?<![\d.,])(?:{'|'.join(sorted(forms))})(?!\.?\d|,\d|\w)"


def _already_rendered(text: str, start: int, end: int, core: str) -> bool:
    """True when ``text[start:end]`` already sits beside its English number ``core``.

    Either inside parentheses after it (``10 billion yuan (100亿元)``) or
    followed by it in parentheses (``100亿元 (10 billion yuan)``).
    """
    number = _rendering(core)
    gap = rf"[^()（）\n]{{0,{_RENDERING_GAP}}}"
    before = re.compile(rf"{number}{gap}[(（]\s*$")
    after = re.compile(rf"\s*[(（]{gap}?{number}")
    return bool(before.search(text[max(0, start - _LOOKBACK) : start]) or after.match(text, end))


def _magnitude_value(match: re.Match[str]) -> tuple[Decimal | None, Decimal]:
    """``(low end of a range or None, value)`` of one matched expression."""
    exponent = sum(MAGNITUDE_EXPONENTS[ch] for ch in match["magnitude"])
    value = _decimal(match["number"]).scaleb(exponent)
    if match["extra"]:
        value += _decimal(match["extra"]).scaleb(_TEN_THOUSAND_EXPONENT)
    low = _decimal(match["low"]).scaleb(exponent) if match["low"] else None
    return low, value


def _currency(match: re.Match[str]) -> str:
    """English currency of the expression: the leading one wins, else its unit's, else none."""
    if match["lead"]:
        return _CURRENCIES[match["lead"]]
    return _CURRENCIES.get(match["unit"] or "", "")


def _translate(match: re.Match[str]) -> str:
    """Replacement for one Chinese magnitude expression (see :func:`english_magnitudes`)."""
    text = match.string
    original = match[0]
    prefix = ""
    qualifier = match["qualifier"] or ""
    if qualifier and match.start() > 0 and has_cjk(text[match.start() - 1]):
        prefix, original, qualifier = qualifier, original[len(qualifier) :], ""
    start = match.start() + len(prefix)
    low, value = _magnitude_value(match)
    core = _english_value(low, value)
    if _already_rendered(text, start, match.end(), core):
        return match[0]
    if qualifier:
        core = f"{QUALIFIER_WORDS[qualifier]} {core}"
    elif match["approx"] or match["more"]:
        core = f"{MORE_THAN} {core}"
    currency = _currency(match)
    english = f"{core} {currency}" if currency else core
    return f"{prefix}{english} ({original})"


def english_magnitudes(text: str) -> str:
    """Write the Chinese magnitudes in an English answer in English, original in parentheses.

    ``100亿元`` → ``10 billion yuan (100亿元)``, ``500亿美元`` →
    ``50 billion US dollars (500亿美元)``, ``2.3万家`` → ``23,000 (2.3万家)``,
    ``3000多万`` → ``more than 30 million (3000多万)``. Handles 万/萬, 亿/億,
    万亿/萬億, 千万, 百万, 十万, 千亿 …, 3亿5000万, ranges (3000-5000万), decimals,
    thousands separators (1,000亿) and full-width digits, with exact
    ``Decimal`` arithmetic. The English uses the largest of million / billion /
    trillion that keeps the number ≥ 1; values under a million are written in
    full (``23,000``). Currencies (元, 人民币, 美元, 港元, 欧元 …) become English;
    other units and counters (家, 人, 个 …) stay only in the parenthesised
    original. Numbers without a magnitude (``16家``) are left alone.

    Only Arabic digits are read: Chinese-numeral forms (``一百亿``) stay as they
    are — the evaluation's numeral parser (``assistant.evaluation.metrics``) is
    private to it, so it is not imported here.

    Idempotent: an expression already inside parentheses after its English
    number, or already followed by it in parentheses, is left alone.
    """
    return _EXPRESSION.sub(_translate, text)


# --------------------------------------------------------------------------- both


_ENGLISH_NUMBER: Final = re.compile(
    r"(?<![\d.,])(\d[\d,]*(?:\.\d+)?)\s*(thousand|million|billion|trillion)(?![A-Za-z])(?!\s*\()",
    re.IGNORECASE,
)


def fix_english_scale(answer: str, evidence: str, keep_source: bool = False) -> str:
    """Correct an English scale the model computed from a Chinese magnitude.

    Told to copy ``100亿元``, a small model still often writes "100 billion".
    When the answer's digits appear in ``evidence`` followed by 万/亿, that
    evidence expression decides the value: "100 billion" becomes
    ``10 billion (100亿)``. A plain number the evidence lacks that is a
    thousand times one it writes with 万 (9万 read as "9,000") becomes
    ``90,000 (9万)``. Numbers the evidence does not write with a Chinese
    magnitude are left alone. With ``keep_source`` the evidence's own expression
    replaces the number instead (``9万``), so the grounding check can hold the
    repaired answer against the evidence; a number read right (90000 for 9万,
    120,000,000 for 1.2亿) is then replaced by it too.
    """
    plain = to_halfwidth(evidence).replace(",", "")

    def repair(match: re.Match[str]) -> str:
        digits = match[1].replace(",", "")
        source = re.search(rf"(?<![\d.]){re.escape(digits)}\s*(?:多|余)?(?:万亿|萬億|万|萬|亿|億)", plain)
        if source is None:
            return match[0]
        rendered = english_magnitudes(source[0])
        if rendered == source[0]:
            return match[0]
        return source[0] if keep_source else rendered

    def written_as(value: Decimal, scale: Decimal, chars: str) -> re.Match[str] | None:
        """Where the evidence writes ``value`` / ``scale`` with one of the magnitude ``chars``."""
        digits = _plain(value / scale).replace(",", "")
        return re.search(rf"(?<![\d.]){re.escape(digits)}\s*(?:多|余)?(?:{chars})(?!亿|億)", plain)

    def thousands(match: re.Match[str]) -> str:
        value = _decimal(match[0])
        if value.adjusted() > MAX_MISREAD_DIGITS or has_number(match[0].replace(",", ""), plain):
            return match[0]
        misread = None if value % _WAN_MISREAD else written_as(value, _WAN_MISREAD, _WAN)
        if misread is not None:
            return misread[0] if keep_source else english_magnitudes(misread[0])
        if keep_source:  # read right (90,000 for 9万): the evidence's own expression, for the checks
            return next((m[0] for scale, chars in _MAGNITUDES if (m := written_as(value, scale, chars))), match[0])
        return match[0]

    return _PLAIN_NUMBER.sub(thousands, _ENGLISH_NUMBER.sub(repair, answer))


# The Chinese magnitudes a plain English number may render: 9万 as 90,000, 3亿 as 300,000,000.
_WAN: Final = "万|萬"
_MAGNITUDES: Final = ((Decimal(10**8), "亿|億"), (Decimal(10**4), _WAN))
# 万 (ten thousand) read as "thousand": 9万 written as 9,000.
_WAN_MISREAD: Final = Decimal(1000)
# Longer numbers (an ID, a code a document planted) are no misread magnitude; past
# decimal's 28-digit context their remainder would raise DivisionImpossible.
MAX_MISREAD_DIGITS: Final = 18
# A number of an English answer with no scale word after it (9,000; 12000).
_PLAIN_NUMBER: Final = re.compile(
    r"(?<![\d.,])\d{1,3}(?:,\d{3})+(?![\d.,]?\d)(?!\s*(?:thousand|million|billion|trillion|\())"
    r"|(?<![\d.,])\d{4,}(?![\d.,]?\d)(?!\s*(?:thousand|million|billion|trillion|\())", re.I)


def localize_answer(answer: str, question: str, evidence: str = "") -> str:
    """Put ``answer`` into the script and language of ``question``.

    A Chinese question gets its answer in its own script (:func:`to_script`); an
    English question gets the Chinese magnitudes, dates and person names of its
    answer in English (:func:`english_magnitudes`, ``gloss``), and scales
    miscomputed from ``evidence`` corrected (:func:`fix_english_scale`). Applying it twice changes nothing more.
    """
    script = question_script(question)
    if script == ENGLISH:
        return english_names(english_dates(english_magnitudes(fix_english_scale(answer, evidence))))
    return to_script(answer, script)
