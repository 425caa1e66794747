"""Lexical side of search: jieba tokenisation and the BM25 index on bm25s (the default).

The other lexical index, Milvus's own BM25 over a jieba analyzer, is in
``stores.milvus``; both are chosen by name from ``LEXICAL``
(``assistant.search.stores``) and speak the ``LexicalIndex`` protocol.
"""

from __future__ import annotations

import logging
import re
import warnings
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import bm25s
import numpy as np

with warnings.catch_warnings():
    # jieba imports pkg_resources, which warns on every start; nothing to act on.
    warnings.simplefilter("ignore", UserWarning)
    import jieba

from ..settings import Settings  # noqa: E402
from ..types import Chunk  # noqa: E402

jieba.setLogLevel(logging.WARNING)  # its start-up banner is noise in a CLI
logging.getLogger("bm25s").setLevel(logging.WARNING)
BM25_FOLDER = "bm25"
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


def words_of(pieces: Sequence[str]) -> list[str]:
    """The words among jieba's ``pieces``: stripped, punctuation and spaces dropped."""
    return [t for t in (w.strip() for w in pieces) if t and _TOKEN_OK.search(t)]


def search_tokens(text: str) -> list[str]:
    """Search-mode jieba words of ``text`` (a long word and its sub-words), lowercased."""
    return words_of(jieba.lcut_for_search(text.lower()))


def word_tokens(text: str) -> list[str]:
    """Plain (not search-mode) jieba words of ``text``, lowercased, punctuation dropped."""
    return words_of(jieba.lcut(text.lower()))


class BM25Index:
    """``LexicalIndex`` on bm25s over pre-tokenised chunks, saved as bm25s's plain files
    in the index folder (``bm25/``); rebuilt whole when documents change."""

    kind = "bm25s"
    external = False

    def __init__(self, retriever: bm25s.BM25, ids: Sequence[str]) -> None:
        self._retriever = retriever
        self.ids = list(ids)

    @classmethod
    def build(cls, chunks: Sequence[Chunk]) -> BM25Index:
        """Index the normalised text of ``chunks``."""
        retriever = bm25s.BM25()
        corpus = [tokenize(c.search_text) or ["<empty>"] for c in chunks]
        retriever.index(corpus, show_progress=False)
        return cls(retriever, [c.chunk_id for c in chunks])

    def search(self, query: str, k: int) -> list[tuple[str, float]]:
        """Top ``k`` (chunk id, score) pairs with a positive score, best first."""
        tokens = tokenize(query)
        if not tokens or not self.ids:
            return []
        scores = np.asarray(self._retriever.get_scores(tokens), dtype=np.float32)
        order = np.argsort(-scores, kind="stable")[:k]
        return [(self.ids[i], float(scores[i])) for i in order if scores[i] > 0]

    def updated(self, chunks: Sequence[Chunk], added: Sequence[Chunk]) -> BM25Index:
        """A new index over all current ``chunks`` (this one keeps serving meanwhile)."""
        return BM25Index.build(chunks)

    def delete(self, ids: Sequence[str]) -> None:
        """Nothing to do: ``updated`` already left the removed chunks out."""

    def describe(self) -> dict[str, object]:
        """Manifest entry."""
        return {"kind": self.kind, "folder": BM25_FOLDER}

    def persist(self, folder: Path) -> None:
        """Write bm25s's files into ``folder/bm25``."""
        (folder / BM25_FOLDER).mkdir()
        self._retriever.save(str(folder / BM25_FOLDER))


class BM25sBackend:
    """Creates and opens ``BM25Index``es (registered as ``bm25s``)."""

    def create(self, chunks: Sequence[Chunk], index_name: str, settings: Settings) -> BM25Index:
        """A new BM25 index over ``chunks``."""
        return BM25Index.build(chunks)

    def open(self, entry: Mapping[str, Any], folder: Path, settings: Settings,
             ids: Sequence[str]) -> BM25Index:
        """Load bm25s's files; ``ids`` are the chunk ids in ``chunks.jsonl`` order."""
        return BM25Index(bm25s.BM25.load(str(folder / str(entry.get("folder", BM25_FOLDER)))), ids)

    def release(self, entry: Mapping[str, Any], settings: Settings) -> None:
        """Nothing to do: the files went with the replaced folder."""

    def drop_orphans(self, index_name: str, keep: Sequence[str], settings: Settings) -> list[str]:
        """Nothing to do: crashed builds leave only a temporary folder, removed on the next write."""
        return []
