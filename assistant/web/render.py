"""HTML for the chat UI: answers with clickable citations, sources, latency, file lists.

Pure functions from core types to strings, so the Gradio layer only wires
events, and the formatting is unit-tested without a browser. Everything taken
from documents or users is HTML-escaped.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Sequence

from ..answer.cite import MARKER, parse_markers
from ..answer.language import question_script, to_script
from ..ingest import SUPPORTED
from ..ingest.normalize import bigrams, detect_language
from ..types import Answer, Citation, Document, Hit
from .kb import FileStatus

CONTEXT_CHARS = 160  # original text shown around a cited passage
_SENT_END = re.compile(r"(?<=[。！？!?；;\n])|(?<=\.)\s")

TEXT: dict[str, dict[str, str]] = {
    "zh": {
        "title": "## 文档问答助手\n只根据你的文档回答，并标注出处。",
        "tab_chat": "对话", "tab_kb": "知识库", "tab_settings": "设置",
        "placeholder": "输入问题，按回车发送", "send": "发送", "clear": "新对话",
        "chat_label": "对话", "sources": "出处",
        "no_sources": "提问后，这里会列出答案引用的原文段落。",
        "cited": "引用的段落", "uncited": "其他检索到的段落（未引用）",
        "refused_found": "文档中没有找到答案。以下是检索到的最相关段落：",
        "refused": "⚠️ 文档中没有找到这个问题的答案。",
        "queued": "⏳ 排队中：前面还有 {n} 个请求……", "rewriting": "🔄 正在理解追问……",
        "searching": "🔎 正在检索并生成回答……",
        "error": "❌ 出错了：{msg}",
        "rewritten": "改写后的问题：{q}",
        "latency": "检索 {retrieve:.1f} 秒 · 首字 {first:.1f} 秒 · 总计 {total:.1f} 秒",
        "queue_wait": " · 排队 {queue:.1f} 秒",
        "location": "第 {line} 行，字符 {start}–{end}",
        "removed": "该文件已从知识库删除，以下是当时引用的原文",
        "upload": "上传文件（{types}）", "files": "文件",
        "col_name": "文件", "col_state": "状态", "col_detail": "说明", "col_size": "大小",
        "indexed": "已索引", "skipped": "已跳过", "pending": "待索引",
        "chunks": "{n} 个段落", "delete": "删除所选文件", "rebuild": "重建索引",
        "delete_choice": "选择要删除的文件", "kb_empty": "知识库是空的：请上传文档。",
        "kb_done": "索引完成：{docs} 个文档，{chunks} 个段落，用时 {sec:.1f} 秒。",
        "kb_skipped": "跳过 {name}：{reason}", "kb_refused": "未接收 {name}：{reason}",
        "kb_deleted": "已删除 {name}，索引已更新。", "kb_busy": "正在建立索引，请稍候……",
        "profile": "生成模型", "profile_default": "默认（Qwen2.5 1.5B，更准确）",
        "profile_fast": "快速（Qwen2.5 0.5B，更快但较弱）",
        "top_k": "提供给模型的段落数（top-k）", "dense_weight": "语义检索权重",
        "bm25_weight": "关键词检索（BM25）权重", "answer_lang": "回答语言",
        "lang_auto": "自动（跟随提问）", "ui_lang": "界面语言",
        "settings_note": "设置只对当前会话生效。",
    },
    "en": {
        "title": "## Document Q&A assistant\nAnswers only from your documents, with sources.",
        "tab_chat": "Chat", "tab_kb": "Knowledge base", "tab_settings": "Settings",
        "placeholder": "Ask a question and press Enter", "send": "Send", "clear": "New chat",
        "chat_label": "Chat", "sources": "Sources",
        "no_sources": "After you ask, the passages the answer cites appear here.",
        "cited": "Cited passages", "uncited": "Other retrieved passages (not cited)",
        "refused_found": "The documents do not contain the answer. The closest passages found:",
        "refused": "⚠️ The documents do not contain the answer to this question.",
        "queued": "⏳ Waiting: {n} request(s) ahead…", "rewriting": "🔄 Reading your follow-up…",
        "searching": "🔎 Searching and writing the answer…",
        "error": "❌ Something went wrong: {msg}",
        "rewritten": "Rewritten question: {q}",
        "latency": "retrieval {retrieve:.1f} s · first token {first:.1f} s · total {total:.1f} s",
        "queue_wait": " · queued {queue:.1f} s",
        "location": "line {line}, characters {start}–{end}",
        "removed": "removed from the knowledge base; the passage as it was cited",
        "upload": "Upload files ({types})", "files": "Files",
        "col_name": "File", "col_state": "Status", "col_detail": "Detail", "col_size": "Size",
        "indexed": "indexed", "skipped": "skipped", "pending": "pending",
        "chunks": "{n} passages", "delete": "Delete selected file", "rebuild": "Rebuild index",
        "delete_choice": "File to delete", "kb_empty": "The knowledge base is empty: upload a document.",
        "kb_done": "Indexed {docs} documents, {chunks} passages in {sec:.1f} s.",
        "kb_skipped": "Skipped {name}: {reason}", "kb_refused": "Not accepted {name}: {reason}",
        "kb_deleted": "Deleted {name}; the index is updated.", "kb_busy": "Indexing, please wait…",
        "profile": "Generator", "profile_default": "Default (Qwen2.5 1.5B, more accurate)",
        "profile_fast": "Fast (Qwen2.5 0.5B, quicker but weaker)",
        "top_k": "Passages given to the model (top-k)", "dense_weight": "Semantic search weight",
        "bm25_weight": "Keyword search (BM25) weight", "answer_lang": "Answer language",
        "lang_auto": "Auto (same as the question)", "ui_lang": "Interface language",
        "settings_note": "Settings apply to this session only.",
    },
}


def t(lang: str, key: str, **values: object) -> str:
    """Interface text ``key`` in ``lang`` (Chinese when unknown), formatted with ``values``."""
    text = TEXT.get(lang, TEXT["zh"]).get(key) or TEXT["zh"][key]
    if key == "upload":  # the file types come from the one list of formats
        sep = "、" if lang == "zh" else ", "
        values = {"types": sep.join(sorted({ext.lstrip(".") for ext in SUPPORTED} - {"htm"})), **values}
    return text.format(**values) if values else text


def anchor(turn: int, marker: int) -> str:
    """Element id of source ``marker`` of answer ``turn`` in the sources panel."""
    return f"src-{turn}-{marker}"


def link_citations(text: str, turn: int) -> str:
    """The answer as chat HTML, every ``[n]`` a link to its source (text escaped)."""
    out: list[str] = []
    pos = 0
    for m in MARKER.finditer(text):
        out.append(chat_text(text[pos : m.start()]))
        links = "".join(
            f'<a class="cite" href="#{anchor(turn, n)}" data-turn="{turn}" data-n="{n}">[{n}]</a>'
            for n in parse_markers(m.group(0))
        )
        out.append(links)
        pos = m.end()
    out.append(chat_text(text[pos:]))
    return "".join(out)


def chat_text(text: str) -> str:
    """``text`` for a chat bubble, which renders Markdown: HTML-escaped, square brackets as
    entities, so ``![x](http://…)`` copied from a document is shown, never fetched."""
    return html.escape(text).replace("[", "&#91;").replace("]", "&#93;")


def answer_message(answer: Answer, turn: int, lang: str) -> str:
    """The chat bubble for a finished answer. A refusal is said plainly in the
    question's language and script (an English question gets an English refusal in
    the Chinese UI, a traditional one a traditional refusal), not the UI's."""
    if answer.refused:
        said = t(detect_language(answer.question), "refused")
        return html.escape(to_script(said, question_script(answer.question)))
    return link_citations(answer.text, turn)


def location(doc: Document, start: int, end: int, lang: str) -> str:
    """Human location of a span: line number and character range in the original."""
    line = doc.text.count("\n", 0, start) + 1
    return t(lang, "location", line=line, start=start, end=end)


def best_sentence(quote: str, answer_text: str) -> tuple[int, int]:
    """The (start, end) inside ``quote`` of the sentence that best supports the answer.

    Scored by shared character bigrams after normalisation, so a traditional
    passage matches a simplified answer.
    """
    target = bigrams(MARKER.sub("", answer_text))
    best, best_score = (0, len(quote)), -1.0
    start = 0
    for m in list(_SENT_END.finditer(quote)) + [None]:
        end = m.end() if m is not None else len(quote)
        piece = quote[start:end]
        if piece.strip():
            grams = bigrams(piece)
            score = len(grams & target) / (len(grams) ** 0.5 or 1.0)
            if score > best_score:
                best, best_score = (start, end), score
        start = end
        if start >= len(quote):
            break
    return best


def highlighted(doc: Document, start: int, end: int, answer_text: str) -> str:
    """Original text around ``[start, end)``: the passage marked, its best sentence strongly."""
    lo, hi = max(0, start - CONTEXT_CHARS), min(len(doc.text), end + CONTEXT_CHARS)
    quote = doc.text[start:end]
    s0, s1 = best_sentence(quote, answer_text) if answer_text else (0, 0)
    esc = html.escape
    return (
        ("…" if lo > 0 else "") + esc(doc.text[lo:start])
        + '<span class="passage">' + esc(quote[:s0])
        + (f'<mark class="cited-span">{esc(quote[s0:s1])}</mark>' if s1 > s0 else "")
        + esc(quote[s1:]) + "</span>"
        + esc(doc.text[end:hi]) + ("…" if hi < len(doc.text) else "")
    )


def _source_block(doc: Document, start: int, end: int, element_id: str, label: str,
                  answer_text: str, lang: str) -> str:
    return (
        f'<div class="source" id="{element_id}">'
        f'<div class="source-head"><b>{html.escape(label)}</b> '
        f'{html.escape(doc.source.replace(chr(92), "/").split("/")[-1])} · '
        f'<span class="loc">{html.escape(location(doc, start, end, lang))}</span></div>'
        f'<div class="source-text">{highlighted(doc, start, end, answer_text)}</div></div>'
    )


def _removed_block(source: str, text: str, element_id: str, label: str, lang: str) -> str:
    """A source whose document left the knowledge base: its name and the passage as cited."""
    return (
        f'<div class="source removed" id="{element_id}">'
        f'<div class="source-head"><b>{html.escape(label)}</b> '
        f'{html.escape(source.replace(chr(92), "/").split("/")[-1])} · '
        f'<span class="loc">{html.escape(t(lang, "removed"))}</span></div>'
        f'<div class="source-text">{html.escape(text)}</div></div>'
    )


def sources_html(answer: Answer, turn: int, document: Callable[[str], Document | None], lang: str) -> str:
    """The sources panel for one answer: cited passages first, the rest behind a toggle.

    For a refusal the retrieved passages are shown open, so the user sees what
    was found. ``document`` returns None for a document deleted since the answer:
    its passage is shown as it was cited, never an error.
    """
    parts: list[str] = []
    cited_chunks: set[str] = set()
    seen_markers: set[int] = set()
    citations: Sequence[Citation] = answer.citations
    if citations and not answer.refused:
        parts.append(f'<div class="sources-title">{t(lang, "cited")}</div>')
        for c in citations:
            cited_chunks.add(c.chunk_id)
            if c.marker in seen_markers:
                continue
            seen_markers.add(c.marker)
            doc = document(c.doc_id)
            parts.append(_source_block(doc, c.start, c.end, anchor(turn, c.marker), f"[{c.marker}]",
                                       answer.text, lang) if doc is not None else
                         _removed_block(c.source, c.quote, anchor(turn, c.marker), f"[{c.marker}]", lang))
    rest: list[Hit] = [h for h in answer.hits if h.chunk.chunk_id not in cited_chunks]
    if rest:
        blocks = ""
        for i, h in enumerate(rest, 1):
            doc = document(h.chunk.doc_id)
            blocks += (_source_block(doc, h.chunk.start, h.chunk.end, f"hit-{turn}-{i}", f"#{i}",
                                     "" if not answer.refused else answer.question, lang)
                       if doc is not None else
                       _removed_block(h.chunk.source, h.chunk.text, f"hit-{turn}-{i}", f"#{i}", lang))
        if answer.refused:
            parts.append(f'<div class="sources-title refused">{t(lang, "refused_found")}</div>{blocks}')
        else:
            parts.append(f'<details class="uncited"><summary>{t(lang, "uncited")} ({len(rest)})</summary>'
                         f"{blocks}</details>")
    return f'<div class="sources" data-turn="{turn}">' + "".join(parts) + "</div>"


def latency_caption(timings: dict[str, float], lang: str) -> str:
    """One line with the answer's retrieval, first-token and total time."""
    text = t(lang, "latency", retrieve=timings.get("retrieve", 0.0),
             first=timings.get("first_token_total", timings.get("first_token", 0.0)),
             total=timings.get("total_with_queue", timings.get("total", 0.0)))
    if timings.get("queue", 0.0) >= 0.5:
        text += t(lang, "queue_wait", queue=timings["queue"])
    return text


def file_rows(statuses: Sequence[FileStatus], lang: str) -> list[list[str]]:
    """Knowledge-base table rows: name, state, detail, size."""
    rows = []
    for s in statuses:
        detail = t(lang, "chunks", n=s.detail) if s.state == "indexed" else s.detail
        size = f"{s.size / 1024:.0f} KB" if s.size >= 1024 else f"{s.size} B"
        rows.append([s.name, t(lang, s.state), detail, size])
    return rows
