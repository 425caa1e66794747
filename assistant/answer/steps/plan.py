"""What the multi-step answers share (``decompose``, ``versus``): a question that
needs one fact from each of two documents is split into one-fact questions,
each answered by the whole pipeline, and their answers are joined by code.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Protocol

from ...types import Answer


class AnswerOne(Protocol):
    """Streams one question's answer: text pieces, then the final ``Answer``.

    ``lookup`` marks a step that only finds a name for a later step (which thing
    the question describes): a name the evidence writes (and the question does
    not) is accepted as found even where the checks of a whole answer reject it
    (``checks.ground.written_name``); the later step's answer is checked and
    calibrated as any answer. (Answering lookups whatever their confidence
    changed no multi-document tune answer: eval/RESULTS.md, 2026-12-01.)
    """

    def __call__(self, question: str, lookup: bool = False) -> Iterator[str | Answer]:
        """Text pieces, then the ``Answer`` of ``question``."""
        ...


class StepPlan(Protocol):
    """How a question is answered in steps (each step a one-fact question)."""

    def run(self, question: str, answer_one: AnswerOne) -> Iterator[str | Answer]:
        """Answer ``question`` through ``answer_one``: text pieces, then the ``Answer``."""
        ...


def final_answer(items: Iterator[str | Answer]) -> Answer:
    """The ``Answer`` that ends an answer stream (its text pieces are dropped)."""
    out = [item for item in items if isinstance(item, Answer)]
    assert out, "an answer stream ends with its Answer"
    return out[-1]


_EVIDENCE_MARKER = re.compile(r"^\[(\d+)\]", re.MULTILINE)


def shift_evidence(evidence: str, offset: int) -> str:
    """An evidence block with its passage numbers moved up by ``offset`` (a step's
    passages are numbered after the earlier steps' in the joined answer)."""
    return _EVIDENCE_MARKER.sub(lambda m: f"[{int(m.group(1)) + offset}]", evidence)


def summed_timings(first: Answer, second: Answer, first_token_after_first: bool = True) -> dict[str, float]:
    """Timings of two steps run one after the other: retrieval and total add up;
    the first token comes in the second step (after the whole first one), or when
    nothing streams (``first_token_after_first`` False) at the end."""
    total = first.timings.get("total", 0.0) + second.timings.get("total", 0.0)
    return {
        "retrieve": first.timings.get("retrieve", 0.0) + second.timings.get("retrieve", 0.0),
        "first_token": (first.timings.get("total", 0.0) + second.timings.get("first_token", 0.0)
                        if first_token_after_first else total),
        "total": total,
    }
