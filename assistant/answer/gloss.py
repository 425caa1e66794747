"""Chinese dates and person names of an answer to an English question, in English.

The small model copies a date (``2024年5月24日``) or a person's name (``雷小华``)
from the Chinese evidence as it stands, also when the question is English (the
English prompt asks for the answering words as the passage writes them). Code writes them for an English reader and keeps
the original in brackets, as the magnitudes are written (``21,300 (2.13万个)``),
so the reader can find it in the cited passage:

- a date with a month: ``24 May 2024 (2024年5月24日)``, ``September 2023 (2023年9月)``;
  a year alone is left as it is (2023年 reads as 2023);
- a whole answer that is a person's name (jieba tags it as one: 雷小华, 齐向东),
  or a few joined by 、 or 和: ``Lei Xiaohua (雷小华)``, surname first, in
  toneless pinyin. Other names (广西移动, 桂林电子科技大学) have an English form
  pinyin does not give, so they stay Chinese: asking the model for it was
  measured and dropped, as half of its renderings were wrong (柳州 as Luoyang,
  元 as cents, 京津冀 as Beijing-Tianjin-Shanghai; eval/RESULTS.md, 2026-11-30,
  third session).

A date or name already in brackets is not written again, so applying either
function twice changes nothing more.
"""

from __future__ import annotations

import re
from functools import lru_cache

MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
          "September", "October", "November", "December")
# A Chinese date with a month (not inside brackets, where an original already stands).
_DATE = re.compile(r"(?<![(（\d])(?:(?P<y>\d{4})\s*年\s*)?(?P<m>1[0-2]|0?[1-9])\s*月份?"
                   r"(?:\s*(?P<d>3[01]|[12]\d|0?[1-9])\s*[日号])?")
# An English month name already written near a date: the answer renders it itself.
_MONTH_NAME = re.compile(r"\b(?:" + "|".join(m[:3] for m in MONTHS) + r")[a-z]*\.?\b", re.I)
_RENDERED_REACH = 30  # characters around a date searched for the answer's own rendering

# jieba's part-of-speech tags of a person's name.
PERSON_TAGS = frozenset({"nr", "nrfg"})
# Longest name read as a person's (surname and given name; 4 for 欧阳修远).
MAX_NAME_CHARS = 4
# Surnames whose reading differs from the character's most common one.
SURNAME_READINGS = {"曾": "zeng", "单": "shan", "解": "xie", "仇": "qiu", "朴": "piao", "查": "zha",
                    "区": "ou", "乐": "yue", "覃": "qin", "盖": "ge", "缪": "miao"}
# Two-character surnames, read as one word (欧阳 → Ouyang).
DOUBLE_SURNAMES = frozenset("欧阳 司马 上官 诸葛 东方 皇甫 令狐 慕容 司徒 夏侯 公孙 宇文 长孙".split())
# A whole answer of names: CJK runs joined by 、, 和 or a comma (``_NAME_SPLIT``), then citation markers.
_NAME_SPLIT = r"\s*[、,，和与及]\s*"
_NAMES_ANSWER = re.compile(rf"^\s*([\u3400-\u9fff]{{2,4}}(?:{_NAME_SPLIT}[\u3400-\u9fff]{{2,4}})*)\s*((?:\[\d+\])*)\s*[。.]?\s*$")


def english_dates(text: str) -> str:
    """``text`` with each Chinese date that has a month also written in English
    (``2024年5月24日`` → ``24 May 2024 (2024年5月24日)``), unless the text writes
    that date in English next to it."""

    def render(m: re.Match[str]) -> str:
        near = text[max(0, m.start() - _RENDERED_REACH): m.end() + _RENDERED_REACH]
        if _MONTH_NAME.search(near):
            return m.group(0)
        month = MONTHS[int(m.group("m")) - 1]
        words = " ".join(p for p in (str(int(m.group("d"))) if m.group("d") else "", month, m.group("y") or "") if p)
        return f"{words} ({m.group(0).strip()})"

    return _DATE.sub(render, text)


def _is_person(name: str) -> bool:
    """Whether jieba reads ``name`` as a person's name: one token tagged as one, or a
    three-character name whose first token (the surname) is tagged as one (曹|坤华)."""
    import jieba.posseg

    tokens = list(jieba.posseg.cut(name))
    if len(tokens) == 1:
        return tokens[0].flag in PERSON_TAGS
    return len(name) == 3 and tokens[0].flag in PERSON_TAGS and len(tokens[0].word) == 1


@lru_cache(maxsize=1024)
def romanize_name(name: str) -> str:
    """A Chinese person's name in toneless pinyin, surname first: 雷小华 → Lei Xiaohua,
    欧阳修远 → Ouyang Xiuyuan, 曾伟明 → Zeng Weiming."""
    from pypinyin import lazy_pinyin

    split = 2 if name[:2] in DOUBLE_SURNAMES else 1
    surname, given = name[:split], name[split:]
    read = SURNAME_READINGS.get(surname) or "".join(lazy_pinyin(surname))
    return f"{read.capitalize()} {''.join(lazy_pinyin(given)).capitalize()}".strip()


def warm_up() -> None:
    """Load jieba's part-of-speech dictionary and pypinyin (0.9 s together, measured
    once), so the first English answer that is a person's name does not pay for them."""
    english_names("雷小华")


def english_names(text: str) -> str:
    """``text`` written with pinyin first when all of it is one or more Chinese person
    names (``雷小华[1]`` → ``Lei Xiaohua (雷小华)[1]``); any other text unchanged."""
    m = _NAMES_ANSWER.match(text)
    if m is None:
        return text
    names = re.split(_NAME_SPLIT, m.group(1))
    if not all(len(n) <= MAX_NAME_CHARS and _is_person(n) for n in names):
        return text
    english = " and ".join(romanize_name(n) for n in names) if len(names) <= 2 else (
        ", ".join(romanize_name(n) for n in names[:-1]) + f" and {romanize_name(names[-1])}")
    return f"{english} ({m.group(1)}){m.group(2)}"
