"""Sentence-aware chunking for Chinese and English.

Chunks are built from whole sentences (Chinese 。！？；, English . ! ? ;) packed
up to ``chunk_size`` characters, with whole trailing sentences repeated as
overlap. A sentence longer than a chunk is cut at a clause mark (，、,:：) and only
as a last resort at a character boundary that is not inside a number or a
Latin word, so no chunk ever splits ``100亿元`` or ``ChatGPT``. Short title-like
lines become the heading carried in each following chunk's metadata.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..types import Chunk, Document
from .clean import CleanedText
from .normalize import normalize

# A sentence ends after Chinese terminal punctuation (plus closing quotes) or
# after English terminal punctuation followed by whitespace, but not after an initial
# (a capital letter standing alone: "R. graveolens", "Henry A. Walsh", "A. J. Apponi"),
# which would cut a sentence off its subject.
_SENT_END = re.compile(r"[。！？；!?;]+[”’」』）)\"']*|(?<!(?<![A-Za-z])[A-Z])\.(?=\s)|\.$|\n+")
_CLAUSE = re.compile(r"[，、,：:]")
_HEADING = re.compile(
    r"^(#{1,6}\s+.+|第[一二三四五六七八九十百\d]+[章节部分篇].{0,30}|[一二三四五六七八九十]+、.{1,30}|（[一二三四五六七八九十]+）.{1,30}|\d+(\.\d+)*\s+\S.{0,30})$"
)
_WORDCHAR = re.compile(r"[0-9A-Za-z.%％,．·\-]")
# A line this short without sentence punctuation reads as a title, not a sentence.
TITLE_LINE_CHARS = 24


@dataclass(frozen=True)
class _Span:
    start: int
    end: int
    heading: str


def _is_heading(line: str) -> bool:
    line = line.strip()
    if not line or len(line) > 40:
        return False
    if _HEADING.match(line):
        return True
    # A short line without sentence punctuation reads as a title.
    return len(line) <= TITLE_LINE_CHARS and not re.search(r"[。！？；!?;，,:：]$", line) and not line.isdigit()


def _safe_cut(text: str, start: int, limit: int) -> int:
    """Largest cut ≤ limit after ``start`` that is not inside a number or Latin word."""
    cut = limit
    while cut > start + 1 and _WORDCHAR.match(text[cut - 1]) and _WORDCHAR.match(text[cut]):
        cut -= 1
    return cut if cut > start + 1 else limit


def split_sentences(text: str, start: int, end: int, max_len: int) -> list[tuple[int, int]]:
    """Sentence spans of ``text[start:end]``, each at most ``max_len`` chars."""
    spans: list[tuple[int, int]] = []
    pos = start
    for m in _SENT_END.finditer(text, start, end):
        if m.end() > pos:
            spans.append((pos, m.end()))
            pos = m.end()
    if pos < end:
        spans.append((pos, end))
    out: list[tuple[int, int]] = []
    for s, e in spans:
        while e - s > max_len:
            window = text[s : s + max_len]
            clause = [m.end() for m in _CLAUSE.finditer(window) if m.end() > max_len // 3]
            cut = s + clause[-1] if clause else _safe_cut(text, s, s + max_len)
            out.append((s, cut))
            s = cut
        if text[s:e].strip():
            out.append((s, e))
    return out


def _sentences_with_headings(text: str, max_len: int) -> list[_Span]:
    spans: list[_Span] = []
    heading = ""
    pos = 0
    for line in text.split("\n"):
        line_start, line_end = pos, pos + len(line)
        pos = line_end + 1
        if not line.strip():
            continue
        if _is_heading(line):
            heading = line.strip().lstrip("#").strip()
            # The heading line itself is also content (titles carry facts).
        for s, e in split_sentences(text, line_start, line_end, max_len):
            spans.append(_Span(s, e, heading))
    return spans


def chunk_document(
    doc: Document, cleaned: CleanedText, chunk_size: int, overlap: int, min_chars: int = 20
) -> list[Chunk]:
    """Split one cleaned document into overlapping, sentence-aligned chunks."""
    text = cleaned.text
    sents = _sentences_with_headings(text, chunk_size)
    chunks: list[Chunk] = []
    i = 0
    while i < len(sents):
        j = i
        heading = sents[i].heading
        # Size is the span from the first sentence's start, so line breaks count too.
        while j < len(sents) and (j == i or sents[j].end - sents[i].start <= chunk_size):
            size = sents[j - 1].end - sents[i].start if j > i else 0
            if j > i and sents[j].heading != heading and size >= min_chars:
                break  # a new section starts a new chunk (tiny sections merge forward)
            j += 1
        start, end = sents[i].start, sents[j - 1].end
        body = text[start:end].strip()
        if body:
            lead = len(text[start:end]) - len(text[start:end].lstrip())
            start += lead
            end = start + len(body)
            o_start, o_end = cleaned.to_original(start, end)
            search = normalize(f"{heading}\n{body}" if heading and heading not in body else body)
            chunks.append(
                Chunk(
                    chunk_id=f"{doc.doc_id}-{len(chunks):04d}",
                    doc_id=doc.doc_id,
                    source=doc.source,
                    ordinal=len(chunks),
                    text=body,
                    search_text=search,
                    start=o_start,
                    end=o_end,
                    heading=heading,
                )
            )
        if j >= len(sents):
            break
        # Step back over whole sentences that fit in the overlap budget.
        back = j
        carried = 0
        while back - 1 > i and carried + (sents[back - 1].end - sents[back - 1].start) <= overlap:
            back -= 1
            carried += sents[back].end - sents[back].start
        i = back
    return chunks
