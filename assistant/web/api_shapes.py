"""The OpenAI wire shapes of the HTTP API: requests, errors, responses and limits.

Kept apart from the app (``api``) so the shapes read as a reference of what
goes over the wire.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from ..types import Answer
from .chat import ChatUpdate

OWNER = "assistant"  # the extension field's name, and the models' owner
STREAM_PIECE_CHARS = 8  # a verified answer is streamed in pieces of about this size
LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1"})


@dataclass(frozen=True)
class ApiLimits:
    """Request limits of the HTTP API."""

    max_body_bytes: int = 64 * 1024
    max_queue: int = 16  # requests waiting or answering; one more gets 429
    max_question_chars: int = 2000

    def __post_init__(self) -> None:
        if min(self.max_body_bytes, self.max_queue, self.max_question_chars) < 1:
            raise ValueError("API limits must be at least 1")


def check_binding(host: str, secret: str | None, what: str = "an API key",
                  how: str = "--api-key or ASSISTANT_API_KEY") -> None:
    """Refuse to serve beyond this machine without ``what`` (a key, a login; raises
    ValueError saying why and ``how`` to set it). The HTTP API and the chat UI both use it."""
    if host not in LOOPBACK and not secret:
        raise ValueError(
            f"refusing to listen on {host} without {what}: anyone who can reach this "
            f"machine could read your documents. Set {how}, or listen on 127.0.0.1.")


def parse_login(value: str) -> tuple[str, str]:
    """``USER:PASSWORD`` → ``(user, password)``; raises ValueError when either is empty."""
    user, sep, password = value.partition(":")
    if not sep or not user or not password:
        raise ValueError("a chat login is USER:PASSWORD, both non-empty (e.g. --auth anna:long-secret)")
    return user, password


# --------------------------------------------------------------------------- requests


class ChatMessage(BaseModel):
    """One message of a chat-completions request (text content only)."""

    role: Literal["system", "user", "assistant", "developer", "tool"]
    content: str | list[dict[str, Any]] | None = None

    def text(self) -> str:
        """The message text (text parts of a multi-part content joined)."""
        if isinstance(self.content, list):
            return "".join(str(p.get("text", "")) for p in self.content if p.get("type") == "text")
        return self.content or ""


class StreamOptions(BaseModel):
    """OpenAI's ``stream_options``."""

    include_usage: bool = False


class ChatRequest(BaseModel):
    """The fields of a chat-completions request this API reads (others are accepted and
    ignored: sampling is fixed, the answer length is the pipeline's)."""

    model: str = "default"
    messages: list[ChatMessage] = Field(min_length=1)
    stream: bool = False
    stream_options: StreamOptions | None = None
    model_config = {"extra": "allow"}


class SearchRequest(BaseModel):
    """``POST /v1/search``."""

    query: str
    k: int = Field(default=5, ge=1, le=100)
    mode: Literal["hybrid", "dense", "bm25"] = "hybrid"


class ApiError(Exception):
    """An error answered in OpenAI's shape."""

    def __init__(self, status: int, message: str, type_: str = "invalid_request_error",
                 code: str | None = None, param: str | None = None,
                 headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status, self.message, self.type, self.code, self.param = status, message, type_, code, param
        self.headers = headers or {}

    def response(self) -> JSONResponse:
        """The JSON response."""
        body = {"error": {"message": self.message, "type": self.type, "param": self.param,
                          "code": self.code}}
        return JSONResponse(body, status_code=self.status, headers=self.headers)


def split_conversation(messages: Sequence[ChatMessage]) -> tuple[str, list[tuple[str, str]]]:
    """(question, earlier (question, answer) turns) from a chat-completions message list."""
    turns = [m for m in messages if m.role in ("user", "assistant")]
    if not turns or turns[-1].role != "user" or not turns[-1].text().strip():
        raise ApiError(400, "the last message must be a user message with text", param="messages")
    history: list[tuple[str, str]] = []
    pending: str | None = None
    for m in turns[:-1]:
        if m.role == "user":
            pending = m.text()
        elif pending is not None:
            history.append((pending, m.text()))
            pending = None
    return turns[-1].text().strip(), history


# --------------------------------------------------------------------------- responses


def extension(answer: Answer, update: ChatUpdate) -> dict[str, Any]:
    """The ``assistant`` extension field: what standard clients ignore and ours read."""
    return {
        "citations": [{"marker": c.marker, "source": c.source, "doc_id": c.doc_id,
                       "chunk_id": c.chunk_id, "start": c.start, "end": c.end, "quote": c.quote,
                       "added": c.added} for c in answer.citations],
        "refused": answer.refused,
        "confidence": answer.confidence,
        "standalone_question": update.standalone,
        "timings": {k: round(v, 4) for k, v in update.timings.items()},
    }


def usage(answer: Answer) -> dict[str, int]:
    """OpenAI ``usage`` from the answer's real token counts."""
    return {"prompt_tokens": answer.prompt_tokens, "completion_tokens": answer.completion_tokens,
            "total_tokens": answer.prompt_tokens + answer.completion_tokens}


def pieces(text: str, size: int = STREAM_PIECE_CHARS) -> list[str]:
    """``text`` cut into pieces that concatenate back to it."""
    return [text[i : i + size] for i in range(0, len(text), size)] or [""]


def sse(data: dict[str, Any] | str) -> str:
    """One server-sent event carrying ``data`` (JSON, or a literal such as ``[DONE]``)."""
    return f"data: {data if isinstance(data, str) else json.dumps(data, ensure_ascii=False)}\n\n"
