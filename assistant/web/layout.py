"""The chat page's layout: components, their texts in the interface language, and events.

Every callback is a method of ``app.ChatApp`` (tested without a browser); this
module only places components and connects them. Texts come from ``i18n`` by
the same table (``_RELABEL``) when the page is built and when the interface
language is switched, so no component keeps a text of the other language.
"""

from __future__ import annotations

import copy
from typing import Any

import gradio as gr

from .app import UI_LANGS, ChatApp, Session
from .i18n import html_lang, t


def _profile_choices(lang: str) -> list[tuple[str, str]]:
    return [(t(lang, "profile_default"), "default"), (t(lang, "profile_fast"), "fast")]


def _language_choices(lang: str) -> list[tuple[str, str]]:
    return [(t(lang, "lang_auto"), "auto"), ("中文", "zh"), ("English", "en")]


def _headers(lang: str) -> list[str]:
    return [t(lang, "col_name"), t(lang, "col_state"), t(lang, "col_detail"), t(lang, "col_size")]


# Every component whose text follows the interface language, and how it is set:
# name -> (property, i18n key). Used to build the page and to switch its language.
_RELABEL: dict[str, tuple[str, str]] = {
    "title": ("value", "title"), "tab_chat": ("label", "tab_chat"), "tab_kb": ("label", "tab_kb"),
    "tab_settings": ("label", "tab_settings"), "chatbot": ("label", "chat_label"),
    "send": ("value", "send"), "stop": ("value", "stop"), "clear": ("value", "clear"),
    "upload": ("label", "upload"), "target": ("label", "delete_choice"), "delete": ("value", "delete"),
    "rebuild": ("value", "rebuild"), "yes": ("value", "delete_yes"), "no": ("value", "delete_no"),
    "note": ("value", "settings_note"), "ui_lang": ("label", "ui_lang"),
}


def _relabel(lang: str) -> dict[str, Any]:
    """The language-dependent properties of every component, as Gradio updates."""
    texts: dict[str, dict[str, Any]] = {name: {prop: t(lang, key)} for name, (prop, key) in _RELABEL.items()}
    updates = {name: gr.update(**props) for name, props in texts.items()}
    updates["box"] = gr.update(placeholder=t(lang, "placeholder"), label=t(lang, "question_label"))
    updates["sources_label"] = gr.update(value=f"### {t(lang, 'sources')}")
    updates["table"] = gr.update(headers=_headers(lang))
    updates["profile"] = gr.update(label=t(lang, "profile"), choices=_profile_choices(lang))
    updates["answer_lang"] = gr.update(label=t(lang, "answer_lang"), choices=_language_choices(lang))
    for name, key in (("top_k", "top_k"), ("dense_w", "dense"), ("bm25_w", "bm25")):
        label = "dense_weight" if key == "dense" else "bm25_weight" if key == "bm25" else "top_k"
        updates[name] = gr.update(label=t(lang, label), info=t(lang, f"{key}_info"))
    return updates


def build_ui(app: ChatApp, initial: Session | None = None) -> gr.Blocks:
    """Lay out the page and connect every event to ``app``'s callbacks."""
    s0 = initial or Session()
    lang = s0.ui_lang
    texts = _relabel(lang)

    def p(name: str) -> dict[str, Any]:  # a component's texts, as constructor arguments
        return {k: v for k, v in texts[name].items() if k != "__type__"}

    with gr.Blocks(title="文档问答助手 · Document Q&A", fill_width=True) as demo:
        session = gr.State(s0)
        c: dict[str, Any] = {}
        with gr.Row(equal_height=False, elem_id="header"):
            with gr.Column(scale=4, min_width=160):
                c["title"] = gr.Markdown(elem_id="title", **p("title"))
            c["ui_lang"] = gr.Radio(list(UI_LANGS), value="English" if lang == "en" else "中文",
                                    elem_id="ui-lang", scale=1, min_width=160, **p("ui_lang"))
        with gr.Tabs():
            with gr.Tab(id="chat-tab", **p("tab_chat")) as c["tab_chat"]:
                docs = gr.HTML(app.summary(s0), elem_id="docs-summary")
                with gr.Row(equal_height=False):
                    with gr.Column(scale=3, min_width=320):
                        # No share button (nothing leaves this machine); copy per message stays.
                        c["chatbot"] = gr.Chatbot(elem_id="chat", height=520, feedback_options=None,
                                                  layout="bubble", buttons=["copy"], **p("chatbot"))
                        with gr.Row():
                            c["box"] = gr.Textbox(show_label=False, elem_id="question", scale=5, lines=1,
                                                  max_lines=4,
                                                  max_length=app.service.base.settings.max_question_chars,
                                                  **p("box"))
                            c["send"] = gr.Button(variant="primary", elem_id="send", scale=1, min_width=70, **p("send"))
                            c["stop"] = gr.Button(variant="stop", elem_id="stop", scale=1, min_width=70,
                                                  interactive=False, **p("stop"))
                        c["clear"] = gr.Button(size="sm", elem_id="clear", **p("clear"))
                    with gr.Column(scale=2, min_width=300):
                        c["sources_label"] = gr.Markdown(**p("sources_label"))
                        sources = gr.HTML(app._sources(s0), elem_id="sources")
            with gr.Tab(id="kb-tab", **p("tab_kb")) as c["tab_kb"]:
                # No file_types: Gradio's own "Invalid file type" toast cannot be translated;
                # the server refuses other types with a message in the interface language.
                c["upload"] = gr.File(file_count="multiple", elem_id="upload", **p("upload"))
                kb_msg = gr.Markdown(elem_id="kb-status")
                c["table"] = gr.Dataframe(interactive=False, elem_id="kb-table", type="array", wrap=True,
                                          **p("table"))
                with gr.Row():
                    c["target"] = gr.Dropdown(choices=[], elem_id="kb-target", **p("target"))
                    c["delete"] = gr.Button(variant="stop", elem_id="kb-delete", **p("delete"))
                    c["rebuild"] = gr.Button(elem_id="kb-rebuild", **p("rebuild"))
                with gr.Group(visible=False, elem_id="kb-confirm") as confirm:
                    confirm_text = gr.Markdown()
                    with gr.Row():
                        c["yes"] = gr.Button(variant="stop", elem_id="kb-delete-yes", visible=False, **p("yes"))
                        c["no"] = gr.Button(elem_id="kb-delete-no", **p("no"))
            with gr.Tab(id="settings-tab", **p("tab_settings")) as c["tab_settings"]:
                o = s0.options
                c["profile"] = gr.Radio(value=o.profile, elem_id="profile", **p("profile"))
                c["top_k"] = gr.Slider(1, 8, value=o.top_k, step=1, elem_id="top-k", **p("top_k"))
                c["dense_w"] = gr.Slider(0, 3, value=o.dense_weight, step=0.1, elem_id="dense-w", **p("dense_w"))
                c["bm25_w"] = gr.Slider(0, 3, value=o.bm25_weight, step=0.1, elem_id="bm25-w", **p("bm25_w"))
                c["answer_lang"] = gr.Radio(value=o.language, elem_id="answer-lang", **p("answer_lang"))
                c["note"] = gr.Markdown(**p("note"))
        names = list(texts)

        # Chat: the model queue is ours (visible positions), so Gradio may run many at once.
        chat_out = [c["chatbot"], sources, session, c["box"], c["stop"]]
        for trigger in (c["box"].submit, c["send"].click):
            trigger(app.submit, [c["box"], session], chat_out, concurrency_limit=None,
                    show_progress="hidden")
        c["stop"].click(app.stop, None, [c["stop"]], concurrency_limit=None, show_progress="hidden")
        # The chat component's own bin button starts a new conversation too (not only its display).
        for start_over in (c["clear"].click, c["chatbot"].clear):
            start_over(app.clear, [session], [c["chatbot"], sources, session])

        kb_out = [c["table"], kb_msg, c["target"], docs]
        # One knowledge-base change at a time; chat events run beside it. Progress is
        # drawn over the status line only, so the file table stays readable.
        kb_opts: dict[str, Any] = {"concurrency_limit": 1, "concurrency_id": "kb", "show_progress_on": [kb_msg]}
        c["upload"].upload(app.busy, [session], kb_msg, show_progress="hidden").then(
            app.upload, [c["upload"], session], kb_out, **kb_opts).then(lambda: None, None, c["upload"])
        c["delete"].click(app.ask_delete, [c["target"], session], [confirm, confirm_text, c["yes"]])
        c["yes"].click(lambda: gr.update(visible=False), None, confirm).then(
            app.busy, [session], kb_msg, show_progress="hidden").then(
            app.delete, [c["target"], session], kb_out, **kb_opts)
        c["no"].click(lambda: gr.update(visible=False), None, confirm)
        c["rebuild"].click(app.busy, [session], kb_msg, show_progress="hidden").then(
            app.rebuild, [session], kb_out, **kb_opts)
        c["tab_kb"].select(app.kb_view, [session], kb_out)
        c["tab_chat"].select(app.summary, [session], docs)

        settings_in = [session, c["profile"], c["top_k"], c["dense_w"], c["bm25_w"], c["answer_lang"]]
        for comp in settings_in[1:]:
            comp.change(app.set_options, settings_in, [session], show_progress="hidden")

        def switch(choice: str, sess: Session) -> tuple[Any, ...]:
            sess = copy.copy(sess)
            sess.ui_lang = UI_LANGS.get(choice, "zh")
            labels = _relabel(sess.ui_lang)
            sess.messages = app.redraw(sess)  # earlier answers' captions in the new language too
            labels["chatbot"] = gr.update(label=t(sess.ui_lang, "chat_label"), value=sess.messages)
            return (*(labels[n] for n in names), app._sources(sess), app.summary(sess), sess)

        # Gradio's own strings and <html lang> follow, in the page (see ``page.head``).
        set_lang = (f"(choice) => {{ window.assistantSetLang && window.assistantSetLang("
                    f"choice === 'English' ? '{html_lang('en')}' : '{html_lang('zh')}'); return []; }}")
        c["ui_lang"].change(switch, [c["ui_lang"], session], [*(c[n] for n in names), sources, docs, session],
                            show_progress="hidden").then(None, [c["ui_lang"]], None, js=set_lang)
        demo.load(app.kb_view, [session], kb_out)
    return demo
