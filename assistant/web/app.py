"""The Gradio chat UI: presentation and event wiring over ``ChatService``.

``ChatApp`` holds the callbacks as plain methods (unit-tested with a fake
generator, no browser); ``build_ui`` lays out the page and connects them.
Per-browser state lives in a ``Session`` kept in ``gr.State``, so every user has
their own conversation and settings while the index and models are shared. A
stop request finds the running answer by the browser's session id, not through
the session state, so it works whatever Gradio does with state copies.
"""

from __future__ import annotations

import copy
import logging
import os
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

# No telemetry or update checks: the machine is offline and private by design.
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
os.environ.setdefault("HF_HUB_OFFLINE", "1")

import gradio as gr  # noqa: E402 - after the environment above is set

from ..errors import AssistantError, InputError
from ..types import Answer
from .chat import FINAL_STAGES, LANGUAGES, PROFILES, ChatOptions, ChatService, ChatUpdate
from .i18n import t
from .page import CSS, GRADIO_TRANSLATIONS, head
from .render import (
    answer_message,
    chat_text,
    documents_summary,
    file_note,
    file_rows,
    icon,
    latency_caption,
    progress_html,
    skip_note,
    sources_html,
    streaming_text,
)

logger = logging.getLogger(__name__)

UI_LANGS = {"中文": "zh", "English": "en"}
QUESTION_PREVIEW_CHARS = 40  # an earlier question, as the title of its folded sources


@dataclass
class Session:
    """One browser session: its conversation, answers and settings."""

    options: ChatOptions = field(default_factory=ChatOptions)
    ui_lang: str = "zh"
    messages: list[dict[str, str]] = field(default_factory=list)
    turns: list[tuple[str, str]] = field(default_factory=list)  # (question, answer) for rewriting
    answers: list[Answer] = field(default_factory=list)
    # Every finished exchange as (question, final update, answer turn), so the
    # conversation can be drawn again in another interface language.
    exchanges: list[tuple[str, ChatUpdate, int]] = field(default_factory=list)


def _key(request: gr.Request | None) -> str:
    """The browser session an event came from ("" outside a Gradio request)."""
    return str(getattr(request, "session_hash", "") or "")


class ChatApp:
    """Callbacks of the chat page; each returns plain values for its outputs."""

    def __init__(self, service: ChatService) -> None:
        self.service = service
        self._stops: dict[str, set[threading.Event]] = {}  # browser session -> its running answers
        self._stops_lock = threading.Lock()

    # -- chat ----------------------------------------------------------------
    def _sources(self, session: Session) -> str:
        """Sources of every answer: the latest open, earlier ones folded."""
        if not session.answers:
            return f'<div class="sources-empty">{t(session.ui_lang, "no_sources")}</div>'
        index = self.service.base.current_index
        documents = index.documents if index is not None else {}
        doc = documents.get  # None for a document deleted since the answer
        parts = []
        last = len(session.answers) - 1
        for turn in range(last, -1, -1):
            answer = session.answers[turn]
            body = sources_html(answer, turn, doc, session.ui_lang)
            if turn == last:
                parts.append(body)
            else:
                q = answer.question
                q = q if len(q) < QUESTION_PREVIEW_CHARS else q[:QUESTION_PREVIEW_CHARS] + "…"
                parts.append(f'<details class="turn"><summary>{turn + 1}. {_esc(q)}</summary>{body}</details>')
        return "".join(parts)

    def _bubble(self, update: ChatUpdate, turn: int, lang: str) -> str:
        head_ = ""
        if update.standalone and update.standalone != update.question.strip():
            head_ = f'<div class="rewritten">{_esc(t(lang, "rewritten", q=update.standalone))}</div>'
        if update.stage == "error":
            return head_ + icon("✕") + _esc(t(lang, "error", msg=update.error))
        if update.stage == "done" and update.answer is not None:
            body = answer_message(update.answer, turn, lang)
            return head_ + body + f'<div class="latency">{latency_caption(update.timings, lang)}</div>'
        if update.stage == "stopped":
            said = "stopped" if update.text or update.passages or update.standalone else "stopped_queue"
            return (head_ + streaming_text(update.text)
                    + f'<div class="stopped" role="status">{icon("■")}{_esc(t(lang, said))}</div>')
        return head_ + streaming_text(update.text) + progress_html(update, lang)

    def redraw(self, session: Session) -> list[dict[str, str]]:
        """The conversation's messages drawn in the session's interface language."""
        messages: list[dict[str, str]] = []
        for question, final, turn in session.exchanges:
            messages += [{"role": "user", "content": _esc(question)},
                         {"role": "assistant", "content": self._bubble(final, turn, session.ui_lang)}]
        return messages

    def submit(self, question: str, session: Session,
               request: gr.Request | None = None) -> Iterator[tuple[Any, ...]]:
        """Stream one answer: yields (chat messages, sources html, session, textbox, stop button)."""
        session = copy.copy(session)
        question = (question or "").strip()
        if not question:
            yield session.messages, self._sources(session), session, "", gr.skip()
            return
        lang = session.ui_lang
        turn = len(session.answers)
        messages = [*session.messages, {"role": "user", "content": _esc(question)},
                    {"role": "assistant", "content": progress_html(ChatUpdate("searching", question), lang)}]
        # The sources panel is redrawn only when an answer ends, not per token.
        yield messages, gr.skip(), session, "", gr.update(interactive=True)
        stop = self._register(_key(request))
        try:
            shown = ""
            for update in self.service.respond(question, session.turns, session.options, stop=stop):
                bubble = self._bubble(update, turn, lang)
                final = update.stage in FINAL_STAGES
                if bubble == shown and not final:
                    continue  # only the elapsed time ticked below a second: nothing to redraw
                shown = bubble
                messages[-1] = {"role": "assistant", "content": bubble}
                if update.stage == "done" and update.answer is not None:
                    answer = update.answer
                    session.answers = [*session.answers, answer]
                    session.turns = [*session.turns, (answer.question, "" if answer.refused else answer.text)]
                if final:
                    session.exchanges = [*session.exchanges, (question, update, turn)]
                session.messages = messages
                yield (list(messages), self._sources(session) if final else gr.skip(), session, "",
                       gr.update(interactive=not final))
        finally:
            self._unregister(_key(request), stop)

    def stop(self, request: gr.Request | None = None) -> Any:
        """Stop this browser's running answer: the model stops before its next token
        and the next in the queue starts. The answer's own stream shows "stopped"."""
        with self._stops_lock:
            for event in self._stops.get(_key(request), ()):
                event.set()
        return gr.update(interactive=False)

    def _register(self, key: str) -> threading.Event:
        event = threading.Event()
        with self._stops_lock:
            self._stops.setdefault(key, set()).add(event)
        return event

    def _unregister(self, key: str, event: threading.Event) -> None:
        with self._stops_lock:
            running = self._stops.get(key, set())
            running.discard(event)
            if not running:
                self._stops.pop(key, None)

    def clear(self, session: Session) -> tuple[Any, ...]:
        """Start a new conversation (settings are kept)."""
        fresh = Session(options=session.options, ui_lang=session.ui_lang)
        return [], self._sources(fresh), fresh

    # -- settings -------------------------------------------------------------
    def set_options(self, session: Session, profile: str, top_k: float, dense_weight: float,
                    bm25_weight: float, language: str) -> Session:
        """Store the settings panel's values in the session."""
        if profile not in PROFILES or language not in LANGUAGES:
            raise InputError(f"invalid setting: profile={profile!r}, language={language!r}")
        session = copy.copy(session)
        session.options = replace(session.options, profile=profile, top_k=int(top_k),
                                  dense_weight=float(dense_weight), bm25_weight=float(bm25_weight),
                                  language=language)
        return session

    # -- knowledge base ---------------------------------------------------------
    def summary(self, session: Session) -> str:
        """The chat tab's line on which documents answers come from."""
        kb = self.service.kb
        if kb is None:
            index = self.service.base.current_index
            n = len(index.documents) if index is not None else 0
            return f'<div class="docs-summary">{_esc(t(session.ui_lang, "docs_summary", n=n))}</div>'
        return documents_summary(kb.status(), session.ui_lang, kb.busy)

    def kb_view(self, session: Session, message: str = "") -> tuple[Any, ...]:
        """(table rows, status message, delete choices, chat-tab summary) for the knowledge base."""
        kb = self.service.kb
        if kb is None:
            return [], message, _choices([]), self.summary(session)
        statuses = kb.status()
        if not statuses and not message:
            message = t(session.ui_lang, "kb_empty")
        return (file_rows(statuses, session.ui_lang), message,
                _choices([(s.name, str(s.path)) for s in statuses]), self.summary(session))

    def _rebuild(self, session: Session, notes: list[str], progress: Any = None) -> tuple[Any, ...]:
        kb = self.service.kb
        assert kb is not None
        lang = session.ui_lang
        if progress is not None:  # Gradio's bar; the loading/embedding tqdm bars feed it too
            progress(0.0, desc=t(lang, "kb_busy"))
        try:
            report = kb.rebuild()
        except AssistantError as exc:
            return self.kb_view(session, "\n\n".join([*notes, _esc(t(lang, "error", msg=str(exc)))]))
        notes.append(t(lang, "kb_done", docs=report.documents, chunks=report.chunks,
                       sec=report.seconds))
        notes += [skip_note("kb_skipped", Path(s.source).name, s.reason, lang) for s in report.skipped]
        return self.kb_view(session, "\n\n".join(notes))

    def upload(self, files: Sequence[str] | None, session: Session,
               progress: Any = gr.Progress(track_tqdm=True)) -> tuple[Any, ...]:  # noqa: B008
        """Accept uploaded files (each checked on its own), then reindex."""
        kb = self.service.kb
        if kb is None or not files:
            return self.kb_view(session)
        notes: list[str] = []
        for f in files:
            path = Path(f)
            try:
                kb.add_upload(path, path.name)
            except (AssistantError, OSError) as exc:
                notes.append(skip_note("kb_refused", path.name, str(exc), session.ui_lang))
        return self._rebuild(session, notes, progress)

    def busy(self, session: Session) -> str:
        """The status line while the knowledge base changes (the table stays readable)."""
        return icon("◔") + _esc(t(session.ui_lang, "kb_busy"))

    def ask_delete(self, target: str | None, session: Session) -> tuple[Any, ...]:
        """First step of deleting: show what will go and ask to confirm (the confirm box
        and its text), or say that a file must be chosen first."""
        lang = session.ui_lang
        if not target:
            return gr.update(visible=True), t(lang, "delete_pick"), gr.update(visible=False)
        return (gr.update(visible=True), t(lang, "delete_confirm", name=_esc(Path(target).name)),
                gr.update(visible=True))

    def delete(self, target: str | None, session: Session,
               progress: Any = gr.Progress(track_tqdm=True)) -> tuple[Any, ...]:  # noqa: B008
        """Delete one file from the knowledge base (once confirmed) and reindex."""
        kb = self.service.kb
        if kb is None or not target:
            return self.kb_view(session)
        try:
            kb.delete(target)
        except AssistantError as exc:
            return self.kb_view(session, _esc(t(session.ui_lang, "error", msg=str(exc))))
        return self._rebuild(session, [file_note("kb_deleted", Path(target).name, session.ui_lang)],
                             progress)

    def rebuild(self, session: Session,
                progress: Any = gr.Progress(track_tqdm=True)) -> tuple[Any, ...]:  # noqa: B008
        """Reindex the knowledge base as it is now."""
        if self.service.kb is None:
            return self.kb_view(session)
        return self._rebuild(session, [], progress)


def _esc(text: str) -> str:
    return chat_text(text)  # Markdown-rendered: no image or link syntax of the user's either


def _choices(pairs: list[tuple[str, str]]) -> Any:
    return gr.update(choices=pairs, value=None)


def launch(app: ChatApp, host: str = "127.0.0.1", port: int = 7860, max_upload_mb: float = 20.0,
           auth: tuple[str, str] | None = None) -> None:
    """Serve the UI until interrupted; with ``auth`` (user, password) every page and
    API call needs that login (Gradio's login form)."""
    from .layout import build_ui  # the layout is built from ChatApp: imported once both exist

    demo = build_ui(app)
    # Gradio's own cap is a backstop well above ours, so our clear per-file message wins.
    demo.queue(default_concurrency_limit=4).launch(
        server_name=host, server_port=port, css=CSS, head=head(Session().ui_lang), show_error=True,
        max_file_size=f"{int(max_upload_mb * 4)}mb", footer_links=[], inbrowser=False,
        theme=gr.themes.Soft(), i18n=gr.I18n(**GRADIO_TRANSLATIONS), auth=auth,
    )
