"""Vector stores and lexical indexes by name.

Vector stores (``STORES``): ``faiss`` (default, files in the index folder) and
``milvus`` (a milvus-lite file or a Milvus server). Lexical indexes
(``LEXICAL``): ``bm25s`` (default, files in the index folder) and ``milvus``
(Milvus full-text search with a jieba analyzer).

To add a store, implement ``VectorStore`` (``assistant.types``) and a
``StoreBackend`` that creates, opens and releases it, and register the backend
in ``STORES``. The index manifest records the store's ``describe()`` entry, so
an index opens with the store it was built with.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from ...errors import IndexMismatchError
from ...settings import LEXICAL_KINDS, STORE_KINDS, LexicalKind, Settings, StoreKind
from ...types import Chunk, LexicalIndex, VectorStore
from ..lexical import BM25sBackend
from .faiss import FaissBackend, FaissStore
from .milvus import MilvusBackend, MilvusLexical, MilvusLexicalBackend, MilvusStore


@runtime_checkable
class PersistentStore(VectorStore, Protocol):
    """A ``VectorStore`` that can make itself durable while an index folder is written."""

    # True when the vectors live outside the index folder (a database), so they
    # are written before the folder on additions and deleted after it on removals.
    external: bool

    def persist(self, folder: Path) -> None:
        """Write or flush the vectors (files go into ``folder``, the folder being written)."""
        ...

    def fork(self) -> PersistentStore:
        """The store to update while this one keeps answering: a copy when the
        vectors are in process memory, the same store when a database holds them."""
        ...


@runtime_checkable
class StoreBackend(Protocol):
    """Creates, opens and releases one kind of vector store."""

    def create(self, dim: int, index_name: str, settings: Settings, size_hint: int) -> PersistentStore:
        """An empty store for a new build of ``index_name`` of about ``size_hint`` vectors."""
        ...

    def open(self, entry: Mapping[str, Any], folder: Path, settings: Settings) -> PersistentStore:
        """The store a manifest ``entry`` (``describe()``) of index ``folder`` names."""
        ...

    def release(self, entry: Mapping[str, Any], settings: Settings) -> None:
        """Free what a replaced build's store held outside its folder."""
        ...

    def drop_orphans(self, index_name: str, keep: Sequence[str], settings: Settings) -> list[str]:
        """Remove what crashed builds of ``index_name`` left behind; returns what went."""
        ...


@runtime_checkable
class LexicalBackend(Protocol):
    """Creates, opens and releases one kind of lexical index."""

    def create(self, chunks: Sequence[Chunk], index_name: str, settings: Settings) -> LexicalIndex:
        """A lexical index over ``chunks`` for a new build of ``index_name``."""
        ...

    def open(self, entry: Mapping[str, Any], folder: Path, settings: Settings,
             ids: Sequence[str]) -> LexicalIndex:
        """The index a manifest ``entry`` names; ``ids`` are the chunk ids in row order."""
        ...

    def release(self, entry: Mapping[str, Any], settings: Settings) -> None:
        """Free what a replaced build's index held outside its folder."""
        ...

    def drop_orphans(self, index_name: str, keep: Sequence[str], settings: Settings) -> list[str]:
        """Remove what crashed builds of ``index_name`` left behind; returns what went."""
        ...


STORES: dict[StoreKind, StoreBackend] = {"faiss": FaissBackend(), "milvus": MilvusBackend()}
LEXICAL: dict[LexicalKind, LexicalBackend] = {"bm25s": BM25sBackend(), "milvus": MilvusLexicalBackend()}
assert set(STORES) == set(STORE_KINDS), "every StoreKind needs a backend"
assert set(LEXICAL) == set(LEXICAL_KINDS), "every LexicalKind needs a backend"


def backend(kind: str) -> StoreBackend:
    """The vector-store backend registered as ``kind``; an unknown kind says which exist."""
    found = STORES.get(kind)  # type: ignore[call-overload]
    if found is None:
        raise IndexMismatchError(f"unknown vector store {kind!r}; known: {', '.join(STORES)}")
    return found


def lexical_backend(kind: str) -> LexicalBackend:
    """The lexical backend registered as ``kind``; an unknown kind says which exist."""
    found = LEXICAL.get(kind)  # type: ignore[call-overload]
    if found is None:
        raise IndexMismatchError(f"unknown lexical index {kind!r}; known: {', '.join(LEXICAL)}")
    return found


__all__ = ["LEXICAL", "STORES", "FaissBackend", "FaissStore", "LexicalBackend", "MilvusBackend",
           "MilvusLexical", "MilvusStore", "PersistentStore", "StoreBackend", "backend",
           "lexical_backend"]
