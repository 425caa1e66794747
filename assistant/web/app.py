"""The Gradio chat UI: presentation and event wiring over ``ChatService``.

``ChatApp`` holds the callbacks as plain methods (unit-tested with a fake
generator, no browser); ``build_ui`` lays out the page and connects them.
Per-browser state lives in a ``Session`` kept in ``gr.State``, so every user has
their own conversation and settings while the index and models are shared.
"""

from __future__ import annotations

import copy
import logging
import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

# No telemetry or update checks: the machine is offline and private by design.
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
os.environ.setdefault("HF_HUB_OFFLINE", "1")

import gradio as gr  # noqa: E402 - after the environment above is set

from ..errors import AssistantError, InputError
from ..ingest import SUPPORTED
from ..types import Answer
from .chat import LANGUAGES, PROFILES, ChatOptions, ChatService, ChatUpdate
from .render import answer_message, chat_text, file_rows, latency_caption, sources_html, t

logger = logging.getLogger(__name__)

UI_LANGS = {"中文": "zh", "English": "en"}

CSS = """
.gradio-container {max-width: 1280px !important; margin: auto;}
#chat .latency, #chat .rewritten {font-size: 0.8em; opacity: 0.7; margin: 0.2em 0;}
#chat a.cite {font-weight: 600; text-decoration: none; cursor: pointer; padding: 0 1px;}
#sources .source {border: 1px solid var(--border-color-primary); border-radius: 8px;
  padding: 8px 10px; margin: 8px 0; font-size: 0.92em; line-height: 1.6;}
#sources .source.active {outline: 3px solid #f59e0b; background: rgba(245, 158, 11, 0.08);}
#sources .source-head {margin-bottom: 4px;}
#sources .loc {opacity: 0.7; font-size: 0.9em;}
#sources .passage {background: rgba(59, 130, 246, 0.10);}
#sources mark.cited-span {background: #fde68a; color: inherit; padding: 0 1px;}
#sources .sources-title {font-weight: 600; margin-top: 6px;}
#sources .sources-title.refused {color: #b45309;}
#sources details.turn > summary {cursor: pointer; opacity: 0.8;}
@media (max-width: 720px) { #sources .source {font-size: 0.85em;} }
"""

# A click on [n] in an answer opens and highlights its source. Done in the page
# (not a server round trip) so it is instant; capture phase, because the chat
# component would otherwise treat the anchor as a plain link.
HEAD = """
<script>
document.addEventListener('click', function (ev) {
  var a = ev.target && ev.target.closest ? ev.target.closest('a[href^="#src-"]') : null;
  if (!a) return;
  var el = document.getElementById(a.getAttribute('href').slice(1));
  ev.preventDefault(); ev.stopPropagation();
  if (!el) return;
  for (var p = el.parentElement; p; p = p.parentElement) { if (p.tagName === 'DETAILS') p.open = true; }
  document.querySelectorAll('#sources .source.active').forEach(function (x) { x.classList.remove('active'); });
  el.classList.add('active');
  el.scrollIntoView({behavior: 'smooth', block: 'center'});
}, true);
</script>
"""


@dataclass
class Session:
    """One browser session: its conversation, answers and settings."""

    options: ChatOptions = field(default_factory=ChatOptions)
    ui_lang: str = "zh"
    messages: list[dict[str, str]] = field(default_factory=list)
    turns: list[tuple[str, str]] = field(default_factory=list)  # (question, answer) for rewriting
    answers: list[Answer] = field(default_factory=list)


class ChatApp:
    """Callbacks of the chat page; each returns plain values for its outputs."""

    def __init__(self, service: ChatService) -> None:
        self.service = service

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
                q = answer.question if len(answer.question) < 40 else answer.question[:40] + "…"
                parts.append(f'<details class="turn"><summary>{turn + 1}. {_esc(q)}</summary>{body}</details>')
        return "".join(parts)

    def _bubble(self, update: ChatUpdate, turn: int, lang: str) -> str:
        head = ""
        if update.standalone and update.standalone != update.question.strip():
            head = f'<div class="rewritten">{_esc(t(lang, "rewritten", q=update.standalone))}</div>'
        if update.stage == "queued":
            return head + t(lang, "queued", n=update.queue_position)
        if update.stage == "rewriting":
            return t(lang, "rewriting")
        if update.stage == "error":
            return head + _esc(t(lang, "error", msg=update.error))
        if update.stage == "done" and update.answer is not None:
            body = answer_message(update.answer, turn, lang)
            return head + body + f'<div class="latency">{latency_caption(update.timings, lang)}</div>'
        return head + (_esc(update.text) if update.text else t(lang, "searching"))

    def submit(self, question: str, session: Session) -> Iterator[tuple[Any, ...]]:
        """Stream one answer: yields (chat messages, sources html, session, textbox)."""
        session = copy.copy(session)
        question = (question or "").strip()
        if not question:
            yield session.messages, self._sources(session), session, ""
            return
        lang = session.ui_lang
        turn = len(session.answers)
        messages = [*session.messages, {"role": "user", "content": _esc(question)},
                    {"role": "assistant", "content": t(lang, "searching")}]
        # The sources panel is redrawn only when an answer is final, not per token.
        yield messages, gr.skip(), session, ""
        for update in self.service.respond(question, session.turns, session.options):
            messages[-1] = {"role": "assistant", "content": self._bubble(update, turn, lang)}
            if update.stage == "done" and update.answer is not None:
                answer = update.answer
                session.answers = [*session.answers, answer]
                session.turns = [*session.turns, (answer.question, "" if answer.refused else answer.text)]
            session.messages = messages
            final = update.stage in ("done", "error")
            yield list(messages), self._sources(session) if final else gr.skip(), session, ""

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
    def kb_view(self, session: Session, message: str = "") -> tuple[Any, ...]:
        """(table rows, status message, delete choices) for the knowledge-base tab."""
        kb = self.service.kb
        if kb is None:
            return [], message, _choices([])
        statuses = kb.status()
        if not statuses and not message:
            message = t(session.ui_lang, "kb_empty")
        return (file_rows(statuses, session.ui_lang), message,
                _choices([(s.name, str(s.path)) for s in statuses]))

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
        notes += [_esc(t(lang, "kb_skipped", name=Path(s.source).name, reason=s.reason))
                  for s in report.skipped]
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
                notes.append(_esc(t(session.ui_lang, "kb_refused", name=path.name, reason=str(exc))))
        return self._rebuild(session, notes, progress)

    def delete(self, target: str | None, session: Session,
               progress: Any = gr.Progress(track_tqdm=True)) -> tuple[Any, ...]:  # noqa: B008
        """Delete one file from the knowledge base and reindex."""
        kb = self.service.kb
        if kb is None or not target:
            return self.kb_view(session)
        try:
            kb.delete(target)
        except AssistantError as exc:
            return self.kb_view(session, _esc(t(session.ui_lang, "error", msg=str(exc))))
        return self._rebuild(session, [_esc(t(session.ui_lang, "kb_deleted", name=Path(target).name))],
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


def _profile_choices(lang: str) -> list[tuple[str, str]]:
    return [(t(lang, "profile_default"), "default"), (t(lang, "profile_fast"), "fast")]


def _language_choices(lang: str) -> list[tuple[str, str]]:
    return [(t(lang, "lang_auto"), "auto"), ("中文", "zh"), ("English", "en")]


def build_ui(app: ChatApp, initial: Session | None = None) -> gr.Blocks:
    """Lay out the page and connect every event to ``app``'s callbacks."""
    s0 = initial or Session()
    lang = s0.ui_lang
    with gr.Blocks(title="文档问答助手 · Document Q&A", fill_width=True, analytics_enabled=False) as demo:
        session = gr.State(s0)
        with gr.Row(equal_height=False):
            with gr.Column(scale=4, min_width=260):
                title = gr.Markdown(t(lang, "title"))
            ui_lang = gr.Radio(list(UI_LANGS), value="中文", label=t(lang, "ui_lang"), elem_id="ui-lang",
                               scale=1, min_width=200)
        with gr.Tabs():
            with gr.Tab(t(lang, "tab_chat"), id="chat-tab") as tab_chat:
                with gr.Row(equal_height=False):
                    with gr.Column(scale=3, min_width=320):
                        chatbot = gr.Chatbot(label=t(lang, "chat_label"), elem_id="chat", height=520,
                                             feedback_options=None, layout="bubble")
                        with gr.Row():
                            box = gr.Textbox(placeholder=t(lang, "placeholder"), show_label=False,
                                             elem_id="question", scale=5, lines=1, max_lines=4,
                                             max_length=app.service.base.settings.max_question_chars)
                            send = gr.Button(t(lang, "send"), variant="primary", elem_id="send",
                                             scale=1, min_width=80)
                        clear = gr.Button(t(lang, "clear"), size="sm", elem_id="clear")
                    with gr.Column(scale=2, min_width=300):
                        sources_label = gr.Markdown(f"### {t(lang, 'sources')}")
                        sources = gr.HTML(app._sources(s0), elem_id="sources")
            with gr.Tab(t(lang, "tab_kb"), id="kb-tab") as tab_kb:
                upload = gr.File(label=t(lang, "upload"), file_count="multiple", elem_id="upload",
                                 file_types=sorted(SUPPORTED))
                kb_msg = gr.Markdown(elem_id="kb-status")
                table = gr.Dataframe(headers=_headers(lang), interactive=False, elem_id="kb-table",
                                     type="array", wrap=True)
                with gr.Row():
                    target = gr.Dropdown(label=t(lang, "delete_choice"), choices=[], elem_id="kb-target")
                    delete = gr.Button(t(lang, "delete"), variant="stop", elem_id="kb-delete")
                    rebuild = gr.Button(t(lang, "rebuild"), elem_id="kb-rebuild")
            with gr.Tab(t(lang, "tab_settings"), id="settings-tab") as tab_settings:
                o = s0.options
                profile = gr.Radio(_profile_choices(lang), value=o.profile, label=t(lang, "profile"),
                                   elem_id="profile")
                top_k = gr.Slider(1, 8, value=o.top_k, step=1, label=t(lang, "top_k"), elem_id="top-k")
                dense_w = gr.Slider(0, 3, value=o.dense_weight, step=0.1, label=t(lang, "dense_weight"))
                bm25_w = gr.Slider(0, 3, value=o.bm25_weight, step=0.1, label=t(lang, "bm25_weight"))
                answer_lang = gr.Radio(_language_choices(lang), value=o.language,
                                       label=t(lang, "answer_lang"), elem_id="answer-lang")
                note = gr.Markdown(t(lang, "settings_note"))

        # Chat: the model queue is ours (visible positions), so Gradio may run many at once.
        chat_out = [chatbot, sources, session, box]
        for trigger in (box.submit, send.click):
            trigger(app.submit, [box, session], chat_out, concurrency_limit=None,
                    show_progress="hidden")
        clear.click(app.clear, [session], [chatbot, sources, session])

        kb_out = [table, kb_msg, target]
        # One knowledge-base change at a time; chat events run beside it.
        kb_opts: dict[str, Any] = {"concurrency_limit": 1, "concurrency_id": "kb"}
        upload.upload(app.upload, [upload, session], kb_out, **kb_opts).then(
            lambda: None, None, upload)
        delete.click(app.delete, [target, session], kb_out, **kb_opts)
        rebuild.click(app.rebuild, [session], kb_out, **kb_opts)
        tab_kb.select(app.kb_view, [session], kb_out)

        settings_in = [session, profile, top_k, dense_w, bm25_w, answer_lang]
        for comp in (profile, top_k, dense_w, bm25_w, answer_lang):
            comp.change(app.set_options, settings_in, [session], show_progress="hidden")

        relabeled = [title, tab_chat, tab_kb, tab_settings, chatbot, box, send, clear, sources_label,
                     upload, table, target, delete, rebuild, profile, top_k, dense_w, bm25_w,
                     answer_lang, note, ui_lang]

        def switch(choice: str, sess: Session) -> tuple[Any, ...]:
            sess = copy.copy(sess)
            sess.ui_lang = UI_LANGS.get(choice, "zh")
            lg = sess.ui_lang
            labels = [
                gr.update(value=t(lg, "title")), gr.update(label=t(lg, "tab_chat")),
                gr.update(label=t(lg, "tab_kb")), gr.update(label=t(lg, "tab_settings")),
                gr.update(label=t(lg, "chat_label")), gr.update(placeholder=t(lg, "placeholder")),
                gr.update(value=t(lg, "send")), gr.update(value=t(lg, "clear")),
                gr.update(value=f"### {t(lg, 'sources')}"), gr.update(label=t(lg, "upload")),
                gr.update(headers=_headers(lg)), gr.update(label=t(lg, "delete_choice")),
                gr.update(value=t(lg, "delete")), gr.update(value=t(lg, "rebuild")),
                gr.update(label=t(lg, "profile"), choices=_profile_choices(lg)),
                gr.update(label=t(lg, "top_k")), gr.update(label=t(lg, "dense_weight")),
                gr.update(label=t(lg, "bm25_weight")),
                gr.update(label=t(lg, "answer_lang"), choices=_language_choices(lg)),
                gr.update(value=t(lg, "settings_note")), gr.update(label=t(lg, "ui_lang")),
            ]
            return (*labels, app._sources(sess), sess)

        ui_lang.change(switch, [ui_lang, session], [*relabeled, sources, session], show_progress="hidden")
        demo.load(app.kb_view, [session], kb_out)
    return demo


def _headers(lang: str) -> list[str]:
    return [t(lang, "col_name"), t(lang, "col_state"), t(lang, "col_detail"), t(lang, "col_size")]


def launch(app: ChatApp, host: str = "127.0.0.1", port: int = 7860, max_upload_mb: float = 20.0) -> None:
    """Serve the UI until interrupted."""
    demo = build_ui(app)
    # Gradio's own cap is a backstop well above ours, so our clear per-file message wins.
    demo.queue(default_concurrency_limit=4).launch(
        server_name=host, server_port=port, css=CSS, head=HEAD, show_error=True,
        max_file_size=f"{int(max_upload_mb * 4)}mb", footer_links=[], inbrowser=False,
        theme=gr.themes.Soft(),
    )
