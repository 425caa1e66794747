"""Generation on a remote OpenAI-compatible server (llama.cpp's server, vLLM, ...).

Only the generator moves: retrieval, evidence selection, the answerability
decision, grounding and citation checks stay in this process. Three things the
local llama.cpp generator does need more than the chat-completions API offers,
and degrade here:

- ``continuation_logprob`` (answerability's ``p_refuse``) reads the top
  log-probabilities of the first generated token (``logprobs`` +
  ``top_logprobs``) and scores the refusal by its first token; a server without
  log-probabilities gets ``p_refuse`` fixed at ``FALLBACK_P_REFUSE``, so the
  decision rests on key-term coverage and the dense score (logged once);
- ``ban_first`` (the refusal's first token forbidden as the answer's start) has
  no portable form (token ids differ per server), so it is not sent; an answer
  that is a refusal after all is still caught by the answer checks;
- ``count_tokens`` (the evidence budget) is an estimate from the measured
  Qwen2.5 tokenizer rates below.

``abort_current`` (a chat user pressed Stop) shuts the socket of the open
``stream_chat`` response down, which wakes the read that waits for the server's
next piece, including the first one while the server is still reading the
prompt; the server sees the connection close. The one-token
``continuation_logprob`` request is not interrupted.
"""

from __future__ import annotations

import contextlib
import json
import logging
import math
import os
import re
import socket
import threading
from collections.abc import Iterator, Sequence
from typing import Any

import httpx

from ..errors import BackendUnavailableError, GenerationAborted
from ..settings import Settings

logger = logging.getLogger(__name__)

API_KEY_ENV = "ASSISTANT_LLM_API_KEY"
# Qwen2.5's tokenizer on the reference corpus: 0.58 tokens per Chinese character,
# 5.1 characters per token of English text.
TOKENS_PER_CJK_CHAR = 0.58
CHARS_PER_OTHER_TOKEN = 5.1
FALLBACK_P_REFUSE = 0.5  # p_refuse when the server gives no log-probabilities
TOP_LOGPROBS = 20
CONNECT_SECONDS = 5.0
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff\u3000-\u303f\uff00-\uffef]")


def estimate_tokens(text: str) -> int:
    """Prompt tokens ``text`` costs, estimated from character classes."""
    cjk = len(_CJK.findall(text))
    return math.ceil(cjk * TOKENS_PER_CJK_CHAR + (len(text) - cjk) / CHARS_PER_OTHER_TOKEN)


class RemoteGenerator:
    """``Generator`` over an OpenAI-compatible ``/chat/completions`` endpoint."""

    def __init__(self, base_url: str, model: str, temperature: float = 0.0,
                 timeout: float = 120.0, api_key: str | None = None) -> None:
        self.base_url = base_url.rstrip("/")
        self.name = model or "remote"
        self.model = model
        self.temperature = temperature
        key = api_key if api_key is not None else os.environ.get(API_KEY_ENV, "")
        headers = {"Authorization": f"Bearer {key}"} if key else {}
        self._http = httpx.Client(base_url=self.base_url, headers=headers,
                                  timeout=httpx.Timeout(timeout, connect=CONNECT_SECONDS))
        self.last_usage: dict[str, int] = {"prompt_tokens": 0, "completion_tokens": 0}
        self._logprobs_ok = True
        self._open: httpx.Response | None = None  # the stream ``abort_current`` interrupts
        self._aborted = False  # whether it did (for the stream that is open)
        self._open_lock = threading.Lock()

    def _body(self, messages: Sequence[dict[str, str]], max_tokens: int, **extra: Any) -> dict[str, Any]:
        body: dict[str, Any] = {"messages": list(messages), "max_tokens": max_tokens,
                                "temperature": self.temperature, **extra}
        if self.model:
            body["model"] = self.model
        return body

    def _fail(self, exc: Exception) -> BackendUnavailableError:
        return BackendUnavailableError(
            f"the answering model at {self.base_url} is not available ({type(exc).__name__}: {exc}). "
            "Start it, or drop --llm-url / Settings.llm_url to answer with the local model.")

    def stream_chat(self, messages: Sequence[dict[str, str]], max_tokens: int,
                    ban_first: tuple[str, ...] = ()) -> Iterator[str]:
        """Stream the reply (``ban_first`` cannot be sent portably; see the module docstring)."""
        body = self._body(messages, max_tokens, stream=True, stream_options={"include_usage": True})
        prompt = sum(estimate_tokens(m["content"]) for m in messages)
        text = ""
        usage: dict[str, Any] | None = None
        try:
            with self._http.stream("POST", "/chat/completions", json=body) as response, \
                    self._abortable(response):
                if response.status_code >= 400:
                    response.read()
                    raise BackendUnavailableError(
                        f"the answering model at {self.base_url} answered HTTP {response.status_code}: "
                        f"{response.text[:300]}")
                for line in response.iter_lines():
                    if not line.startswith("data:"):
                        continue
                    data = line[5:].strip()
                    if data == "[DONE]":
                        break
                    chunk = json.loads(data)
                    usage = chunk.get("usage") or usage
                    for choice in chunk.get("choices") or []:
                        piece = (choice.get("delta") or {}).get("content") or ""
                        if piece:
                            text += piece
                            yield piece
        except httpx.HTTPError as exc:
            if self._aborted:
                raise GenerationAborted("the answer was stopped before the model finished") from exc
            raise self._fail(exc) from exc
        if self._aborted:  # the shut socket read as the end of the stream
            raise GenerationAborted("the answer was stopped before the model finished")
        self.last_usage = {
            "prompt_tokens": int((usage or {}).get("prompt_tokens") or prompt),
            "completion_tokens": int((usage or {}).get("completion_tokens") or estimate_tokens(text)),
        }

    @contextlib.contextmanager
    def _abortable(self, response: httpx.Response) -> Iterator[None]:
        """Make ``response`` the stream ``abort_current`` interrupts while inside."""
        with self._open_lock:
            self._open, self._aborted = response, False
        try:
            yield
        finally:
            with self._open_lock:
                self._open = None

    def abort_current(self) -> None:
        """Interrupt the open ``stream_chat`` (see the module docstring); the stream
        raises ``GenerationAborted``. No effect when no stream is open."""
        with self._open_lock:
            response = self._open
            if response is None:
                return
            self._aborted = True
        # Shut down, not close: a socket closed under a blocked read does not wake it.
        stream = response.extensions.get("network_stream")
        sock = stream.get_extra_info("socket") if stream is not None else None
        if isinstance(sock, socket.socket):
            with contextlib.suppress(OSError):  # already closed by the server
                sock.shutdown(socket.SHUT_RDWR)
        else:
            response.close()

    def continuation_logprob(self, messages: Sequence[dict[str, str]], text: str) -> float:
        """Log-probability that the reply starts with ``text``, read from the first
        generated token's top log-probabilities (see the module docstring)."""
        fallback = math.log(FALLBACK_P_REFUSE)
        if not self._logprobs_ok:
            return fallback
        body = self._body(messages, 1, logprobs=True, top_logprobs=TOP_LOGPROBS)
        try:
            response = self._http.post("/chat/completions", json=body)
        except httpx.HTTPError as exc:
            raise self._fail(exc) from exc
        data = response.json() if response.status_code < 400 else {}
        choices = data.get("choices") or [{}]
        content = ((choices[0].get("logprobs") or {}).get("content")) or []
        usage = data.get("usage") or {}
        self.last_usage = {"prompt_tokens": int(usage.get("prompt_tokens") or 0), "completion_tokens": 0}
        if not content or not content[0].get("top_logprobs"):
            self._logprobs_ok = False
            logger.warning("%s gives no log-probabilities (HTTP %s); answerability uses p_refuse=%.2f "
                           "and key-term coverage", self.base_url, response.status_code, FALLBACK_P_REFUSE)
            return fallback
        start = text.strip()
        matches = [float(t["logprob"]) for t in content[0]["top_logprobs"]
                   if t.get("token", "").strip() and start.startswith(t["token"].strip())]
        return max(matches, default=math.log(1e-6))

    def count_tokens(self, text: str) -> int:
        """Estimated prompt tokens of ``text``."""
        return estimate_tokens(text)


def load_remote(settings: Settings) -> RemoteGenerator:
    """The remote generator ``settings.llm_url`` names."""
    return RemoteGenerator(settings.llm_url, settings.llm_model, settings.temperature,
                           settings.llm_timeout)
