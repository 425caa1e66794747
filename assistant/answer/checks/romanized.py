"""Names an English answer romanises from Chinese evidence, checked against that evidence.

An English answer over Chinese evidence writes names in pinyin (齐向东 → Qi
Xiangdong, 柳州 → Liuzhou). The grounding check cannot find "Liuzhou" in
Chinese text, so until this check an English answer's names were not checked
at all: asked which authority approved a college, the small model answered
"Guangdong Province People's Government" from evidence that never names 广东.

Here a capitalised name made only of pinyin syllables must be the reading of
consecutive characters of the evidence (any reading of a character with
several), unless the question or the evidence's own Latin text writes it.
Words that are not pinyin (College, Province, Nguyen) are not judged, nor
single syllables standing alone (a lone "Li" or "He" may be an English word).
"""

from __future__ import annotations

import re
from functools import lru_cache

from ...ingest.normalize import normalize

# Syllables that are pinyin but read as English letters or interjections (a, o, e, n,
# m, ng …); a name of such syllables (Area = a-re-a, Since = si-n-ce) is not pinyin.
_NOT_NAME_SYLLABLES = frozenset("a o e n m ng hm hng ei yo lo io".split())
# English words that parse as pinyin syllables all the same; found by parsing every
# capitalised word of the corpus's English text and of the gold set's English
# questions and answers (China = chi-na, Data = da-ta, June = ju-ne).
ENGLISH_LOOKALIKES = frozenset("china chinese data june".split())
# A capitalised word, and a run of them (a name: Qi Xiangdong, Gui Zai Xie Shang).
_NAME_RUN = re.compile(r"[A-Z][a-z]+(?:[ \-][A-Z][a-z]+)*")
_CJK = re.compile(r"[\u3400-\u9fff]")
MAX_SYLLABLE_LETTERS = 6  # zhuang, shuang: the longest toneless pinyin syllable


def _char_readings(char: str) -> list[str]:
    """Every toneless reading of one character, ü written u (pypinyin is imported on
    first use: its dictionaries take 0.2 s to load, which a CLI start need not pay)."""
    from pypinyin import Style, pinyin

    return [r.replace("ü", "u").replace("v", "u") for r in pinyin(char, style=Style.NORMAL, heteronym=True)[0]]


@lru_cache(maxsize=1)
def syllables() -> frozenset[str]:
    """Every toneless pinyin syllable that can be part of a name."""
    found = {r for cp in range(0x4E00, 0x9FA6) for r in _char_readings(chr(cp))}
    return frozenset(s for s in found if s.isascii() and s.isalpha()) - _NOT_NAME_SYLLABLES


@lru_cache(maxsize=4096)
def _syllable_count(word: str) -> int:
    """How many pinyin syllables ``word`` (lower case) splits into; 0 when it does not."""
    if not word:
        return 0
    known = syllables()
    best = 0
    for k in range(1, min(MAX_SYLLABLE_LETTERS, len(word)) + 1):
        if word[:k] in known:
            rest = _syllable_count(word[k:]) if k < len(word) else 0
            if k == len(word) or rest:
                count = 1 + rest
                best = count if not best else min(best, count)
    return best


@lru_cache(maxsize=8192)
def _readings(char: str) -> frozenset[str]:
    return frozenset(_char_readings(char))


def _read_at(name: str, chars: str, start: int) -> bool:
    """Whether ``name`` (letters only) is the reading of ``chars`` from ``start`` on."""
    if not name:
        return True
    if start >= len(chars):
        return False
    return any(name.startswith(r) and _read_at(name[len(r):], chars, start + 1)
               for r in _readings(chars[start]))


def read_in(name: str, text: str) -> bool:
    """Whether ``name`` (a romanised name) is the pinyin of consecutive characters of ``text``."""
    letters = re.sub(r"[^a-z]", "", name.lower())
    chars = "".join(_CJK.findall(text))
    return any(_read_at(letters, chars, i) for i in range(len(chars)))


def pinyin_names(answer: str) -> list[str]:
    """The romanised Chinese names of an English ``answer``: runs of capitalised words,
    each pinyin (minus ``ENGLISH_LOOKALIKES``), of two or more syllables in all."""
    out = []
    for run in _NAME_RUN.finditer(answer):
        words: list[str] = []
        for word in [*re.split(r"[ \-]", run.group(0)), ""]:  # "" closes the last name
            if word and word.lower() not in ENGLISH_LOOKALIKES and _syllable_count(word.lower()):
                words.append(word)
                continue
            if words and sum(_syllable_count(w.lower()) for w in words) >= 2:
                out.append(" ".join(words))
            words = []
    return out


def unread_names(answer: str, question: str, evidence: str) -> list[str]:
    """Romanised names of ``answer`` that neither the question nor the evidence's Latin
    text writes and that no characters of the Chinese ``evidence`` read as."""
    if not _CJK.search(evidence):
        return []
    written = re.sub(r"[^a-z]", "", (question + " " + normalize(evidence)).lower())
    return [name for name in pinyin_names(answer)
            if re.sub(r"[^a-z]", "", name.lower()) not in written and not read_in(name, evidence)]
