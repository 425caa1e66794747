"""An OpenAI-compatible HTTP API over the same ``ChatService`` as the chat UI.

Routes (all but ``/health`` need ``Authorization: Bearer KEY`` when a key is set):

- ``POST /v1/chat/completions``: the last user message is the question, earlier
  user/assistant turns feed the follow-up rewriting (a client's system message
  is ignored: the answer follows our own prompts). Non-streaming, or
  ``stream: true`` as server-sent events in OpenAI's chunk format ending with
  ``data: [DONE]``. The text carries the ``[n]`` markers; the verified citations,
  the refusal flag, the confidence and the timings travel in the extension
  field ``assistant`` (the last chunk when streaming), which standard clients
  ignore. ``usage`` holds the model's real token counts.
- ``GET /v1/models``: the answer profiles (``default``, ``fast``) as models.
- ``POST /v1/search`` (extension): the ranked passages, as ``assistant search --json``.
- ``GET /health`` (liveness) and ``GET /ready`` (index and model loaded).

Streaming sends the answer once it has passed the grounding and citation
checks: a chat-completions stream cannot take back text, and an answer the
checks turn into a refusal must never reach the client. Until then the stream
carries SSE comments (queue position, progress) that clients skip; a client
that disconnects gives up its queue place and stops its generation.

Every error is JSON in OpenAI's shape ``{"error": {"message", "type", "param",
"code"}}``, never a stack trace.
"""

from __future__ import annotations

import asyncio
import hmac
import logging
import math
import threading
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, StreamingResponse
from starlette.background import BackgroundTask
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ..types import Answer
from .api_shapes import (
    OWNER,
    ApiError,
    ApiLimits,
    ChatRequest,
    SearchRequest,
    extension,
    pieces,
    split_conversation,
    sse,
    usage,
)
from .chat import PROFILES, ChatOptions, ChatService, ChatUpdate
from .gen_queue import Ticket

logger = logging.getLogger(__name__)

# Rough seconds one answer holds the model (eval/RESULTS.md: total p50 2-4 s on
# 2 cores); a full queue's Retry-After is this times the requests ahead.
SECONDS_PER_ANSWER = 4.0
POLL_SECONDS = 0.25  # how often a waiting stream checks whether its client is gone


# --------------------------------------------------------------------------- the app


class _BodyLimit:
    """ASGI middleware: a request body over ``limit`` bytes is answered 413 unread."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app, self.limit = app, limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.limit:
            await self._too_large(scope, receive, send)
            return
        seen = 0

        async def counting() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.limit:
                    raise ApiError(413, f"request body over {self.limit} bytes", code="body_too_large")
            return message

        await self.app(scope, counting, send)

    async def _too_large(self, scope: Scope, receive: Receive, send: Send) -> None:
        response = ApiError(413, f"request body over {self.limit} bytes", code="body_too_large").response()
        await response(scope, receive, send)


class Api:
    """The FastAPI application and the request handling behind it."""

    def __init__(self, service: ChatService, api_key: str | None = None,
                 limits: ApiLimits | None = None) -> None:
        self.service = service
        self.api_key = api_key or None
        self.limits = limits or ApiLimits(max_question_chars=service.base.settings.max_question_chars)
        self.app = self._build()

    # -- plumbing -------------------------------------------------------------
    def _build(self) -> FastAPI:
        app = FastAPI(title="assistant", description=__doc__, docs_url=None, redoc_url=None)
        app.add_middleware(_BodyLimit, limit=self.limits.max_body_bytes)

        @app.exception_handler(ApiError)
        async def api_error(request: Request, exc: ApiError) -> JSONResponse:
            return exc.response()

        @app.exception_handler(RequestValidationError)
        async def invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
            first = exc.errors()[0] if exc.errors() else {}
            where = ".".join(str(p) for p in first.get("loc", ()) if p != "body")
            return ApiError(400, f"invalid request: {where}: {first.get('msg', 'malformed')}",
                            param=where or None).response()

        @app.exception_handler(StarletteHTTPException)
        async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
            return ApiError(exc.status_code, str(exc.detail), code="not_found"
                            if exc.status_code == 404 else None).response()

        @app.exception_handler(Exception)
        async def crash(request: Request, exc: Exception) -> JSONResponse:
            logger.exception("API request failed")
            return ApiError(500, f"internal error ({type(exc).__name__})", "server_error").response()

        @app.middleware("http")
        async def auth(request: Request, call_next: Any) -> Any:
            if self.api_key and request.url.path != "/health":
                given = request.headers.get("authorization", "")
                token = given[7:] if given.lower().startswith("bearer ") else ""
                if not hmac.compare_digest(token.encode(), self.api_key.encode()):
                    return ApiError(401, "missing or wrong API key (send Authorization: Bearer KEY)",
                                    code="invalid_api_key").response()
            return await call_next(request)

        app.get("/health")(self.health)
        app.get("/ready")(self.ready)
        app.get("/v1/models")(self.models)
        app.post("/v1/search")(self.search)
        app.post("/v1/chat/completions")(self.chat_completions)
        return app

    # -- routes ---------------------------------------------------------------
    def health(self) -> dict[str, str]:
        """Liveness: the process answers HTTP."""
        return {"status": "ok"}

    def ready(self) -> JSONResponse:
        """Readiness: an index is loaded and the default model is in memory."""
        bot = self.service.base
        index = bot.current_index
        state = {"index": index.manifest.get("name") if index else None,
                 "chunks": len(index.chunks) if index else 0, "model_loaded": bot.generator_loaded,
                 "queue": len(self.service.queue)}
        ok = index is not None and bot.generator_loaded
        return JSONResponse({"ready": ok, **state}, status_code=200 if ok else 503)

    def models(self) -> dict[str, Any]:
        """The answer profiles as OpenAI models."""
        settings = self.service.base.settings
        generators = {"default": settings.generator, "fast": settings.fast_generator}
        return {"object": "list", "data": [
            {"id": p, "object": "model", "created": 0, "owned_by": OWNER, "generator": generators[p]}
            for p in PROFILES]}

    def search(self, body: SearchRequest) -> dict[str, Any]:
        """The ranked passages for a query (``assistant search --json``)."""
        if len(body.query) > self.limits.max_question_chars:
            raise ApiError(400, f"query over {self.limits.max_question_chars} characters", param="query")
        hits = self.service.base.search(body.query, k=body.k, mode=body.mode)
        return {"object": "list", "data": [h.to_json() for h in hits]}

    def _profile(self, model: str) -> str:
        settings = self.service.base.settings
        aliases = {settings.generator: "default", settings.fast_generator: "fast"}
        profile = aliases.get(model, model)
        if profile not in PROFILES:
            raise ApiError(404, f"The model '{model}' does not exist; models: {', '.join(PROFILES)}",
                           code="model_not_found", param="model")
        return profile

    def _ticket(self) -> Ticket:
        ticket = self.service.queue.try_join(self.limits.max_queue)
        if ticket is None:
            wait = max(1, math.ceil(len(self.service.queue) * SECONDS_PER_ANSWER))
            raise ApiError(429, f"the assistant is busy ({len(self.service.queue)} requests queued); "
                                f"retry in about {wait} s", "rate_limit_error", code="queue_full",
                           headers={"Retry-After": str(wait)})
        return ticket

    def _prepare(self, body: ChatRequest) -> tuple[str, list[tuple[str, str]], str]:
        question, history = split_conversation(body.messages)
        if len(question) > self.limits.max_question_chars:
            raise ApiError(400, f"the question is {len(question)} characters long; the limit is "
                                f"{self.limits.max_question_chars}", param="messages",
                           code="question_too_long")
        return question, history, self._profile(body.model)

    def chat_completions(self, body: ChatRequest, request: Request) -> Any:
        """Answer the last user message (OpenAI chat completions)."""
        question, history, profile = self._prepare(body)
        ticket = self._ticket()
        updates = self.service.respond(question, history, ChatOptions(profile=profile), ticket=ticket)
        cid = f"chatcmpl-{uuid.uuid4().hex[:24]}"
        if body.stream:
            include_usage = bool(body.stream_options and body.stream_options.include_usage)
            # The background task gives the place up even when the client left before
            # the stream started (the generator's own cleanup never runs then).
            return StreamingResponse(self._stream(updates, request, cid, body.model, include_usage),
                                     media_type="text/event-stream", background=BackgroundTask(ticket.leave),
                                     headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})
        final = _last(updates)
        answer = _final_answer(final)
        assert final is not None  # _final_answer raised otherwise
        return {"id": cid, "object": "chat.completion", "created": int(time.time()), "model": body.model,
                "choices": [{"index": 0, "message": {"role": "assistant", "content": answer.text},
                             "finish_reason": "stop", "logprobs": None}],
                "usage": usage(answer), OWNER: extension(answer, final)}

    async def _stream(self, updates: Iterator[ChatUpdate], request: Request, cid: str, model: str,
                      include_usage: bool) -> AsyncIterator[str]:
        """SSE: the role at once, comments while queued or generating, then the verified
        answer in pieces, a last chunk with ``finish_reason`` and the extension, ``[DONE]``."""
        loop = asyncio.get_running_loop()
        inbox: asyncio.Queue[ChatUpdate | None] = asyncio.Queue()
        stop = threading.Event()

        def work() -> None:
            try:
                for update in updates:
                    loop.call_soon_threadsafe(inbox.put_nowait, update)
                    if stop.is_set():
                        break
            finally:
                updates.close()  # type: ignore[attr-defined]  # frees the queue place, stops llama
                loop.call_soon_threadsafe(inbox.put_nowait, None)

        worker = threading.Thread(target=work, name="api-stream", daemon=True)
        worker.start()
        head = {"id": cid, "object": "chat.completion.chunk", "created": int(time.time()), "model": model}
        yield sse({**head, "choices": [{"index": 0, "delta": {"role": "assistant", "content": ""},
                                         "finish_reason": None}]})
        final: ChatUpdate | None = None
        try:
            while True:
                try:
                    update = await asyncio.wait_for(inbox.get(), POLL_SECONDS)
                except TimeoutError:
                    if await request.is_disconnected():
                        logger.info("client left %s; stopping its answer", cid)
                        return
                    continue
                if update is None:
                    break
                if update.stage == "queued":
                    yield f": queued, position {update.queue_position}\n\n"
                elif update.stage in ("rewriting", "answering"):
                    yield f": {update.stage}\n\n"
                else:
                    final = update
            if final is None or final.stage == "error" or final.answer is None:
                error = _error_of(final)
                yield sse({"error": {"message": error.message, "type": error.type, "param": None,
                                      "code": error.code}})
                yield sse("[DONE]")
                return
            answer = final.answer
            for piece in pieces(answer.text):
                yield sse({**head, "choices": [{"index": 0, "delta": {"content": piece},
                                                 "finish_reason": None}]})
            yield sse({**head, "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}],
                        OWNER: extension(answer, final)})
            if include_usage:
                yield sse({**head, "choices": [], "usage": usage(answer)})
            yield sse("[DONE]")
        finally:
            stop.set()


def _last(updates: Iterator[ChatUpdate]) -> ChatUpdate | None:
    final = None
    for update in updates:
        final = update
    return final


def _error_of(final: ChatUpdate | None) -> ApiError:
    if final is None:
        return ApiError(500, "the answer ended without a result", "server_error")
    if final.error_kind == "input":
        return ApiError(400, final.error, param="messages")
    return ApiError(500, final.error or "the answer failed", "server_error")


def _final_answer(final: ChatUpdate | None) -> Answer:
    if final is None or final.stage != "done" or final.answer is None:
        raise _error_of(final)
    return final.answer


def create_app(service: ChatService, api_key: str | None = None,
               limits: ApiLimits | None = None) -> FastAPI:
    """The FastAPI app serving ``service`` (see the module docstring)."""
    return Api(service, api_key, limits).app
