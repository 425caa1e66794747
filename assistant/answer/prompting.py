"""Prompt files and the refusal sentence.

Prompt layout: a fixed system prompt (``prompts/system_{lang}.txt``) and one
user message with the numbered evidence and the question
(``prompts/user_{lang}.txt``). The generator keeps the KV state of each fixed
system prompt, so only the evidence and question are evaluated per question.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from ..ingest.normalize import normalize
from .cite import MARKER
from .language import ENGLISH, question_script

AnswerLanguage = Literal["zh", "en"]
ANSWER_LANGUAGES: tuple[AnswerLanguage, ...] = ("zh", "en")


def answer_language(question: str) -> AnswerLanguage:
    """The language to answer ``question`` in: English for an English question, also
    one that names Chinese terms in brackets or quotes (``question_script``)."""
    return "en" if question_script(question) == ENGLISH else "zh"

# Phrasings the models use when the passages lack the answer (besides the exact
# refusal sentence the prompt asks for). Checked on the first sentence only, so
# an answer that merely notes a missing detail later is not counted as a refusal.
_REFUSAL = re.compile(
    r"资料中没有|资料中未|没有找到该问题|无法(根据资料)?回答|未(提及|提到|给出|说明)|没有(提及|提到|给出|说明|相关)"
    r"|do(es)? not (contain|mention|provide|say|state)|no information|not (mentioned|provided|stated)"
    r"|cannot (be )?answer|(?:is|are|was) not (?:answered|covered|addressed) (?:by|in) the (?:given |provided )?"
    r"(?:passages|documents|evidence|text)",
    re.IGNORECASE,
)
_FIRST_SENTENCE = re.compile(r"^.*?(?:[。！？!?]|\.(?:\s|$)|$)", re.S)


@dataclass(frozen=True)
class Prompts:
    """The prompt files for one answer language."""

    system: str
    user: str
    refusal: str

    @classmethod
    def load(cls, folder: Path, lang: AnswerLanguage, model: str = "") -> Prompts:
        """Read ``system_{lang}.txt``, ``user_{lang}.txt`` and ``refusal_{lang}.txt``.

        A file in the subfolder named after ``model`` (a generator id) replaces
        the shared one: small models need plainer instructions.
        """

        def read(name: str) -> str:
            own = folder / model / f"{name}_{lang}.txt"
            path = own if model and own.is_file() else folder / f"{name}_{lang}.txt"
            return path.read_text(encoding="utf-8").strip()

        return cls(read("system"), read("user"), read("refusal"))

    def messages(self, question: str, evidence: str) -> list[dict[str, str]]:
        """System + user chat messages for one question over a numbered evidence block."""
        user = self.user.format(passages=evidence, question=question.strip())
        return [{"role": "system", "content": self.system}, {"role": "user", "content": user}]


def is_refusal(text: str, prompts: Sequence[Prompts]) -> bool:
    """Whether an answer declines to answer (its first sentence says the passages lack it)."""
    stripped = MARKER.sub("", text).strip()
    if not stripped:
        return True
    norm = normalize(stripped)
    if any(normalize(p.refusal).rstrip("。.") in norm for p in prompts):
        return True
    first = _FIRST_SENTENCE.match(stripped)
    return bool(first and _REFUSAL.search(first.group(0)))
