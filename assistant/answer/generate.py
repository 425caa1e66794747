"""Streaming generation with a local GGUF model (llama-cpp-python).

The chat template comes from the GGUF metadata. Prompt tokens are the main cost
on 2 cores, so the generator keeps the KV state of every fixed system prompt it
has seen (answer zh/en, translate, rewrite): a call whose system prompt differs
from the previous call's restores that prefix instead of evaluating it again,
and a call that shares the previous prompt's prefix reuses it in place.

Besides streaming, the generator scores a continuation: the log-probability
that the reply starts with given text (the refusal sentence), read from the
model's logits after the prompt. The prompt's KV state stays, so the answer
that follows (under the same lock-holder, with nothing in between) costs no
second prefill.

``abort_current`` interrupts the call in progress from another thread (a chat
user pressed Stop), also while llama.cpp is still reading a long prompt:
llama.cpp checks an abort flag after every node of its compute graph, so the call
ends within one node and raises ``GenerationAborted``. The KV cache keeps the
batches that were finished, so the saved prompt states and the prefix reuse work
as before for the next call.
"""

from __future__ import annotations

import contextlib
import ctypes
import logging
import math
import os
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import GenerationAborted, InputError, ModelMissingError
from ..models import get_spec, model_path
from ..settings import Settings
from ..types import Generator

logger = logging.getLogger(__name__)

# The fixed prompt of ``prompt_speed``: host speed is always measured on the same tokens.
PROMPT_SPEED_TOKENS = 500
PROMPT_SPEED_TEXT = "广西人工智能产业发展迅速，The quick brown fox jumps over the lazy dog. "
PROMPT_SPEED_WARM_TOKENS = 16
SCORED_TOKENS = 3  # tokens of a continuation that ``continuation_logprob`` scores
MAX_SAVED_PREFIXES = 8  # fixed prompts whose KV state is kept (a few MB each)
REPEAT_PENALTY = 1.05
SAMPLING_TOP_K = 40  # only used when a temperature above 0 is set
BATCH_TOKENS = 512  # llama.cpp's prompt batch


class _AbortFlag:
    """A byte llama.cpp's abort callback reads without entering Python.

    llama.cpp calls the callback on its compute thread after every graph node:
    589 times per generated token with Qwen2.5-Coder-1.5B (counted). A Python
    (ctypes) callback would take the GIL each time, and while another Python
    thread runs (the web server drawing an update) every one of those waits up to
    the interpreter's switch interval (5 ms), which would stall decoding. So the
    callback is C code: libc's ``strlen`` over the two bytes [flag, NUL] returns 1
    once the flag is set, else 0, and llama.cpp reads its ``bool`` result from the
    low byte of the return register (the same register on x86-64 System V and
    Windows and on AArch64, the ABIs llama.cpp builds for).
    """

    def __init__(self) -> None:
        import llama_cpp

        self._byte = ctypes.create_string_buffer(2)  # [flag, NUL]; kept alive with this object
        libc = ctypes.CDLL(None) if os.name == "posix" else ctypes.cdll.msvcrt
        address = ctypes.cast(libc.strlen, ctypes.c_void_p).value
        assert address is not None  # a symbol libc always exports
        self.callback = llama_cpp.ggml_abort_callback(address)
        self.data = ctypes.cast(self._byte, ctypes.c_void_p)

    def set(self) -> None:
        self._byte[0] = b"\x01"

    def clear(self) -> None:
        self._byte[0] = b"\x00"

    def is_set(self) -> bool:
        return self._byte[0] != b"\x00"


class LlamaGenerator:
    """``Generator`` over llama-cpp-python, one model kept loaded."""

    def __init__(self, path: Path, name: str, n_ctx: int = 4096, n_threads: int = 2,
                 temperature: float = 0.0, reuse_prompt_states: bool = True) -> None:
        import llama_cpp
        from llama_cpp import Llama
        from llama_cpp.llama_chat_format import Jinja2ChatFormatter

        self.name = name
        self._temperature = temperature
        # verbose=False keeps llama.cpp's load log off the user's terminal.
        self._llm: Any = Llama(
            model_path=str(path), n_ctx=n_ctx, n_threads=n_threads, n_threads_batch=n_threads,
            n_batch=BATCH_TOKENS, flash_attn=True, verbose=False, seed=0,
        )
        model = self._llm._model
        eos, bos = self._llm.token_eos(), self._llm.token_bos()
        self._formatter = Jinja2ChatFormatter(
            template=self._llm.metadata["tokenizer.chat_template"],
            eos_token=model.token_get_text(eos) if eos != -1 else "",
            bos_token=model.token_get_text(bos) if bos != -1 else "",
        )
        self._stops = [self._formatter.eos_token] if self._formatter.eos_token else []
        self._reuse_states = reuse_prompt_states
        self._saved: dict[tuple[int, ...], bytes] = {}  # fixed prefix tokens -> KV bytes
        self._fixed_len: dict[str, int] = {}  # system prompt -> its tokens in the prompt
        self.last_usage: dict[str, int] = {"prompt_tokens": 0, "completion_tokens": 0,
                                           "prompt_eval_tokens": 0}
        # llama.cpp is not re-entrant: one stream at a time per model, even if a
        # caller (a web app thread pool) forgets to queue. Callers that want to show
        # a queue position queue themselves first (see ``assistant.web.chat``).
        self._lock = threading.Lock()
        self._abort = _AbortFlag()
        llama_cpp.llama_set_abort_callback(self._llm._ctx.ctx, self._abort.callback, self._abort.data)

    # -- tokens ---------------------------------------------------------------
    def count_tokens(self, text: str) -> int:
        """Tokens ``text`` costs with this model's tokenizer."""
        return len(self._tokenize(text, special=False))

    def _tokenize(self, text: str, special: bool) -> list[int]:
        return list(self._llm.tokenize(text.encode("utf-8"), add_bos=False, special=special))

    def _render(self, messages: Sequence[dict[str, str]]) -> list[int]:
        prompt = self._formatter(messages=list(messages)).prompt  # type: ignore[arg-type]
        return self._tokenize(prompt, special=True)

    def _fixed_prefix(self, messages: Sequence[dict[str, str]], tokens: list[int]) -> int:
        """How many leading tokens of ``tokens`` are the fixed system prompt."""
        if not messages or messages[0].get("role") != "system":
            return 0
        system = messages[0]["content"]
        if system not in self._fixed_len:
            # Rendered with a placeholder user turn: the shared prefix is the system part.
            alone = self._render([messages[0], {"role": "user", "content": "\x00"}])
            self._fixed_len[system] = _common_prefix(alone, tokens)
        return self._fixed_len[system]

    # -- KV reuse ---------------------------------------------------------------
    def _cached_prefix(self, tokens: list[int]) -> int:
        return _common_prefix(list(self._llm.input_ids[: self._llm.n_tokens]), tokens)

    def _prepare(self, messages: Sequence[dict[str, str]]) -> tuple[list[int], int]:
        """Render ``messages`` and make the KV cache hold as much of them as possible.

        Returns (prompt tokens, tokens that still need evaluating). The fixed
        system prompt is restored from a saved state when the cache holds another
        prompt, or evaluated and saved the first time it is seen.
        """
        llm = self._llm
        tokens = self._render(messages)
        if len(tokens) + SCORED_TOKENS >= llm.n_ctx():
            raise InputError(f"the prompt needs {len(tokens)} tokens; the model's context holds "
                             f"{llm.n_ctx()}: ask a shorter question")
        fixed = self._fixed_prefix(messages, tokens)
        cached = self._cached_prefix(tokens)
        if self._reuse_states and fixed and cached < fixed:
            key = tuple(tokens[:fixed])
            if key in self._saved:
                self._saved[key] = self._saved.pop(key)  # most recently used last
                self._restore(key)
            else:
                llm.reset()
                llm.eval(tokens[:fixed])
                self._save(key)
            cached = fixed
        return tokens, len(tokens) - cached

    def _save(self, key: tuple[int, ...]) -> None:
        ctx = self._llm._ctx.ctx
        import llama_cpp

        size = llama_cpp.llama_state_seq_get_size(ctx, 0)
        buf = (ctypes.c_uint8 * size)()
        n = llama_cpp.llama_state_seq_get_data(ctx, buf, size, 0)
        if len(self._saved) >= MAX_SAVED_PREFIXES:
            self._saved.pop(next(iter(self._saved)))
        self._saved[key] = bytes(buf)[:n]

    def _restore(self, key: tuple[int, ...]) -> None:
        import llama_cpp

        llm = self._llm
        data = self._saved[key]
        llm._ctx.kv_cache_seq_rm(-1, 0, -1)
        buf = (ctypes.c_uint8 * len(data)).from_buffer_copy(data)
        if llama_cpp.llama_state_seq_set_data(llm._ctx.ctx, buf, len(data), 0) != len(data):
            llm.reset()
            llm.eval(list(key))
            return
        llm.input_ids[: len(key)] = key
        llm.n_tokens = len(key)
        llm._requires_eval = True

    @contextlib.contextmanager
    def _abortable(self) -> Iterator[None]:
        """Run one locked call that ``abort_current`` may interrupt.

        An earlier abort request (one that came after the previous call ended) is
        forgotten first. When llama.cpp stopped on request, the KV cache is cut back
        to the batches that were finished (``n_tokens``) and ``GenerationAborted``
        is raised.
        """
        self._abort.clear()
        try:
            yield
        except RuntimeError as exc:  # llama-cpp-python: "llama_decode returned 2" (aborted)
            if not self._abort.is_set():
                raise
            llm = self._llm
            llm._ctx.kv_cache_seq_rm(-1, llm.n_tokens, -1)
            llm._requires_eval = True  # the logits are not those of the last finished token
            raise GenerationAborted("the answer was stopped before the model finished") from exc

    def abort_current(self) -> None:
        """Interrupt the call in progress: it raises ``GenerationAborted`` after the
        graph node llama.cpp is computing (milliseconds). No effect on later calls."""
        self._abort.set()

    def _last_logprobs(self) -> np.ndarray[Any, np.dtype[np.float32]]:
        import llama_cpp

        n_vocab = self._llm.n_vocab()
        ptr = llama_cpp.llama_get_logits_ith(self._llm._ctx.ctx, -1)
        logits = np.ctypeslib.as_array(ptr, shape=(n_vocab,)).astype(np.float32)
        top = float(logits.max())
        return logits - (top + math.log(float(np.exp(logits - top).sum())))

    # -- public -------------------------------------------------------------------
    def continuation_logprob(self, messages: Sequence[dict[str, str]], text: str) -> float:
        """Log-probability that the reply to ``messages`` starts with ``text``.

        Scores the first ``SCORED_TOKENS`` tokens of ``text``: enough to tell the
        refusal sentence from an answer, at one single-token step each. The
        prompt stays in the KV cache for the answer that follows.
        """
        with self._lock, self._abortable():
            tokens, todo = self._prepare(messages)
            llm = self._llm
            cached = len(tokens) - todo
            # Re-evaluate at least the last prompt token: its logits are the first step's.
            start = min(cached, len(tokens) - 1)
            llm.n_tokens = start
            llm.eval(tokens[start:])
            total = 0.0
            cont = self._tokenize(text, special=False)[:SCORED_TOKENS]
            for i, tok in enumerate(cont):
                total += float(self._last_logprobs()[tok])
                if i + 1 < len(cont):
                    llm.eval([tok])
            self.last_usage = {"prompt_tokens": len(tokens), "completion_tokens": 0,
                               "prompt_eval_tokens": len(tokens) - start}
            return total

    def first_token(self, text: str) -> int:
        """The first token of ``text`` (the one ``stream_chat``'s ``ban_first`` forbids)."""
        return self._tokenize(text, special=False)[0]

    def stream_chat(self, messages: Sequence[dict[str, str]], max_tokens: int,
                    ban_first: tuple[str, ...] = ()) -> Iterator[str]:
        """Stream the assistant reply; records token usage in ``last_usage``.

        ``ban_first``: texts whose first tokens the reply may not start with (used
        once the decision to answer is taken, so the model does not fall back on
        the refusal sentence, or write a bare citation marker as its answer). It is
        the token alone, so for the English refusal "The documents…" an answer
        cannot start with "The" either; the evaluation numbers in eval/RESULTS.md
        were measured with this behaviour.
        The model lock is held while the stream is open: consume or close it.
        """
        from llama_cpp import LogitsProcessorList

        with self._lock, self._abortable():
            tokens, todo = self._prepare(messages)
            processors = None
            if ban_first:
                banned = [self.first_token(text) for text in ban_first]
                n_prompt = len(tokens)

                def ban(input_ids: Any, scores: Any) -> Any:
                    if len(input_ids) == n_prompt:
                        scores[banned] = -np.inf
                    return scores

                processors = LogitsProcessorList([ban])
            completion = 0
            stream = self._llm.create_completion(
                prompt=tokens, max_tokens=max_tokens, temperature=self._temperature,
                top_k=1 if self._temperature == 0 else SAMPLING_TOP_K, repeat_penalty=REPEAT_PENALTY,
                stream=True, stop=self._stops, logits_processor=processors,
            )
            for part in stream:
                delta = part["choices"][0].get("text")
                if delta:
                    completion += 1
                    yield delta
            self.last_usage = {"prompt_tokens": len(tokens), "completion_tokens": completion,
                               "prompt_eval_tokens": max(todo, 1)}

    def prompt_speed(self, n_tokens: int = PROMPT_SPEED_TOKENS) -> float:
        """This host's raw prompt speed: tokens/s evaluating a fixed ``n_tokens`` prompt.

        The KV cache is cleared first, so nothing is reused; runs on different CPUs
        compare by this number. The cache is left empty afterwards.
        """
        text = PROMPT_SPEED_TEXT * (n_tokens // 8 + 1)
        tokens = self._tokenize(text, special=False)[:n_tokens]
        with self._lock, self._abortable():
            # Untimed first: the first evaluation after loading pages the weights in.
            self._llm.reset()
            self._llm.eval(tokens[:PROMPT_SPEED_WARM_TOKENS])
            self._llm.reset()
            t0 = time.perf_counter()
            self._llm.eval(tokens)
            seconds = time.perf_counter() - t0
            self._llm.reset()
        return len(tokens) / seconds


def _common_prefix(a: Sequence[int], b: Sequence[int]) -> int:
    """Length of the common prefix of two token lists."""
    n = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        n += 1
    return n


def _llama(path: Path, name: str, settings: Settings) -> LlamaGenerator:
    return LlamaGenerator(path, name=name, n_ctx=settings.n_ctx, n_threads=settings.n_threads,
                          temperature=settings.temperature,
                          reuse_prompt_states=settings.reuse_prompt_states)


GeneratorFactory = Callable[[Path, str, Settings], Generator]

# Generator backends by the name ``models/registry.toml`` gives them:
# factory(model path, model id, settings).
GENERATOR_BACKENDS: dict[str, GeneratorFactory] = {"llama-cpp": _llama}


def load_generator(settings: Settings) -> Generator:
    """The generator: a remote server when ``settings.llm_url`` is set, else the model
    ``settings.generator`` from the model cache."""
    if settings.llm_url:
        from .remote import load_remote

        return load_remote(settings)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    spec = get_spec(settings.generator, settings)
    factory = GENERATOR_BACKENDS.get(spec.backend)
    if factory is None:
        raise ModelMissingError(f"{spec.id}: backend {spec.backend!r} is not a generator backend; "
                                f"known: {', '.join(sorted(GENERATOR_BACKENDS))}")
    return factory(model_path(spec.id, settings), spec.id, settings)
