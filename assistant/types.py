"""Central value types and the protocols for swappable parts.

Everything that crosses a module boundary is one of these frozen dataclasses, so
front ends, the evaluation harness and tests all speak the same language.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Protocol, runtime_checkable

import numpy as np
import numpy.typing as npt

Vector = npt.NDArray[np.float32]


@dataclass(frozen=True)
class Document:
    """One source file, decoded to text.

    ``doc_id`` is derived from the file's bytes so it is stable across runs and
    moves; ``source`` is the path the user gave (shown in citations).
    """

    doc_id: str
    source: str
    text: str
    title: str = ""
    encoding: str = "utf-8"
    kind: str = "txt"


@dataclass(frozen=True)
class Chunk:
    """A passage of a document, the unit of retrieval and citation.

    ``text`` is the cleaned passage in the document's own script (what the model
    reads and the user sees); ``search_text`` is its normalised form (simplified,
    half-width) used by both search paths. ``start``/``end`` are character
    offsets into ``Document.text`` (the original, uncleaned text).
    """

    chunk_id: str
    doc_id: str
    source: str
    ordinal: int
    text: str
    search_text: str
    start: int
    end: int
    heading: str = ""


@dataclass(frozen=True)
class Hit:
    """A retrieved chunk with the evidence for its rank.

    Ranks are 1-based and ``None`` where that search path did not return the chunk;
    ``score`` is the fused score, ``rerank_score`` the reranker's.
    """

    chunk: Chunk
    score: float
    dense_score: float | None = None
    bm25_score: float | None = None
    dense_rank: int | None = None
    bm25_rank: int | None = None
    rerank_score: float | None = None  # set by the reranker (assistant.search.rerank)

    def to_json(self) -> dict[str, object]:
        """The hit as JSON data (``assistant search --json``, ``POST /v1/search``): every
        field, the chunk without its internal search form."""
        data = asdict(self)
        data["chunk"].pop("search_text", None)
        return data


@dataclass(frozen=True)
class Citation:
    """A verified link from an answer marker ``[n]`` to a span of a source document.

    ``quote`` is the cited passage in the original text (``Document.text[start:end]``).
    ``added`` is true when the verifier attached this passage to a sentence the
    model left uncited.
    """

    marker: int
    chunk_id: str
    doc_id: str
    source: str
    start: int
    end: int
    quote: str
    added: bool = False


@dataclass(frozen=True)
class Answer:
    """The result of one question."""

    question: str
    text: str
    citations: tuple[Citation, ...]
    hits: tuple[Hit, ...]
    refused: bool
    timings: dict[str, float] = field(default_factory=dict)
    prompt_tokens: int = 0
    completion_tokens: int = 0
    raw_text: str = ""
    # Calibrated answerability in [0, 1]: how sure the pipeline is that the
    # documents hold the answer (refused when below ``Settings.answer_threshold``).
    confidence: float | None = None
    # The answerability signals behind ``confidence`` (see assistant.answer.answerability).
    signals: dict[str, float] = field(default_factory=dict)
    # The numbered evidence block the model read (sentences of ``hits``).
    evidence: str = ""
    # Lines ending ``text`` where the evidence disagrees: another line's figure for the
    # same measure, cited (assistant.answer.conflict). Not part of the answer itself.
    notes: tuple[str, ...] = ()

    @property
    def main_text(self) -> str:
        """``text`` without its ``notes``: the answer itself, as scored."""
        text = self.text
        for note in self.notes:
            text = text.replace(note, "")
        return text.strip()


@runtime_checkable
class Embedder(Protocol):
    """Turns texts into L2-normalised float32 vectors."""

    name: str
    dim: int

    def embed_documents(self, texts: Sequence[str]) -> Vector:
        """Embed passages; returns an (n, dim) array."""
        ...

    def embed_query(self, text: str) -> Vector:
        """Embed one query; returns a (dim,) array."""
        ...


@runtime_checkable
class Generator(Protocol):
    """A chat model that streams text and scores continuations."""

    name: str
    # Token counts of the last call: prompt_tokens, completion_tokens (and, where
    # the backend knows, prompt_eval_tokens: the prompt tokens actually evaluated).
    last_usage: dict[str, int]

    def stream_chat(
        self, messages: Sequence[dict[str, str]], max_tokens: int, ban_first: tuple[str, ...] = ()
    ) -> Iterator[str]:
        """Yield the completion piece by piece; it may not start with the first token of
        any text in ``ban_first``."""
        ...

    def continuation_logprob(self, messages: Sequence[dict[str, str]], text: str) -> float:
        """Log-probability that the reply to ``messages`` starts with ``text``."""
        ...

    def count_tokens(self, text: str) -> int:
        """Number of tokens ``text`` costs in this model's prompt."""
        ...

    def abort_current(self) -> None:
        """Interrupt the call in progress (from another thread): it raises
        ``GenerationAborted`` soon, even mid-prompt. Calls that start later are not
        affected, so a caller that may race a call's start repeats the request."""
        ...


@runtime_checkable
class VectorStore(Protocol):
    """Nearest-neighbour search by inner product over vectors keyed by chunk id.

    Implementations (``assistant.search.stores``) are chosen by ``kind`` from
    ``STORES``. A store may hold ids the index no longer lists (a crash between
    writing vectors and the index folder); searches skip them.
    """

    kind: str

    def add(self, ids: Sequence[str], vectors: Vector) -> None:
        """Insert or replace the vectors of ``ids`` (one row of ``vectors`` each)."""
        ...

    def delete(self, ids: Sequence[str]) -> None:
        """Remove the vectors of ``ids`` (unknown ids are ignored)."""
        ...

    def search(self, query: Vector, k: int) -> list[tuple[str, float]]:
        """Return up to ``k`` (chunk id, inner product) pairs, best first."""
        ...

    def describe(self) -> dict[str, object]:
        """What the index manifest records to open this store again (kind, where, index type)."""
        ...

    def __len__(self) -> int: ...


@runtime_checkable
class LexicalIndex(Protocol):
    """Keyword (BM25) search over chunk texts, keyed by chunk id.

    Implementations are chosen by ``kind`` from ``LEXICAL``
    (``assistant.search.stores``): ``bm25s`` files in the index folder, or
    Milvus full-text search.
    """

    kind: str
    external: bool  # True when the data lives outside the index folder

    def search(self, query: str, k: int) -> list[tuple[str, float]]:
        """Return up to ``k`` (chunk id, BM25 score) pairs, best first."""
        ...

    def updated(self, chunks: Sequence[Chunk], added: Sequence[Chunk]) -> LexicalIndex:
        """The index over all current ``chunks``, of which ``added`` are new."""
        ...

    def delete(self, ids: Sequence[str]) -> None:
        """Remove chunks by id (called after the index folder stopped listing them)."""
        ...

    def describe(self) -> dict[str, object]:
        """What the index manifest records to open this index again."""
        ...

    def persist(self, folder: Path) -> None:
        """Write or flush (files go into ``folder``, the index folder being written)."""
        ...
