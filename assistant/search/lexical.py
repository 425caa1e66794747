"""Lexical side of search: jieba tokenisation and a BM25 index (bm25s)."""

from __future__ import annotations

import logging
import re
import warnings
from collections.abc import Sequence
from pathlib import Path

import bm25s
import numpy as np

with warnings.catch_warnings():
    # jieba imports pkg_resources, which warns on every start; nothing to act on.
    warnings.simplefilter("ignore", UserWarning)
    import jieba

jieba.setLogLevel(logging.WARNING)  # its start-up banner is noise in a CLI
logging.getLogger("bm25s").setLevel(logging.WARNING)
_TOKEN_OK = re.compile(r"[0-9a-z\u3400-\u9fff]", re.IGNORECASE)
# Function words that match everywhere and only add noise to BM25.
STOPWORDS = frozenset(
    "的 了 是 在 和 与 及 等 也 就 都 而 对 将 为 以 于 之 其 或 由 被 把 这 那 有 个 中 上 下 "
    "什么 哪些 哪个 哪里 多少 几 吗 呢 吧 如何 怎么 怎样 是否 请问 "
    "the a an of to in on for and or is are was were be by with what which who how many much "
    "did does do when where".split()
)


def tokenize(text: str) -> list[str]:
    """Search-mode jieba tokens of normalised text, lowercased, stopwords dropped.

    Search mode also emits the sub-words of long words (人工智能 → 人工, 智能,
    人工智能), which lets a query word match inside a longer compound.
    """
    return [tok for tok in search_tokens(text) if tok not in STOPWORDS]


def search_tokens(text: str) -> list[str]:
    """Search-mode jieba words of ``text`` (a long word and its sub-words), lowercased."""
    return [t for t in (w.strip() for w in jieba.lcut_for_search(text.lower())) if t and _TOKEN_OK.search(t)]


def word_tokens(text: str) -> list[str]:
    """Plain (not search-mode) jieba words of ``text``, lowercased, punctuation dropped."""
    return [t for t in (w.strip() for w in jieba.lcut(text.lower())) if t and _TOKEN_OK.search(t)]


class BM25Index:
    """BM25 over pre-tokenised chunks; saved as bm25s's plain files."""

    def __init__(self, retriever: bm25s.BM25, size: int) -> None:
        self._retriever = retriever
        self.size = size

    @classmethod
    def build(cls, texts: Sequence[str]) -> BM25Index:
        """Index normalised chunk texts."""
        retriever = bm25s.BM25()
        corpus = [tokenize(t) or ["<empty>"] for t in texts]
        retriever.index(corpus, show_progress=False)
        return cls(retriever, len(texts))

    def search(self, query: str, k: int) -> list[tuple[int, float]]:
        """Top ``k`` (row, score) pairs with a positive score, best first."""
        tokens = tokenize(query)
        if not tokens or self.size == 0:
            return []
        scores = np.asarray(self._retriever.get_scores(tokens), dtype=np.float32)
        order = np.argsort(-scores, kind="stable")[:k]
        return [(int(i), float(scores[i])) for i in order if scores[i] > 0]

    def save(self, folder: Path) -> None:
        """Write bm25s's files into ``folder``."""
        self._retriever.save(str(folder))

    @classmethod
    def load(cls, folder: Path, size: int) -> BM25Index:
        """Load from ``folder``."""
        return cls(bm25s.BM25.load(str(folder)), size)
