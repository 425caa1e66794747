"""Chat sessions over one shared ``Assistant``: the core behind the Gradio app.

Many browser sessions share one index and one loaded model per profile. The
model cannot serve two streams at once, so every question takes a ticket in a
FIFO ``GenerationQueue`` and waits (reporting its position) until it is first.
``ChatService.respond`` yields ``ChatUpdate`` snapshots that a front end only
has to draw: the stage (queued with an estimated wait, searching, reading N
passages, writing), the elapsed time, and the text so far. The answer is made
in a worker thread, so a stop request (or a client that left) ends the model's
work at once, also while it is still reading the passages (``Generator.abort_current``
interrupts llama.cpp mid-prompt), and hands the model to the next in line.
"""

from __future__ import annotations

import logging
import queue
import statistics
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Literal

from ..assistant import Assistant, IndexReport
from ..errors import AssistantError, GenerationAborted, InputError
from ..settings import Settings
from ..types import Answer, Generator
from .gen_queue import GenerationQueue, Ticket
from .kb import KnowledgeBase

logger = logging.getLogger(__name__)

PROFILES = ("default", "fast")
LANGUAGES = ("auto", "zh", "en")


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


# The life of one answer: waiting for the model, making a follow-up standalone,
# retrieving ("searching"), the model reading the passages before its first token
# ("reading"), streaming ("answering"), then one of the three ends.
Stage = Literal["queued", "rewriting", "searching", "reading", "answering", "done", "stopped", "error"]
FINAL_STAGES = ("done", "stopped", "error")

# After a stop, how often the run's model is asked again to abort while the run
# still holds it: a model call only forgets requests made before it started, so
# one that starts after the stop (the model reading the passages once retrieval
# is done) is interrupted by the next request. 50 ms is far below what a person
# notices (the prompt alone takes 3-7 s on 2 cores); a request is one byte written.
ABORT_REPEAT_SECONDS = 0.05

# Answers whose service time (rewrite + retrieval + generation) feeds the queue's
# wait estimate: enough to smooth one odd question, few enough to follow a
# profile switch or a busier host within a few minutes.
RECENT_ANSWERS = 8


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
    passages: int = 0  # passages retrieved for the model to read (from stage "reading" on)
    elapsed: float = 0.0  # seconds since the question arrived
    # Stage "queued": estimated seconds until this request starts, from recent
    # answers' durations; None until one answer has been timed.
    wait_estimate: float | None = None


class _Run:
    """One answer produced in a worker thread, so the caller can report stages and
    elapsed time while the model is busy, and stop it between two tokens.

    Events go to ``inbox`` as (kind, value). The worker owns the queue ticket from
    its start: it leaves the ticket only once the model stream is closed, so the
    next request starts exactly when the model is free. A watcher thread turns a
    stop request into ``abort_current`` calls on the model while the worker holds
    it, so a stop during a long prompt does not wait for the prompt's end.
    """

    def __init__(self, bot: Assistant, question: str, history: Sequence[tuple[str, str]],
                 options: ChatOptions, ticket: Ticket, stop: threading.Event,
                 on_busy: Callable[[bool], None], on_answer: Callable[[float], None]) -> None:
        self.inbox: queue.Queue[tuple[str, object]] = queue.Queue()
        self._args = (bot, question, history, options)
        self._ticket = ticket
        self._stop = stop
        self._on_busy = on_busy
        self._on_answer = on_answer
        self._thread = threading.Thread(target=self._work, name="chat-answer", daemon=True)
        self._watcher = threading.Thread(target=self._watch, name="chat-abort", daemon=True)
        self.rewritten_at: float | None = None  # perf_counter when the question was standalone
        # Set (under ``_hold``) just before the worker gives its ticket up: from then
        # on the model may serve the next request and must not be aborted from here.
        self._released = threading.Event()
        self._hold = threading.Lock()
        self._answered = False  # the worker has the final answer: nothing left to abort

    def start(self) -> None:
        """Begin answering."""
        self._thread.start()
        self._watcher.start()

    def _generator(self) -> Generator | None:
        bot = self._args[0]
        return bot.generator if bot.generator_loaded else None  # never load a model to abort it

    def _watch(self) -> None:
        """Once stop is set, ask the model to abort until the worker lets it go."""
        while not self._released.wait(ABORT_REPEAT_SECONDS):
            if not self._stop.is_set() or self._answered:
                continue
            with self._hold:
                generator = None if self._released.is_set() else self._generator()
                if generator is not None:
                    generator.abort_current()

    def _work(self) -> None:
        bot, question, history, options = self._args
        put = self.inbox.put
        t0 = time.perf_counter()
        stream: Iterator[str | Answer] | None = None
        self._on_busy(True)
        try:
            standalone = question.strip()
            if history:
                put(("rewriting", standalone))
                standalone = bot.contextualize(question, history)
            self.rewritten_at = time.perf_counter()
            put(("searching", standalone))
            if self._stop.is_set():
                return
            stream = bot.stream(standalone, on_retrieved=lambda hits: put(("reading", len(hits))),
                                **options.overrides())
            for item in stream:
                if self._stop.is_set():
                    break
                if isinstance(item, Answer):
                    self._answered = True
                    self._on_answer(time.perf_counter() - t0)
                put(("answer" if isinstance(item, Answer) else "piece", item))
        except GenerationAborted as exc:  # the stop above; ``respond`` reports "stopped"
            if not self._stop.is_set():
                put(("error", exc))
        except Exception as exc:  # reported by ``respond``; one request must not take the app down
            put(("error", exc))
        finally:
            if stream is not None:
                # Closing the generator closes the llama stream under it: the model
                # lock is released and no further token is computed.
                stream.close()  # type: ignore[attr-defined]
            self._on_busy(False)
            with self._hold:
                self._released.set()
            self._ticket.leave()
            put(("end", None))


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
        self._timing_lock = threading.Lock()
        self._recent: deque[float] = deque(maxlen=RECENT_ANSWERS)  # service seconds of recent answers
        self._busy_since: float | None = None  # when the running answer started
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

    # -- the wait estimate -----------------------------------------------------
    def _answered(self, seconds: float) -> None:
        with self._timing_lock:
            self._recent.append(seconds)

    def _busy(self, running: bool) -> None:
        with self._timing_lock:
            self._busy_since = time.perf_counter() if running else None

    def estimate_wait(self, position: int) -> float | None:
        """Seconds until a request with ``position`` requests ahead starts, or None
        before any answer was timed.

        Each request ahead is taken to need the median of the last
        ``RECENT_ANSWERS`` answers' service time; the one running now only what it
        has left of that (never below zero).
        """
        with self._timing_lock:
            if not self._recent or position <= 0:
                return None
            typical = statistics.median(self._recent)
            running = time.perf_counter() - self._busy_since if self._busy_since is not None else 0.0
        return max(0.0, typical - running) + (position - 1) * typical

    # -- answering ---------------------------------------------------------------
    def respond(self, question: str, history: Sequence[tuple[str, str]] = (),
                options: ChatOptions | None = None, ticket: Ticket | None = None,
                stop: threading.Event | None = None) -> Iterator[ChatUpdate]:
        """Answer ``question`` in the context of ``history`` ((question, answer) turns).

        Yields ``queued`` updates (position, estimated wait) while other requests
        hold the model, ``rewriting`` when a follow-up is made standalone,
        ``searching``, ``reading`` (with the number of passages) until the first
        token, ``answering`` as text streams, and at least every ``poll_seconds``
        meanwhile (``elapsed`` keeps counting); then ``done`` with the ``Answer``,
        ``stopped`` once ``stop`` is set (the partial text kept), or ``error`` with
        a readable message: this never raises for a bad request. ``ticket`` is a
        place already taken in ``self.queue`` (``try_join``). Setting ``stop`` or
        closing the iterator early gives the place up and interrupts the model
        within a fraction of a second, whether it is writing or still reading the
        passages.
        """
        options = options or ChatOptions()
        stop = stop or threading.Event()
        t0 = time.perf_counter()
        ticket = ticket or self.queue.join()
        run: _Run | None = None

        def since() -> float:
            return time.perf_counter() - t0

        try:
            bot = self.assistant_for(options.profile)
            position = ticket.position()
            while position > 0:
                if stop.is_set():
                    yield ChatUpdate("stopped", question, elapsed=since())
                    return
                yield ChatUpdate("queued", question, queue_position=position, elapsed=since(),
                                 wait_estimate=self.estimate_wait(position))
                position = ticket.wait(self.poll_seconds)
            waited = since()
            run = _Run(bot, question, history, options, ticket, stop, self._busy, self._answered)
            run.start()
            yield from self._follow(run, question, bool(history), stop, t0, waited)
        except AssistantError as exc:
            yield ChatUpdate("error", question, error=str(exc), elapsed=since(),
                             error_kind="input" if isinstance(exc, InputError) else "server")
        except Exception as exc:  # one broken request must not take the app down
            logger.exception("chat request failed")
            yield ChatUpdate("error", question, error=f"{type(exc).__name__}: {exc}", elapsed=since(),
                             error_kind="server")
        finally:
            stop.set()  # a consumer that left early: the run's watcher interrupts the model
            if run is None:
                ticket.leave()  # otherwise the worker leaves it once the model is free

    def _follow(self, run: _Run, question: str, follow_up: bool, stop: threading.Event,
                t0: float, waited: float) -> Iterator[ChatUpdate]:
        """Turn the worker's events into updates until the answer ends."""
        stage: Stage = "rewriting" if follow_up else "searching"
        standalone, text, passages = question.strip(), "", 0
        t_rewritten = t0 + waited
        while True:
            try:
                kind, value = run.inbox.get(timeout=self.poll_seconds)
            except queue.Empty:
                kind, value = "tick", None
            elapsed = time.perf_counter() - t0
            if stop.is_set() and kind not in ("answer", "error"):
                yield ChatUpdate("stopped", question, standalone=standalone, text=text,
                                 passages=passages, elapsed=elapsed)
                return
            if kind == "end":  # ended without an answer (never expected): say so, do not hang
                yield ChatUpdate("error", question, standalone=standalone, elapsed=elapsed,
                                 error="the answer ended without a result", error_kind="server")
                return
            if kind == "error":
                exc = value
                if not isinstance(exc, AssistantError):
                    logger.error("chat request failed", exc_info=exc)  # type: ignore[arg-type]
                yield ChatUpdate("error", question, standalone=standalone, elapsed=elapsed,
                                 error=str(exc) if isinstance(exc, AssistantError)
                                 else f"{type(exc).__name__}: {exc}",
                                 error_kind="input" if isinstance(exc, InputError) else "server")
                return
            if kind == "answer":
                assert isinstance(value, Answer)
                timings = dict(value.timings)
                timings["queue"] = waited
                timings["rewrite"] = t_rewritten - t0 - waited
                timings["first_token_total"] = timings.get("first_token", 0.0) + (t_rewritten - t0)
                timings["total_with_queue"] = elapsed
                yield ChatUpdate("done", question, standalone=standalone, text=value.text, answer=value,
                                 timings=timings, passages=passages, elapsed=elapsed)
                return
            if kind == "rewriting":
                stage = "rewriting"
            elif kind == "searching":
                assert isinstance(value, str)
                stage, standalone = "searching", value
                t_rewritten = run.rewritten_at or time.perf_counter()
            elif kind == "reading":
                assert isinstance(value, int)
                stage, passages = "reading", value
            elif kind == "piece":
                assert isinstance(value, str)
                stage, text = "answering", text + value
            yield ChatUpdate(stage, question, standalone=standalone, text=text, passages=passages,
                             elapsed=elapsed)
