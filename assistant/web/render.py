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
from ..answer.prompting import answer_language
from ..ingest.normalize import bigrams
from ..types import Answer, Citation, Document, Hit
from .chat import ChatUpdate
from .i18n import t
from .kb import FileStatus, reason_kind

CONTEXT_CHARS = 160  # original text shown around a cited passage
_SENT_END = re.compile(r"(?<=[。！？!?；;\n])|(?<=\.)\s")
_OPEN_MARKER = re.compile(r"\s*[\[【][\d\s,，、;]*$")  # a marker whose closing bracket has not streamed yet


def icon(symbol: str) -> str:
    """A decorative status symbol, hidden from screen readers (the text beside it
    says the same), so no state is told by an emoji alone."""
    return f'<span class="icon" aria-hidden="true">{symbol}</span> '


def anchor(turn: int, marker: int) -> str:
    """Element id of source ``marker`` (display number) of answer ``turn`` in the sources panel."""
    return f"src-{turn}-{marker}"


def cite_id(turn: int, marker: int) -> str:
    """Element id of the first link to source ``marker`` of answer ``turn`` (the way back)."""
    return f"cite-{turn}-{marker}"


def numbering(answer: Answer) -> dict[int, int]:
    """Display numbers of an answer's passage markers: 1..n in order of first
    appearance in its text, so a lone ``[3]`` shows as ``[1]``. Only markers with
    a citation are numbered; citations the text never mentions follow in order."""
    cited = {c.marker for c in answer.citations}
    order: dict[int, int] = {}
    for n in parse_markers(answer.text):
        if n in cited:
            order.setdefault(n, len(order) + 1)
    for c in answer.citations:
        order.setdefault(c.marker, len(order) + 1)
    return order


def _file_name(source: str) -> str:
    return source.replace(chr(92), "/").split("/")[-1]


def link_citations(text: str, turn: int, numbers: dict[int, int] | None = None,
                   names: dict[int, str] | None = None, lang: str = "zh") -> str:
    """The answer as chat HTML, every ``[n]`` a link to its source (text escaped).

    ``numbers`` maps passage markers to display numbers (``numbering``; markers
    it lacks are dropped, as they have no source); ``names`` gives the file of
    each marker, so a link is named "来源 1：报告.pdf" for screen readers and as
    its tooltip, not just "[1]".
    """
    out: list[str] = []
    pos = 0
    first: set[int] = set()
    for m in MARKER.finditer(text):
        out.append(chat_text(text[pos : m.start()]))
        for n in parse_markers(m.group(0)):
            shown = numbers.get(n) if numbers is not None else n
            if shown is None:
                continue
            label = html.escape(t(lang, "source_link", n=shown, name=(names or {}).get(n, "")).rstrip("：: "),
                                quote=True)
            ident = f' id="{cite_id(turn, shown)}"' if shown not in first else ""
            first.add(shown)
            out.append(f'<a class="cite" href="#{anchor(turn, shown)}"{ident} data-turn="{turn}" '
                       f'data-n="{shown}" aria-label="{label}" title="{label}">[{shown}]</a>')
        pos = m.end()
    out.append(chat_text(text[pos:]))
    return "".join(out)


def chat_text(text: str) -> str:
    """``text`` for a chat bubble, which renders Markdown: HTML-escaped, square brackets as
    entities, so ``![x](http://…)`` copied from a document is shown, never fetched."""
    return html.escape(text).replace("[", "&#91;").replace("]", "&#93;")


def streaming_text(text: str) -> str:
    """Text still being written, escaped, without its raw passage markers (they are
    renumbered and linked once the answer is checked, so they never jump)."""
    return chat_text(_OPEN_MARKER.sub("", MARKER.sub("", text)))


def answer_message(answer: Answer, turn: int, lang: str) -> str:
    """The chat bubble for a finished answer. A refusal is said plainly in the
    question's language and script (an English question gets an English refusal in
    the Chinese UI, a traditional one a traditional refusal), not the UI's."""
    if answer.refused:
        said = t(answer_language(answer.question), "refused")
        return icon("⚠") + html.escape(to_script(said, question_script(answer.question)))
    names = {c.marker: _file_name(c.source) for c in answer.citations}
    return link_citations(answer.text, turn, numbering(answer), names, lang)


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


def _head(label: str, source: str, where: str, back: str, lang: str) -> str:
    """A source's first line: its number, file and location, and on a phone the way back."""
    link = ""
    if back:
        name = html.escape(t(lang, "back_to_answer"), quote=True)
        link = f' <a class="back" href="#{back}" aria-label="{name}">↩ {html.escape(t(lang, "back_to_answer"))}</a>'
    return (f'<div class="source-head"><b>{html.escape(label)}</b> '
            f'<span class="file">{html.escape(_file_name(source))}</span> · '
            f'<span class="loc">{html.escape(where)}</span>{link}</div>')


def _source_block(doc: Document, start: int, end: int, element_id: str, label: str,
                  answer_text: str, lang: str, back: str = "") -> str:
    return (
        f'<div class="source" id="{element_id}">'
        + _head(label, doc.source, location(doc, start, end, lang), back, lang)
        + f'<div class="source-text">{highlighted(doc, start, end, answer_text)}</div></div>'
    )


def _removed_block(source: str, text: str, element_id: str, label: str, lang: str, back: str = "") -> str:
    """A source whose document left the knowledge base: its name and the passage as cited."""
    return (
        f'<div class="source removed" id="{element_id}">'
        + _head(label, source, t(lang, "removed"), back, lang)
        + f'<div class="source-text">{html.escape(text)}</div></div>'
    )


def sources_html(answer: Answer, turn: int, document: Callable[[str], Document | None], lang: str) -> str:
    """The sources panel for one answer: cited passages first, the rest behind a toggle.

    Cited passages carry the same numbers as the links in the answer
    (``numbering``), in that order. For a refusal the retrieved passages are
    shown open, so the user sees what was found. ``document`` returns None for a
    document deleted since the answer: its passage is shown as it was cited,
    never an error.
    """
    parts: list[str] = []
    cited_chunks: set[str] = set()
    citations: Sequence[Citation] = answer.citations
    if citations and not answer.refused:
        numbers = numbering(answer)
        parts.append(f'<div class="sources-title">{t(lang, "cited")}</div>')
        first: dict[int, Citation] = {}
        for c in citations:
            cited_chunks.add(c.chunk_id)
            first.setdefault(c.marker, c)
        for marker, c in sorted(first.items(), key=lambda item: numbers[item[0]]):
            shown = numbers[marker]
            element, label, back = anchor(turn, shown), f"[{shown}]", cite_id(turn, shown)
            doc = document(c.doc_id)
            parts.append(_source_block(doc, c.start, c.end, element, label, answer.text, lang, back)
                         if doc is not None else _removed_block(c.source, c.quote, element, label, lang, back))
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


def skip_reason(reason: str, lang: str) -> str:
    """Why a file was skipped or refused, in words for people (``kb.reason_kind``)."""
    kind, values = reason_kind(reason)
    return t(lang, f"skip_{kind}", **values)


def file_note(key: str, name: str, lang: str, **values: object) -> str:
    """Knowledge-base message ``key`` about file ``name``, escaped, the name marked as
    a file (so it reads as content, not interface text)."""
    hole = "\x00"
    text = html.escape(t(lang, key, name=hole, **values))
    return text.replace(hole, f'<span class="file">{html.escape(name)}</span>')


def skip_note(key: str, name: str, reason: str, lang: str) -> str:
    """A knowledge-base message line (``kb_skipped`` / ``kb_refused``): the friendly
    reason, the developer's message folded away as technical detail."""
    return (file_note(key, name, lang, reason=skip_reason(reason, lang))
            + f' <details class="tech"><summary>{t(lang, "details")}</summary>'
            f"<code>{html.escape(reason)}</code></details>")


def file_rows(statuses: Sequence[FileStatus], lang: str) -> list[list[str]]:
    """Knowledge-base table rows: name, state, detail, size (a skip reason in words
    for people; the technical message is in the rebuild's status note)."""
    rows = []
    for s in statuses:
        detail = (t(lang, "chunks", n=s.detail) if s.state == "indexed"
                  else skip_reason(s.detail, lang) if s.state == "skipped" else s.detail)
        size = f"{s.size / 1024:.0f} KB" if s.size >= 1024 else f"{s.size} B"
        rows.append([s.name, t(lang, s.state), detail, size])
    return rows


def documents_summary(statuses: Sequence[FileStatus], lang: str, busy: bool = False) -> str:
    """The chat tab's line on what the answers come from: how many documents, which
    (folded list), how many could not be read, and whether an index update runs."""
    indexed = [s.name for s in statuses if s.state == "indexed"]
    skipped = sum(s.state == "skipped" for s in statuses)
    if not indexed:
        text = html.escape(t(lang, "docs_none"))
    else:
        names = "".join(f'<li class="file">{html.escape(n)}</li>' for n in indexed)
        text = (f'<details><summary>{html.escape(t(lang, "docs_summary", n=len(indexed)))}'
                + (html.escape(t(lang, "docs_skipped", n=skipped)) if skipped else "")
                + f"</summary><ul>{names}</ul></details>")
    if busy:
        text += html.escape(t(lang, "docs_busy"))
    return f'<div class="docs-summary">{text}</div>'


# Stages of an answer as the user sees them, in order; the first two are optional.
_STEPS: tuple[tuple[str, str], ...] = (("rewriting", "stage_rewriting"), ("searching", "stage_searching"),
                                        ("reading", "stage_reading"), ("answering", "stage_writing"))


def progress_html(update: ChatUpdate, lang: str) -> str:
    """What a waiting user sees: the queue place with its estimated wait, or the
    steps (done, current, to come) with the current one marked, and the elapsed time."""
    elapsed = f'<span class="elapsed">{html.escape(t(lang, "elapsed", sec=int(update.elapsed)))}</span>'
    if update.stage == "queued":
        text = t(lang, "stage_queued", n=update.queue_position)
        if update.wait_estimate is not None:
            text += t(lang, "stage_eta", sec=max(1, round(update.wait_estimate)))
        return f'<div class="progress"><span role="status">{icon("◔")}{html.escape(text)}</span> · {elapsed}</div>'
    steps = [(s, key) for s, key in _STEPS if s != "rewriting" or update.standalone != update.question.strip()
             or update.stage == "rewriting"]
    current = next((i for i, (s, _) in enumerate(steps) if s == update.stage), 0)
    items = []
    for i, (_, key) in enumerate(steps):
        label = (t(lang, key, n=update.passages) if key != "stage_reading" or update.passages
                 else t(lang, "stage_reading_plain"))
        if i < current:
            items.append(f'<li class="done">{icon("✓")}{html.escape(label)}'
                         f'<span class="sr-only">{t(lang, "stage_done")}</span></li>')
        elif i == current:
            items.append(f'<li class="current" aria-current="step">{icon("●")}{html.escape(label)}</li>')
        else:
            items.append(f'<li class="todo">{html.escape(label)}</li>')
    return (f'<div class="progress"><ol class="stages" role="status" aria-label="{t(lang, "stages_label")}">'
            + "".join(items) + f"</ol>{elapsed}</div>")
