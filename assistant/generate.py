"""Prompting and streaming generation with a local GGUF model (llama-cpp-python).

Prompt layout: a fixed system prompt (a file in ``prompts/``, one per answer
language) followed by one user message with the numbered passages and the
question. Because the system prompt is identical between questions,
llama-cpp-python's prefix matching reuses its KV cache and only the passages
and question are evaluated anew: prompt tokens are the main cost on 2 cores.
"""

from __future__ import annotations

import logging
import os
import re
import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .models import get_spec, model_path
from .normalize import normalize
from .settings import Settings
from .types import Hit

logger = logging.getLogger(__name__)

# Phrasings the models use when the passages lack the answer (besides the exact
# refusal sentence the prompt asks for). Checked on the first sentence only, so
# an answer that merely notes a missing detail later is not counted as a refusal.
_REFUSAL = re.compile(
    r"资料中没有|资料中未|没有找到该问题|无法(根据资料)?回答|未(提及|提到|给出|说明)|没有(提及|提到|给出|说明|相关)"
    r"|do(es)? not (contain|mention|provide|say|state)|no information|not (mentioned|provided|stated)"
    r"|cannot (be )?answer",
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
    def load(cls, folder: Path, lang: str) -> Prompts:
        """Read ``system_{lang}.txt``, ``user_{lang}.txt`` and ``refusal_{lang}.txt``."""

        def read(name: str) -> str:
            return (folder / f"{name}_{lang}.txt").read_text(encoding="utf-8").strip()

        return cls(read("system"), read("user"), read("refusal"))


def format_passages(hits: Sequence[Hit]) -> str:
    """Number the passages [1]..[n] the way the prompt and citations expect."""
    lines = []
    for n, hit in enumerate(hits, 1):
        head = f"（{hit.chunk.heading}）" if hit.chunk.heading and hit.chunk.heading not in hit.chunk.text else ""
        lines.append(f"[{n}] {head}{hit.chunk.text}")
    return "\n\n".join(lines)


def fit_budget(hits: Sequence[Hit], count_tokens: Callable[[str], int], budget: int) -> list[Hit]:
    """Keep hits in rank order while their passages fit in ``budget`` tokens.

    The best hit is always kept: an answer without context is worse than a long prompt.
    """
    kept: list[Hit] = []
    used = 0
    for hit in hits:
        cost = count_tokens(hit.chunk.text) + 4
        if kept and used + cost > budget:
            continue
        kept.append(hit)
        used += cost
    return kept


def build_messages(prompts: Prompts, question: str, hits: Sequence[Hit]) -> list[dict[str, str]]:
    """System + user chat messages for one question."""
    user = prompts.user.format(passages=format_passages(hits), question=question.strip())
    return [{"role": "system", "content": prompts.system}, {"role": "user", "content": user}]


def is_refusal(text: str, prompts: Sequence[Prompts]) -> bool:
    """Whether an answer declines to answer (its first sentence says the passages lack it)."""
    stripped = re.sub(r"\[\d+\]", "", text).strip()
    if not stripped:
        return True
    norm = normalize(stripped)
    if any(normalize(p.refusal).rstrip("。.") in norm for p in prompts):
        return True
    first = _FIRST_SENTENCE.match(stripped)
    return bool(first and _REFUSAL.search(first.group(0)))


class LlamaGenerator:
    """``Generator`` over llama-cpp-python, one model kept loaded."""

    def __init__(self, path: Path, name: str, n_ctx: int = 4096, n_threads: int = 2,
                 temperature: float = 0.0) -> None:
        from llama_cpp import Llama

        self.name = name
        self._temperature = temperature
        # verbose=False keeps llama.cpp's load log off the user's terminal.
        self._llm: Any = Llama(
            model_path=str(path), n_ctx=n_ctx, n_threads=n_threads, n_threads_batch=n_threads,
            n_batch=512, flash_attn=True, verbose=False, seed=0,
        )
        self.last_usage: dict[str, int] = {"prompt_tokens": 0, "completion_tokens": 0}
        # llama.cpp is not re-entrant: one stream at a time per model, even if a
        # caller (a web app thread pool) forgets to queue. Callers that want to show
        # a queue position queue themselves first (see ``assistant.chat``).
        self._lock = threading.Lock()

    def count_tokens(self, text: str) -> int:
        """Tokens ``text`` costs with this model's tokenizer."""
        return len(self._llm.tokenize(text.encode("utf-8"), add_bos=False, special=False))

    def stream_chat(self, messages: Sequence[dict[str, str]], max_tokens: int) -> Iterator[str]:
        """Stream the assistant reply; records token usage in ``last_usage``."""
        with self._lock:
            completion = 0
            stream = self._llm.create_chat_completion(
                messages=list(messages), max_tokens=max_tokens, temperature=self._temperature,
                top_k=1 if self._temperature == 0 else 40, repeat_penalty=1.05, stream=True,
            )
            for part in stream:
                delta = part["choices"][0].get("delta", {}).get("content")
                if delta:
                    completion += 1
                    yield delta
            # The stream does not report usage; the prompt's size is the KV cache's fill.
            prompt_tokens = int(getattr(self._llm, "n_tokens", 0)) - completion
            self.last_usage = {"prompt_tokens": max(prompt_tokens, 0), "completion_tokens": completion}


def load_generator(settings: Settings) -> LlamaGenerator:
    """Load the generator named by ``settings.generator`` from the model cache."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    spec = get_spec(settings.generator, settings)
    path = model_path(spec.id, settings)
    return LlamaGenerator(path, name=spec.id, n_ctx=settings.n_ctx, n_threads=settings.n_threads,
                          temperature=settings.temperature)
