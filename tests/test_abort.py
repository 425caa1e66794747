"""Stop while the model still reads the passages (issue 12): the chat worker
interrupts the model through ``Generator.abort_current`` instead of waiting for
the prompt to be evaluated, in the chat UI's service, behind the HTTP API, and
over a remote model server.

The fake generator "reads" every prompt for a minute unless aborted, so a wiring
that only stops between tokens keeps the next user queued for that minute; the
bounds below are a few seconds, far from both.
"""

from __future__ import annotations

import http.server
import socket
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
import uvicorn
from fakes import HashEmbedder, SlowPromptGenerator
from helpers import write_docs

from assistant import Assistant, Settings
from assistant.answer.remote import RemoteGenerator
from assistant.errors import GenerationAborted
from assistant.types import Vector
from assistant.web.api import create_app
from assistant.web.chat import ChatService, ChatUpdate
from assistant.web.kb import KnowledgeBase

DOCS = {"fund.txt": "广西今年2月设立了规模为100亿元的人工智能产业基金。该基金由自治区政府牵头。\n"}
QUESTION = "基金规模是多少？"
# How long a freed model may take to reach the next request here: the watcher's
# 50 ms repeat plus thread hand-overs on a busy 2-core host; the fake's prompt
# takes 60 s, so a missed abort cannot pass.
PROMPTLY = 5.0


class _SlowQueryEmbedder(HashEmbedder):
    """Hash embedder whose query embedding takes ``delay`` seconds (a slow retrieval)."""

    def __init__(self) -> None:
        super().__init__()
        self.delay = 0.0
        self.embedding = threading.Event()  # set once a query embedding started

    def embed_query(self, text: str) -> Vector:
        self.embedding.set()
        time.sleep(self.delay)
        return super().embed_query(text)


def _service(tmp_path: Path, gen: SlowPromptGenerator, embedder: HashEmbedder | None = None,
             ) -> ChatService:
    docs = write_docs(tmp_path / "docs", DOCS)
    settings = Settings(index_root=tmp_path / "index", upload_dir=tmp_path / "up", progress=False)
    bot = Assistant(settings, embedder=embedder or HashEmbedder(), generator=gen)
    kb = KnowledgeBase(bot, [docs], name="abort")
    kb.rebuild()
    return ChatService(bot, kb, poll_seconds=0.05)


def _wait_for(check: Callable[[], bool], seconds: float = 10.0) -> bool:
    deadline = time.monotonic() + seconds
    while not check() and time.monotonic() < deadline:
        time.sleep(0.01)
    return check()


class _User:
    """One chat user in a thread: their updates, a stop button, when they left the queue."""

    def __init__(self, service: ChatService) -> None:
        self.stop = threading.Event()
        self.updates: list[ChatUpdate] = []
        self.started: float | None = None  # perf_counter of the first non-queued update
        self._thread = threading.Thread(target=self._run, args=(service,), daemon=True)
        self._thread.start()

    def _run(self, service: ChatService) -> None:
        for update in service.respond(QUESTION, stop=self.stop):
            self.updates.append(update)
            if update.stage != "queued" and self.started is None:
                self.started = time.perf_counter()

    def reached(self, stage: str) -> bool:
        return any(u.stage == stage for u in self.updates)

    def finish(self) -> ChatUpdate:
        self.stop.set()
        self._thread.join(PROMPTLY)
        assert not self._thread.is_alive()
        return self.updates[-1]


def test_stop_while_the_model_reads_the_passages_starts_the_next_user_at_once(tmp_path: Path) -> None:
    gen = SlowPromptGenerator()
    service = _service(tmp_path, gen)
    a = _User(service)
    assert _wait_for(lambda: a.reached("reading") and gen.reading.is_set())
    b = _User(service)
    assert _wait_for(lambda: b.reached("queued"))
    t_stop = time.perf_counter()
    last = a.finish()
    assert last.stage == "stopped" and last.passages == 1 and last.text == ""
    assert _wait_for(lambda: b.started is not None, PROMPTLY)
    assert b.started is not None and b.started - t_stop < PROMPTLY
    assert gen.aborted == 1  # a's prompt was interrupted, not finished
    assert _wait_for(gen.reading.is_set)  # b's prompt is being read now
    assert b.finish().stage == "stopped"
    assert _wait_for(lambda: len(service.queue) == 0, PROMPTLY) and gen.aborted == 2


def test_stop_during_retrieval_interrupts_the_model_call_that_starts_after_it(tmp_path: Path) -> None:
    """The stop comes before the model call starts (which forgets earlier requests):
    the watcher asks again, so that call is interrupted as well."""
    embedder = _SlowQueryEmbedder()
    gen = SlowPromptGenerator()
    service = _service(tmp_path, gen, embedder)
    embedder.delay, embedder.embedding = 0.5, threading.Event()
    a = _User(service)
    assert embedder.embedding.wait(10) and not gen.reading.is_set()
    t_stop = time.perf_counter()
    assert a.finish().stage == "stopped"
    assert _wait_for(lambda: len(service.queue) == 0, PROMPTLY)
    assert time.perf_counter() - t_stop < PROMPTLY and gen.aborted == 1


def test_a_consumer_that_leaves_during_reading_frees_the_model(tmp_path: Path) -> None:
    """What the HTTP API does when its client disconnects: close the updates."""
    gen = SlowPromptGenerator()
    service = _service(tmp_path, gen)
    updates = service.respond(QUESTION)
    for update in updates:
        if update.stage == "reading" and gen.reading.is_set():
            break
    updates.close()  # type: ignore[attr-defined]
    assert _wait_for(lambda: len(service.queue) == 0, PROMPTLY) and gen.aborted == 1


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture()
def api_over_slow_model(tmp_path: Path) -> Iterator[tuple[str, ChatService, SlowPromptGenerator]]:
    gen = SlowPromptGenerator()
    service = _service(tmp_path, gen)
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(service), host="127.0.0.1", port=port,
                                           log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    assert _wait_for(lambda: server.started)
    yield f"http://127.0.0.1:{port}", service, gen
    server.should_exit = True
    thread.join(10)


def test_api_client_that_disconnects_during_reading_frees_the_model(
        api_over_slow_model: tuple[str, ChatService, SlowPromptGenerator]) -> None:
    url, service, gen = api_over_slow_model
    body = {"model": "default", "stream": True, "messages": [{"role": "user", "content": QUESTION}]}
    with httpx.stream("POST", f"{url}/v1/chat/completions", json=body, timeout=30) as response:
        next(response.iter_lines())  # the role chunk: the request is in
        assert gen.reading.wait(10)
    t_left = time.perf_counter()
    # (The API gives the queue place up itself once the response ends; the model is
    # free only when the prompt reading was interrupted.)
    assert _wait_for(lambda: gen.aborted == 1 and not gen.reading.is_set(), PROMPTLY)
    assert time.perf_counter() - t_left < PROMPTLY and len(service.queue) == 0


class _SilentServer(http.server.ThreadingHTTPServer):
    """A chat-completions server that answers 200 and then sends nothing (a model
    still reading a long prompt) until ``release`` is set."""

    daemon_threads = True

    def __init__(self) -> None:
        self.release = threading.Event()
        super().__init__(("127.0.0.1", 0), _SilentHandler)


class _SilentHandler(http.server.BaseHTTPRequestHandler):
    server: _SilentServer

    def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
        self.rfile.read(int(self.headers["Content-Length"]))
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.end_headers()
        self.wfile.flush()
        self.server.release.wait(60)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 (the base's name)
        pass


def test_remote_stream_is_interrupted_while_the_server_reads_the_prompt() -> None:
    server = _SilentServer()
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        gen = RemoteGenerator(f"http://127.0.0.1:{server.server_address[1]}/v1", "m", timeout=60)
        gen.abort_current()  # nothing open: no effect on the call below
        outcome: list[BaseException | None] = []

        def consume() -> None:
            try:
                list(gen.stream_chat([{"role": "user", "content": QUESTION}], 8))
                outcome.append(None)
            except BaseException as exc:  # noqa: BLE001 (recorded for the assertion)
                outcome.append(exc)

        thread = threading.Thread(target=consume, daemon=True)
        thread.start()
        assert _wait_for(lambda: gen._open is not None)
        t_abort = time.perf_counter()
        gen.abort_current()
        thread.join(PROMPTLY)
        assert time.perf_counter() - t_abort < PROMPTLY
        assert len(outcome) == 1 and isinstance(outcome[0], GenerationAborted), outcome
    finally:
        server.release.set()
        server.shutdown()
        server.server_close()
