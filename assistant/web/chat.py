"""Chat sessions over one shared ``Assistant``: the core behind the Gradio app.

Many browser sessions share one index and one loaded model per profile. The
model cannot serve two streams at once, so every question takes a ticket in a
FIFO ``GenerationQueue`` and waits (reporting its position) until it is first.
``ChatService.respond`` yields ``ChatUpdate`` snapshots that a front end only
has to draw.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Literal

from ..assistant import Assistant, IndexReport
from ..errors import AssistantError, InputError
from ..settings import Settings
from ..types import Answer
from .kb import KnowledgeBase

logger = logging.getLogger(__name__)

PROFILES = ("default", "fast")
LANGUAGES = ("auto", "zh", "en")


class Ticket:
    """A place in a ``GenerationQueue``; ``leave`` it when done (or abandoned)."""

    def __init__(self, queue: GenerationQueue) -> None:
        self._queue = queue

    def position(self) -> int:
        """How many requests are ahead (0: this one may run now)."""
        return self._queue._position(self)

    def wait(self, timeout: float) -> int:
        """Wait up to ``timeout`` seconds for the position to change; return it."""
        return self._queue._wait(self, timeout)

    def leave(self) -> None:
        """Give up the place (after running, or when the user went away)."""
        self._queue._leave(self)


class GenerationQueue:
    """First come, first served access to the generator, with visible positions.

    One queue serves every profile: on 2 cores two concurrent generations would
    each run at half speed, so serialising them costs nobody throughput.
    """

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._line: list[Ticket] = []

    def join(self) -> Ticket:
        """Take a ticket at the end of the line."""
        ticket = Ticket(self)
        with self._cond:
            self._line.append(ticket)
        return ticket

    def try_join(self, limit: int) -> Ticket | None:
        """A ticket, unless ``limit`` requests already hold one (then None: the caller
        answers "busy" instead of making the line longer)."""
        with self._cond:
            if len(self._line) >= limit:
                return None
            ticket = Ticket(self)
            self._line.append(ticket)
            return ticket

    def __len__(self) -> int:
        with self._cond:
            return len(self._line)

    def _position(self, ticket: Ticket) -> int:
        with self._cond:
            return self._line.index(ticket) if ticket in self._line else 0

    def _wait(self, ticket: Ticket, timeout: float) -> int:
        with self._cond:
            if ticket in self._line and self._line.index(ticket) > 0:
                self._cond.wait(timeout)
            return self._line.index(ticket) if ticket in self._line else 0

    def _leave(self, ticket: Ticket) -> None:
        with self._cond:
            if ticket in self._line:
                self._line.remove(ticket)
                self._cond.notify_all()


_DEFAULTS = Settings()


@dataclass(frozen=True)
class ChatOptions:
    """Per-session choices from the settings panel."""

    profile: str = "default"
    # Defaults are the library's own (one list of defaults: ``Settings``).
    top_k: int = _DEFAULTS.top_k
    dense_weight: float = _DEFAULTS.dense_weight
    bm25_weight: float = _DEFAULTS.bm25_weight
    language: str = _DEFAULTS.language

    def overrides(self) -> dict[str, object]:
        """The per-call ``Settings`` overrides these options stand for."""
        return {"top_k": int(self.top_k), "dense_weight": float(self.dense_weight),
                "bm25_weight": float(self.bm25_weight), "language": self.language}


Stage = Literal["queued", "rewriting", "answering", "done", "error"]


@dataclass(frozen=True)
class ChatUpdate:
    """A snapshot of one answer in progress (front ends redraw from it)."""

    stage: Stage
    question: str
    standalone: str = ""
    text: str = ""
    queue_position: int = 0
    answer: Answer | None = None
    error: str = ""
    # Why it failed: "input" (the request was wrong: empty or too long question,
    # unknown profile) or "server" (a fault of ours); "" unless stage is "error".
    error_kind: Literal["", "input", "server"] = ""
    timings: dict[str, float] = field(default_factory=dict)


class ChatService:
    """Shared state of a chat app: the assistant per profile, the queue, the knowledge base."""

    def __init__(self, assistant: Assistant, kb: KnowledgeBase | None = None,
                 queue: GenerationQueue | None = None, poll_seconds: float = 0.5,
                 profiles: dict[str, Assistant] | None = None) -> None:
        self.base = assistant
        self.kb = kb
        self.queue = queue or GenerationQueue()
        self.poll_seconds = poll_seconds
        # Other profiles are made on first use; ``profiles`` lets callers supply them.
        self._profiles: dict[str, Assistant] = {**(profiles or {}), "default": assistant}
        self._profiles_lock = threading.Lock()
        if kb is not None:
            kb.on_index = self._index_changed

    def _index_changed(self, report: IndexReport) -> None:
        index = self.base.current_index
        if index is None:
            return
        with self._profiles_lock:
            for name, bot in self._profiles.items():
                if bot is not self.base:
                    bot.use_index(index)
                    logger.info("profile %s now uses index %s", name, report.name)

    def assistant_for(self, profile: str) -> Assistant:
        """The assistant of a generator profile (``fast`` is created on first use)."""
        if profile not in PROFILES:
            raise InputError(f"unknown profile {profile!r}; choose one of {', '.join(PROFILES)}")
        with self._profiles_lock:
            if profile not in self._profiles:
                self._profiles[profile] = self.base.variant(generator=self.base.settings.fast_generator)
            return self._profiles[profile]

    def respond(self, question: str, history: Sequence[tuple[str, str]] = (),
                options: ChatOptions | None = None, ticket: Ticket | None = None) -> Iterator[ChatUpdate]:
        """Answer ``question`` in the context of ``history`` ((question, answer) turns).

        Yields ``queued`` updates while other requests hold the model, a
        ``rewriting`` update when a follow-up is made standalone, ``answering``
        updates as text streams, then ``done`` with the ``Answer`` - or ``error``
        with a readable message; this never raises for a bad request. ``ticket``
        is a place already taken in ``self.queue`` (``try_join``); closing the
        iterator early gives the place up and stops the generation.
        """
        options = options or ChatOptions()
        t0 = time.perf_counter()
        ticket = ticket or self.queue.join()
        try:
            bot = self.assistant_for(options.profile)
            position = ticket.position()
            while position > 0:
                yield ChatUpdate("queued", question, queue_position=position)
                position = ticket.wait(self.poll_seconds)
            waited = time.perf_counter() - t0
            standalone = question.strip()
            if history:
                yield ChatUpdate("rewriting", question, standalone=standalone)
                standalone = bot.contextualize(question, history)
            t1 = time.perf_counter()
            text = ""
            for item in bot.stream(standalone, **options.overrides()):
                if isinstance(item, Answer):
                    timings = dict(item.timings)
                    timings["queue"] = waited
                    timings["rewrite"] = t1 - t0 - waited
                    timings["first_token_total"] = timings.get("first_token", 0.0) + (t1 - t0)
                    timings["total_with_queue"] = time.perf_counter() - t0
                    yield ChatUpdate("done", question, standalone=standalone, text=item.text,
                                     answer=item, timings=timings)
                else:
                    text += item
                    yield ChatUpdate("answering", question, standalone=standalone, text=text)
        except AssistantError as exc:
            yield ChatUpdate("error", question, error=str(exc),
                             error_kind="input" if isinstance(exc, InputError) else "server")
        except Exception as exc:  # one broken request must not take the app down
            logger.exception("chat request failed")
            yield ChatUpdate("error", question, error=f"{type(exc).__name__}: {exc}", error_kind="server")
        finally:
            ticket.leave()

