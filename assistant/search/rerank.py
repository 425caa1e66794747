"""Rerankers: reorder the fused candidates before the answer step reads the top ``k``.

A reranker sees the question's phrasings and the fused hits (best first) and
returns them reordered, each with its ``rerank_score``. Chosen by name from
``RERANKERS`` (``Settings.reranker``):

- ``none``: the fused order as it is;
- ``coverage``: the weighted share of the question's key terms a passage holds
  (``search.terms``), in steps of ``COVERAGE_STEP``, then the fused order. A
  passage naming every asked term outranks one that only shares the topic.

No cross-encoder ships as a Python package here (see the developers' guide);
the protocol takes one unchanged when one does.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Protocol, runtime_checkable

from ..settings import RERANKER_NAMES, RerankerName
from ..types import Hit
from .terms import key_terms, term_coverage

# Coverage differences below one step are noise (one short term more or less);
# within a step the fused order decides. Measured in eval/RESULTS.md ("Rerankers").
COVERAGE_STEP = 0.5


@runtime_checkable
class Reranker(Protocol):
    """Reorders retrieved hits for a question."""

    name: str

    def rerank(self, queries: Sequence[str], hits: Sequence[Hit]) -> list[Hit]:
        """``hits`` reordered (best first), each with ``rerank_score`` set."""
        ...


class KeepOrder:
    """The identity reranker: the fused order, the fused score as rerank score."""

    name = "none"

    def rerank(self, queries: Sequence[str], hits: Sequence[Hit]) -> list[Hit]:
        """``hits`` unchanged but for ``rerank_score``."""
        return [dataclasses.replace(h, rerank_score=h.score) for h in hits]


class TermCoverage:
    """Orders passages by how much of the question's key terms they hold."""

    name = "coverage"

    def __init__(self, step: float = COVERAGE_STEP) -> None:
        self.step = step

    def rerank(self, queries: Sequence[str], hits: Sequence[Hit]) -> list[Hit]:
        """Sort by coverage (in steps), then by fused rank."""
        texts = " ".join(h.chunk.search_text for h in hits)
        phrasings = [key_terms(q) for q in queries if q.strip()] or [{}]
        # An English question over Chinese text is measured by its translation's terms.
        terms = max(phrasings, key=lambda t: term_coverage(t, texts) if t else -1.0)
        scored = [dataclasses.replace(h, rerank_score=term_coverage(terms, h.chunk.search_text))
                  for h in hits]
        order = sorted(range(len(scored)),
                       key=lambda i: (-int((scored[i].rerank_score or 0.0) / self.step + 1e-9), i))
        return [scored[i] for i in order]


RERANKERS: dict[RerankerName, Reranker] = {"none": KeepOrder(), "coverage": TermCoverage()}
assert set(RERANKERS) == set(RERANKER_NAMES), "every RerankerName needs a reranker"
