"""Deterministic test doubles for the Embedder and Generator protocols, and for the
one-question answerer that multi-step answers call (``answer.steps.plan.AnswerOne``)."""

from __future__ import annotations

import hashlib
import math
import re
import threading
import time
from collections.abc import Iterator, Sequence

import numpy as np

from assistant.errors import GenerationAborted
from assistant.types import Answer, Chunk, Hit, Vector


class HashEmbedder:
    """Bag of character bigrams hashed into a fixed-size vector (no model)."""

    name = "hash-test"

    def __init__(self, dim: int = 256) -> None:
        self.dim = dim

    def _one(self, text: str) -> Vector:
        v = np.zeros(self.dim, np.float32)
        chars = [c for c in text.lower() if not c.isspace()]
        for a, b in zip(chars, chars[1:], strict=False):
            h = int(hashlib.md5((a + b).encode()).hexdigest()[:8], 16)
            v[h % self.dim] += 1.0
        n = np.linalg.norm(v)
        return v / n if n else v

    def embed_documents(self, texts: Sequence[str]) -> Vector:
        return np.stack([self._one(t) for t in texts]) if texts else np.zeros((0, self.dim), np.float32)

    def embed_query(self, text: str) -> Vector:
        return self._one(text)


class EchoGenerator:
    """Answers with the first sentence of passage [1] and cites it; refuses on a marker word."""

    name = "echo-test"

    def __init__(self, refuse_if: str = "不存在", rewrites: dict[str, str] | None = None,
                 fail_if: str = "", delay: float = 0.0) -> None:
        self.refuse_if = refuse_if
        # Follow-up rewriting (system prompt of prompts/rewrite.txt): the last
        # question -> what it refers to; unknown questions are echoed (no referent).
        self.rewrites = rewrites or {}
        self.fail_if = fail_if
        self.delay = delay
        self.calls: list[list[dict[str, str]]] = []
        self.last_usage = {"prompt_tokens": 0, "completion_tokens": 0}
        self.abort_requests = 0

    def abort_current(self) -> None:
        """Counted only: every call here ends on its own within ``delay`` per piece."""
        self.abort_requests += 1

    def count_tokens(self, text: str) -> int:
        return len(text)

    def continuation_logprob(self, messages: Sequence[dict[str, str]], text: str) -> float:
        """Near-certain refusal when the marker word is in the prompt, unlikely otherwise."""
        self.calls.append(list(messages))
        return math.log(0.95 if self.refuse_if in messages[-1]["content"] else 0.02)

    def stream_chat(self, messages: Sequence[dict[str, str]], max_tokens: int,
                    ban_first: tuple[str, ...] = ()) -> Iterator[str]:
        self.calls.append(list(messages))
        user = messages[-1]["content"]
        if "追问" in messages[0]["content"]:
            last = user.rsplit("最后的问题：", 1)[-1].strip()
            yield self.rewrites.get(last, last)
            return
        if self.fail_if and self.fail_if in user:
            raise RuntimeError("simulated model failure")
        if self.refuse_if in user:
            text = "资料中没有找到该问题的答案。"
        else:
            m = re.search(r"\[1\] (?:（[^）]*）)?([^。]*。?)", user)
            text = (m.group(1) if m else "") + "[1]"
        self.last_usage = {"prompt_tokens": len(user), "completion_tokens": len(text)}
        for i in range(0, len(text), 3):
            if self.delay:
                time.sleep(self.delay)
            yield text[i : i + 3]


class SlowPromptGenerator(EchoGenerator):
    """Echo generator whose every call first reads its prompt for ``prompt_seconds``
    (as llama.cpp does with a long prompt) unless ``abort_current`` interrupts it,
    which raises ``GenerationAborted``. Like the real generator, one call at a time,
    and a request made while no call reads is forgotten when the next call starts."""

    def __init__(self, prompt_seconds: float = 60.0) -> None:
        super().__init__()
        self.prompt_seconds = prompt_seconds
        self.reading = threading.Event()  # set while a call reads its prompt
        self.aborted = 0  # calls interrupted
        self._abort = threading.Event()
        self._lock = threading.Lock()

    def abort_current(self) -> None:
        super().abort_current()
        self._abort.set()

    def _read_prompt(self) -> None:
        self._abort.clear()
        self.reading.set()
        try:
            if self._abort.wait(self.prompt_seconds):
                self.aborted += 1
                raise GenerationAborted("stopped while reading the prompt")
        finally:
            self.reading.clear()

    def continuation_logprob(self, messages: Sequence[dict[str, str]], text: str) -> float:
        with self._lock:
            self._read_prompt()
            return super().continuation_logprob(messages, text)

    def stream_chat(self, messages: Sequence[dict[str, str]], max_tokens: int,
                    ban_first: tuple[str, ...] = ()) -> Iterator[str]:
        with self._lock:
            self._read_prompt()
            yield from super().stream_chat(messages, max_tokens, ban_first)


def numbered_hit(n: int) -> Hit:
    """A one-line passage "第n段" of document ``d``."""
    text = f"第{n}段"
    chunk = Chunk(chunk_id=f"d-{n}", doc_id="d", source="d.txt", ordinal=n, text=text,
                  search_text=text, start=0, end=len(text))
    return Hit(chunk=chunk, score=1.0)


class ScriptedAnswers:
    """Answers the questions of a table (an ``AnswerOne``): streams the text, then
    the ``Answer``; remembers what it was asked, in order."""

    def __init__(self, answers: dict[str, Answer]) -> None:
        self.answers = answers
        self.asked: list[str] = []
        self.looked_up: list[str] = []  # the questions asked as lookups (``AnswerOne``)

    def __call__(self, question: str, lookup: bool = False) -> Iterator[str | Answer]:
        self.asked.append(question)
        if lookup:
            self.looked_up.append(question)
        answer = self.answers[question]
        yield answer.text
        yield answer
