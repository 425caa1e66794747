"""The key terms of a question: what the evidence for it must contain.

jieba words of the normalised question minus question words and function words,
each weighted by length (a specific term such as 人工智能产业基金 counts more
than 发展), plus the names jieba cuts into single characters joined again
(颊鳞雀鲷, not four dropped characters). Evidence selection, answerability and
the coverage reranker all measure a text by the weighted share of these terms
it contains.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path

from ..ingest.normalize import normalize
from .lexical import STOPWORDS, words_of

with warnings.catch_warnings():
    # jieba imports pkg_resources, which warns on every start; nothing to act on.
    warnings.simplefilter("ignore", UserWarning)
    import jieba
    from jieba import posseg

# Words that only say *what kind* of answer is wanted; they never occur in the evidence.
QUESTION_WORDS = frozenset(
    "多少 几 几个 几家 几年 哪 哪个 哪些 哪家 哪里 哪儿 哪年 哪一年 哪天 哪一天 何时 何地 什么 谁 为何 为什么 "
    "怎么 怎么样 怎样 如何 是否 是不是 吗 呢 请问 报道 文中 文章 资料 根据 提到 介绍 其中 分别 多大 多长 多高 多久 "
    "what which who whom whose when where why how many much does did do is are was were the a an "
    "of to in on for by and or with according report article mentioned".split()
)

# Characters that join words rather than name anything (的, 据, 在): a pair of characters
# holding one is no new wording ("大模型据白皮书" reorders the question: checks.ground), and
# none is a character of what a question asks (answer.evidence.selection).
FUNCTION_CHARS = frozenset("的了在是和与及等也就都而对将为以于之其或由被把这那有个中上下据从向到并且")
# The characters of the words that ask (什么, 哪些, 多少, 谁, 时候, 吗): no evidence writes
# them for the answer. Not derived from QUESTION_WORDS, whose words (多高, 多长, 哪年) hold
# characters that are content elsewhere (肩高, 全长, 年份).
ASKING_CHARS = frozenset("什么哪些里多少几吗呢吧如何怎样否请问谁时候")

# Question phrases jieba splits into words that are content words elsewhere: 什么时候
# asks for a date (什么 + 时候), while 时候 in 跃於戏剧圈时候 is part of what is asked.
QUESTION_PHRASES = ("什么时候",)

MAX_TERM_WEIGHT = 4.0  # a term's weight is its length in characters, capped here
LATIN_CHARS_PER_WEIGHT = 3.0  # an English word of 3 letters weighs like one Chinese character


def _weight(term: str) -> float:
    if re.fullmatch(r"[0-9a-z.\-]+", term):
        return min(MAX_TERM_WEIGHT, max(1.0, len(term) / LATIN_CHARS_PER_WEIGHT))
    return min(MAX_TERM_WEIGHT, float(len(term)))


# jieba's tags of a single character that can be part of a name its dictionary lacks
# (颊 ng, 鳞 n, 鲷 g, 桲 zg, 笛 nr): nouns and morphemes, not verbs (叫), adverbs (只),
# numerals (多) or adjectives (深).
_NAME_CHAR_TAGS = ("n", "g", "zg")
_CJK_WORD = re.compile(r"[\u3400-\u9fff]+")


def _name_char(word: str) -> bool:
    tag = posseg.dt.word_tag_tab.get(word)
    return tag is None or tag.startswith(_NAME_CHAR_TAGS)


def split_names(text: str) -> list[str]:
    """Names jieba cuts into single characters, joined again: 颊鳞雀鲷 (颊|鳞|雀|鲷),
    班卡雀鲷 (班卡雀|鲷), 榅桲 (榅|桲). A run of single name characters
    (``_NAME_CHAR_TAGS``) is joined with the content word right before it; a name of
    one character stays unseen."""
    return _joined_names(jieba.lcut(text))


def _joined_names(pieces: Sequence[str]) -> list[str]:
    """``split_names`` over jieba's ``pieces`` of a text (punctuation kept, so a name
    never joins across it)."""
    names: list[str] = []
    i = 0
    while i < len(pieces):
        j = i
        while j < len(pieces) and len(pieces[j]) == 1 and _CJK_WORD.fullmatch(pieces[j]) \
                and pieces[j] not in STOPWORDS and _name_char(pieces[j]):
            j += 1
        if j == i:
            i += 1
            continue
        prev = pieces[i - 1] if i else ""
        head = prev if len(prev) > 1 and _CJK_WORD.fullmatch(prev) and prev not in STOPWORDS \
            and prev not in QUESTION_WORDS else ""
        name = head + "".join(pieces[i:j])
        if len(name) >= 2:
            names.append(name)
        i = j
    return names


def key_terms(question: str) -> dict[str, float]:
    """The question's content words (normalised) with their weights.

    Numbers and years in the question are kept (``2023年`` must match the
    evidence); question words and function words are dropped.
    """
    terms: dict[str, float] = {}
    text = normalize(question)
    for phrase in QUESTION_PHRASES:
        text = text.replace(phrase, " ")
    pieces = jieba.lcut(text.lower())  # segmented once: the words, and the names it cut apart
    for tok in words_of(pieces):
        if tok in STOPWORDS or tok in QUESTION_WORDS or len(tok) < 2 and not tok.isdigit():
            continue
        terms[tok] = _weight(tok)
    for name in _joined_names(pieces):
        terms.setdefault(name, _weight(name))
    return terms


# A key term jieba makes of a question word and what follows it (哪座, 哪一篇, 几颗牙,
# 多长时间, 什么样): it asks "which / how many / how long", and no evidence writes it.
_ASKING_WORD = re.compile(r"^(?:哪|几|什么|多少|多长|多久)")
_NAME_TAGS = ("nr", "ns", "nt", "nz")  # jieba's names (哪吒 nrt), not its nouns (多长时间 n)


def subject_terms(question: str) -> dict[str, float]:
    """``key_terms`` of ``question`` without the words that ask (``_ASKING_WORD``,
    unless jieba knows the word as a name): what a line must hold to be
    about the question's subject."""
    return {t: w for t, w in key_terms(question).items()
            if not _ASKING_WORD.match(t) or (posseg.dt.word_tag_tab.get(t) or "").startswith(_NAME_TAGS)}


# jieba's inverse document frequencies over a general Chinese corpus, shipped with it.
_IDF_TABLE = Path(jieba.__file__).parent / "analyse" / "idf.txt"


@lru_cache(maxsize=1)
def _idf_table() -> tuple[dict[str, float], float]:
    """jieba's IDF table and its median value."""
    table: dict[str, float] = {}
    for line in _IDF_TABLE.read_text(encoding="utf-8").splitlines():
        word, _, value = line.partition(" ")
        if value:
            table[word] = float(value)
    values = sorted(table.values())
    return table, values[len(values) // 2]


def rarity(term: str) -> float:
    """jieba's inverse document frequency of ``term``: high for a word that names what a
    line is about (奇冤 12.3, 百济 10.6), low for one any line may hold (开始 3.8, 城市
    5.0). A term the table lacks (a name such as 流花湖, a number, an English word)
    takes the table's median (12.0), as jieba's own keyword extraction does."""
    table, median = _idf_table()
    return table.get(term, median)


def term_coverage(terms: dict[str, float], text: str) -> float:
    """Weighted share of ``terms`` that occur in ``text`` (normalised); 1.0 with no terms."""
    total = sum(terms.values())
    if not total:
        return 1.0
    norm = normalize(text).lower()
    return sum(w for t, w in terms.items() if t in norm) / total
