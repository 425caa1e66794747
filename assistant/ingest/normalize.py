"""Normalisation for matching: traditional → simplified, full-width → half-width.

Applied to chunk text before both search paths and to every query, so a question
in simplified Chinese finds a passage written in traditional Chinese and
``ＡＩ２０２４`` matches ``AI2024``. Users always see the original text.
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache
from typing import Literal

from opencc import OpenCC

OpenCCConfig = Literal["tw2sp", "t2s", "s2t"]

_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_SPACES = re.compile(r"[ \t\u3000\xa0]+")
_WHITESPACE = re.compile(r"\s+")


@cache
def converter(config: OpenCCConfig) -> OpenCC:
    """The OpenCC converter ``config``, built once per process (it parses dictionaries).

    - ``tw2sp``: traditional → simplified *and* Taiwan vocabulary → mainland
      (人工智慧 → 人工智能, 軟體 → 软件): the search form, so both search paths match;
    - ``t2s``: characters only, for answers quoted from a source, whose wording
      must stay the source's;
    - ``s2t``: simplified → traditional (OpenCC standard forms).
    """
    return OpenCC(config)


def convert(text: str, config: OpenCCConfig) -> str:
    """``text`` converted by OpenCC ``config`` (see ``converter``)."""
    return str(converter(config).convert(text))


# Simplified characters OpenCC's tw2sp takes for Taiwan variants and rewrites (什么 →
# 什幺, which jieba then glues to its neighbour: 过什幺); they pass through unchanged.
KEPT_SIMPLIFIED = "么"


def to_simplified(text: str) -> str:
    """Convert traditional Chinese characters and Taiwan phrasing to mainland simplified
    (麼 → 么; an already simplified 么 stays: the text is converted around it)."""
    for kept in KEPT_SIMPLIFIED:
        if kept in text:
            return kept.join(to_simplified(part) for part in text.split(kept))
    return convert(text, "tw2sp")


def to_halfwidth(text: str) -> str:
    """Fold full-width ASCII (letters, digits, punctuation, space) to half-width.

    NFKC would do this too but also rewrites characters users care about
    (e.g. ``①`` → ``1``, ``㎡`` → ``m2``), so only the full-width block is folded.
    """
    out = []
    for ch in text:
        code = ord(ch)
        if code == 0x3000:
            out.append(" ")
        elif 0xFF01 <= code <= 0xFF5E:
            out.append(chr(code - 0xFEE0))
        else:
            out.append(ch)
    return "".join(out)


def normalize(text: str) -> str:
    """Search form of ``text``: simplified, half-width, NFC, single spaces."""
    text = unicodedata.normalize("NFC", to_halfwidth(text))
    return _SPACES.sub(" ", to_simplified(text)).strip()


BigramKind = Literal["cjk", "all"]


def bigrams(text: str, kind: BigramKind = "all") -> set[str]:
    """Character bigrams of ``normalize(text)`` with whitespace removed.

    ``kind="cjk"`` keeps only Chinese characters first (so punctuation, digits and
    Latin letters neither help nor hurt an overlap between Chinese sentences).
    """
    s = _WHITESPACE.sub("", normalize(text))
    if kind == "cjk":
        s = "".join(_CJK.findall(s))
    return {s[i : i + 2] for i in range(len(s) - 1)}


def has_cjk(text: str) -> bool:
    """True if ``text`` contains any CJK ideograph."""
    return _CJK.search(text) is not None
