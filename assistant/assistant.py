"""The ``Assistant``: one object that indexes documents and answers questions.

Every front end (CLI, Gradio app, evaluation harness, library users) goes
through this class; it holds no presentation logic.
"""

from __future__ import annotations

import hashlib
import logging
import re
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .answer import gloss
from .answer.answerability import Calibration
from .answer.converse import QueryPreparer
from .answer.generate import load_generator
from .answer.pipeline import Answerer
from .answer.prompting import AnswerLanguage, Prompts, answer_language
from .answer.steps.decompose import plan_steps
from .errors import InputError
from .ingest.load import Skipped, load_paths
from .ingest.normalize import has_cjk
from .search.embed import load_embedder
from .search.index import Index, open_index, open_or_build
from .search.retrieve import Retriever, SearchMode
from .search.terms import rarity
from .settings import Settings
from .types import Answer, Document, Embedder, Generator, Hit

logger = logging.getLogger(__name__)

# English questions are also searched in Chinese when at least this share of the
# chunks holds Chinese text (a mostly English collection needs no translation).
CJK_SHARE_TO_TRANSLATE = 0.3


@dataclass(frozen=True)
class IndexReport:
    """What ``Assistant.index`` did."""

    name: str
    path: Path
    documents: int
    chunks: int
    embedded: int
    skipped: tuple[Skipped, ...]
    seconds: float
    reused: bool
    added: int = 0  # documents added to an existing index (all of them on a fresh build)
    removed: int = 0  # documents removed from it


def index_name_for(paths: Sequence[Path]) -> str:
    """A stable index name for a set of document paths (slug + short hash)."""
    resolved = sorted(str(Path(p).resolve()) for p in paths)
    slug = re.sub(r"[^A-Za-z0-9_-]+", "-", Path(resolved[0]).name if resolved else "docs").strip("-")
    digest = hashlib.sha1("\n".join(resolved).encode()).hexdigest()[:8]
    return f"{slug or 'docs'}-{digest}"


class Assistant:
    """Index documents, search them, and answer questions with cited passages.

    Models load lazily on first use; pass ``embedder``/``generator`` to inject
    other implementations (tests use deterministic doubles).
    """

    def __init__(self, settings: Settings, embedder: Embedder | None = None,
                 generator: Generator | None = None) -> None:
        self.settings = settings
        self._embedder = embedder
        self._generator = generator
        self._index: Index | None = None
        self._retriever: Retriever | None = None
        self._answerer: Answerer | None = None
        self.queries = QueryPreparer(lambda: self.generator, settings.prompts_dir)
        self._cjk_share = 0.0

    @classmethod
    def from_settings(cls, settings: Settings | None = None, **overrides: object) -> Assistant:
        """Build an assistant from ``settings`` (defaults if None) with field overrides."""
        settings = (settings or Settings()).replace(**overrides) if overrides else (settings or Settings())
        return cls(settings)

    # -- models --------------------------------------------------------------
    @property
    def embedder(self) -> Embedder:
        """The dense embedder (loaded on first use)."""
        if self._embedder is None:
            self._embedder = load_embedder(self.settings)
        return self._embedder

    @property
    def generator(self) -> Generator:
        """The generator model (loaded on first use)."""
        if self._generator is None:
            self._generator = load_generator(self.settings)
        return self._generator

    @property
    def generator_loaded(self) -> bool:
        """Whether the generator is in memory (``warm_up`` or a first answer loaded it)."""
        return self._generator is not None

    @property
    def answerer(self) -> Answerer:
        """The answering step over the generator (built on first use)."""
        if self._answerer is None:
            self._answerer = Answerer(self.generator, self.settings.prompts_dir,
                                      Calibration.load(self.settings.generator,
                                                       self.settings.calibration_path),
                                      model=self.settings.generator,
                                      embedder=lambda: self.embedder)
        return self._answerer

    def warm_up(self) -> float:
        """Load the models and evaluate every answer system prompt (and the translation
        prompt, when English questions are translated) once, and load what writes
        English answers' names (``gloss``) and the word rarities the subject check
        weighs (``terms.rarity``: jieba's IDF table, 0.6 s on first use); returns seconds.

        The first llama.cpp call pages the weights in; each fixed system prompt's
        KV state is then kept by the generator, so the first user's question only
        pays for its own evidence.
        """
        t0 = time.perf_counter()
        self.embedder.embed_query("预热")
        for lang in ("en", "zh"):
            prompts = self.prompts(lang)
            self.generator.continuation_logprob(prompts.messages("你好", "[1] 你好。"), prompts.refusal)
        if self.settings.translate_queries:
            self.queries.warm_up()
        gloss.warm_up()
        rarity("预热")
        return time.perf_counter() - t0

    def prompts(self, lang: AnswerLanguage) -> Prompts:
        """Prompt files for answer language ``lang``."""
        return self.answerer.prompts(lang)

    # -- indexing ------------------------------------------------------------
    def index(self, paths: Sequence[Path | str], name: str | None = None,
              rebuild: bool = False) -> IndexReport:
        """Load, clean, chunk and index files/folders; reuse a matching index on disk."""
        t0 = time.perf_counter()
        folders = [Path(p) for p in paths]
        name = name or index_name_for(folders)
        loaded = load_paths(folders, progress=self.settings.progress, settings=self.settings)
        if not loaded.documents:
            reasons = "; ".join(f"{s.source}: {s.reason}" for s in loaded.skipped) or "no supported files"
            raise InputError(f"nothing to index in {', '.join(map(str, folders))} ({reasons})")
        return self._index_docs(list(loaded.documents), name, rebuild, loaded.skipped, t0)

    def index_documents(self, docs: Sequence[Document], name: str, rebuild: bool = False) -> IndexReport:
        """Index already-loaded documents (e.g. an evaluation collection)."""
        if not docs:
            raise InputError("no documents to index")
        return self._index_docs(list(docs), name, rebuild, (), time.perf_counter())

    def _index_docs(self, docs: list[Document], name: str, rebuild: bool,
                    skipped: tuple[Skipped, ...], t0: float) -> IndexReport:
        update = open_or_build(docs, name, self.embedder, self.settings, rebuild)
        self.use_index(update.index)
        return IndexReport(name, self.settings.index_root / name, len(docs), len(update.index.chunks),
                           update.embedded, skipped, time.perf_counter() - t0, update.reused,
                           added=update.added, removed=update.removed)

    def load(self, name: str) -> Index:
        """Load a built index by name, refusing one built with other embedder/chunking settings."""
        index = open_index(name, self.embedder, self.settings)
        self.use_index(index)
        return index

    def use_index(self, index: Index) -> None:
        """Search ``index`` from now on (questions already in flight keep the old one)."""
        self._index = index
        sample = index.chunks[:: max(1, len(index.chunks) // 200)]
        self._cjk_share = sum(has_cjk(c.text) for c in sample) / max(1, len(sample))
        self._retriever = Retriever(index, self.embedder, self.settings)

    def variant(self, **overrides: Any) -> Assistant:
        """An assistant with some settings changed that shares this one's embedder,
        current index and, when the generator id is unchanged, its loaded generator
        (the chat UI's fast profile costs one more model, not a second index)."""
        settings = self.settings.replace(**overrides)
        same = settings.generator == self.settings.generator
        # ``self.embedder`` (not ``_embedder``): a variant made before the first
        # search must not load a second copy of the embedding model.
        other = Assistant(settings, embedder=self.embedder, generator=self._generator if same else None)
        if self._index is not None:
            other.use_index(self._index)
        return other

    @property
    def current_index(self) -> Index | None:
        """The index questions are answered from (None before index/load)."""
        return self._index

    def document(self, doc_id: str) -> Document:
        """The original (uncleaned) document behind a citation or hit."""
        if self._index is None or doc_id not in self._index.documents:
            raise InputError(f"unknown document {doc_id!r}")
        return self._index.documents[doc_id]

    @property
    def retriever(self) -> Retriever:
        """The retriever over the current index."""
        if self._retriever is None:
            raise InputError("no index loaded: call index(paths) or load(name) first")
        return self._retriever

    # -- asking ---------------------------------------------------------------
    def search(self, query: str, k: int | None = None, mode: SearchMode = "hybrid") -> list[Hit]:
        """Top ``k`` passages for ``query`` (hybrid, dense or bm25)."""
        return self.retriever.search(self.phrasings(self._check_question(query)), k, mode)

    def phrasings(self, question: str) -> list[str]:
        """The question, plus its Chinese translation when it is English and the
        documents Chinese (``QueryPreparer.phrasings``)."""
        translate = self.settings.translate_queries and self._cjk_share >= CJK_SHARE_TO_TRANSLATE
        return self.queries.phrasings(question, translate)

    def _check_question(self, question: str) -> str:
        q = (question or "").strip()
        if not q:
            raise InputError("the question is empty")
        if len(q) > self.settings.max_question_chars:
            raise InputError(
                f"the question is {len(q)} characters long; the limit is {self.settings.max_question_chars}"
            )
        return q

    def contextualize(self, question: str, history: Sequence[tuple[str, str]]) -> str:
        """Rewrite a follow-up (``那它是哪天开工的？``) into a standalone question.

        ``history`` holds earlier (question, answer) turns, oldest first. A question
        with no history, or one that refers to nothing earlier, is returned as is,
        so the common case costs no model call.
        """
        return self.queries.standalone(self._check_question(question), history)

    def ask(self, question: str, **overrides: Any) -> Answer:
        """Answer ``question`` from the indexed documents (non-streaming).

        ``overrides`` change settings for this call only (``top_k``, ``language``,
        ``dense_weight``, ``bm25_weight``, ``max_answer_tokens`` ...).
        """
        answer = None
        for item in self.stream(question, **overrides):
            if isinstance(item, Answer):
                answer = item
        assert answer is not None
        return answer

    def stream(self, question: str, on_retrieved: Callable[[Sequence[Hit]], None] | None = None,
               **overrides: Any) -> Iterator[str | Answer]:
        """Yield the answer text piece by piece, then the final verified ``Answer``.

        ``overrides`` change settings for this call only, as in ``ask``.
        ``on_retrieved`` is called with the passages as soon as retrieval is done,
        before the model reads them (the chat UI shows it as a stage). A question
        that names a thing by what another document says of it, or compares two
        figures, is answered in steps (``answer.decompose``; ``Settings.decompose``).
        """
        s = self.settings.replace(**overrides) if overrides else self.settings
        q = self._check_question(question)
        plan = plan_steps(q) if s.decompose else None
        if plan is None:
            yield from self._stream_one(q, s, on_retrieved)
        else:
            if s.language == "auto":  # every step answers in the question's language
                s = s.replace(language=answer_language(q))

            def step(question: str, lookup: bool = False) -> Iterator[str | Answer]:
                return self._stream_one(question, s, on_retrieved, lookup)

            yield from plan.run(q, step)

    def _stream_one(self, q: str, s: Settings, on_retrieved: Callable[[Sequence[Hit]], None] | None,
                    lookup: bool = False) -> Iterator[str | Answer]:
        """Retrieve for one checked question ``q`` and stream its answer (``stream``;
        ``lookup``: a step that finds a name, ``steps.plan.AnswerOne``)."""
        t0 = time.perf_counter()
        retriever = self.retriever
        index = retriever.index  # a rebuild may swap self._index while this answer streams
        lang: AnswerLanguage = s.language if s.language != "auto" else answer_language(q)
        phrasings = self.phrasings(q)
        hits = retriever.search(phrasings, s.top_k, settings=s)
        t_retrieve = time.perf_counter() - t0
        if on_retrieved is not None:
            on_retrieved(hits)
        yield from self.answerer.stream(
            q, phrasings, hits, index.documents, lang, s, t0, t_retrieve,
            search=lambda query, k: retriever.search(query, k, mode="bm25", settings=s), lookup=lookup)
