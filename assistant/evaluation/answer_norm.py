"""Answer normalisation: the one function every gold/prediction comparison goes through.

Every comparison between a gold answer and a prediction goes through
:func:`normalize_answer` on *both* sides, so the normaliser aims for
consistency rather than linguistic perfection.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from ..ingest.normalize import convert

_DIGITS: dict[str, int] = {
    **{ch: i for i, ch in enumerate("零一二三四五六七八九")},
    **{ch: i + 1 for i, ch in enumerate("壹贰叁肆伍陆柒捌玖")},
    "〇": 0, "两": 2,
}
_UNITS: dict[str, int] = {"十": 10, "百": 100, "千": 1000, "拾": 10, "佰": 100, "仟": 1000}
_NUM_CHARS = "".join(_DIGITS) + "".join(_UNITS)
_NUM_RUN = f"[{_NUM_CHARS}]+"
_DIGIT_RUN = "[" + "".join(_DIGITS) + "]+"
_DECIMAL_RE = re.compile(f"({_NUM_RUN})点({_DIGIT_RUN})")
_NUM_RE = re.compile(_NUM_RUN)
_PERCENT_RE = re.compile(f"(百分之|千分之)((?:{_NUM_RUN}点{_DIGIT_RUN})|{_NUM_RUN}|[0-9]+(?:\\.[0-9]+)?)")
_THOUSANDS_RE = re.compile(r"(?<=\d),(?=\d{3}(?!\d))")
_KEEP_CHARS = frozenset("%‰.")
_LONE_DOT_RE = re.compile(r"(?<!\d)\.|\.(?!\d)")
_DROP_SYMBOLS = frozenset("~`^|")


def _parse_int(run: str) -> str:
    """Convert one run of Chinese numerals (no 万/亿) to Arabic digits.

    A run that is not a well-formed number (e.g. 三四十) is returned unchanged.
    """
    if not any(ch in _UNITS for ch in run):
        return "".join(str(_DIGITS[ch]) for ch in run)
    total, cur, last_unit, zero_seen = 0, None, 0, False
    for ch in run:
        if ch in _UNITS:
            unit = _UNITS[ch]
            if last_unit and unit >= last_unit:
                return run
            total += (1 if cur is None else cur) * unit
            cur, last_unit, zero_seen = None, unit, False
        elif _DIGITS[ch] == 0:
            zero_seen = True
        elif cur is not None:
            return run
        else:
            cur = _DIGITS[ch]
    if cur is not None:
        # 三千五 → 3500 and 一百二 → 120, but 一百零二 → 102 and 十二 → 12.
        total += cur * last_unit // 10 if last_unit >= 100 and not zero_seen else cur
    return str(total)


def _convert_number_text(text: str) -> str:
    """Convert Chinese decimals (一点五) and integers (三千五百) inside ``text``."""
    text = _DECIMAL_RE.sub(
        lambda m: _parse_int(m.group(1)) + "." + "".join(str(_DIGITS[c]) for c in m.group(2)),
        text,
    )
    return _NUM_RE.sub(lambda m: _parse_int(m.group(0)), text)


def _percent(match: re.Match[str]) -> str:
    sign = "%" if match.group(1) == "百分之" else "‰"
    return _convert_number_text(match.group(2)) + sign


def _is_junk(ch: str) -> bool:
    """True for whitespace, punctuation, control characters and a few ASCII symbols."""
    if ch in _KEEP_CHARS:
        return False
    cat = unicodedata.category(ch)
    return ch.isspace() or ch in _DROP_SYMBOLS or cat[0] in "PZ" or cat in ("Cc", "Cf")


def _strip_punct(text: str) -> str:
    """Drop whitespace and punctuation; keep ``%``/``‰`` and a ``.`` between digits."""
    return "".join(ch for ch in _LONE_DOT_RE.sub("", text) if not _is_junk(ch))


@lru_cache(maxsize=65536)
def normalize_answer(s: str) -> str:
    """Normalise an answer or passage for comparison.

    Steps: traditional→simplified (OpenCC ``t2s``), NFKC (full-width→half-width),
    lowercase, 百分之X → X%, thousands separators removed (2,447 → 2447),
    Chinese numerals → Arabic digits (一百亿 → 100亿, 二〇二四年 → 2024年,
    第一 → 第1; 万/亿 stay as characters), then all whitespace and punctuation
    removed (a decimal point between digits and ``%`` are kept).
    """
    if not s:
        return ""
    text = convert(s, "t2s")
    text = unicodedata.normalize("NFKC", text).lower()
    text = _PERCENT_RE.sub(_percent, text)
    text = _THOUSANDS_RE.sub("", text)
    text = _convert_number_text(text)
    return _strip_punct(text)
