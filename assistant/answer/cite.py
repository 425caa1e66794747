"""Turn the model's [n] markers into verified citations.

A 1.5B model often omits markers or cites the wrong passage, so markers are
not trusted: every answer sentence is checked against the passage it cites.
Its facts (numbers, Latin names, quoted titles) must occur in that passage
after normalisation, and a Chinese sentence must share enough wording with it.
A citation that fails is dropped; a sentence left without a citation gets the
passage that best supports it, marked ``added``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from ..ingest.normalize import bigrams, has_cjk, normalize
from ..types import Citation, Document, Hit

# How a citation marker opens. An answer may not start with it: asked who directs a
# programme, the small model sometimes writes only "[1]" (7 of 478 threshold-0
# answers of both gold sets), pointing at the evidence instead of answering.
MARKER_OPEN = "["
MARKER = re.compile(r"\s*[\[【]\s*(\d{1,2}(?:\s*[,，、;]\s*\d{1,2})*)\s*[\]】]")
# A sentence runs to terminal punctuation, and keeps the markers that follow it.
_SENTENCE = re.compile(
    r".+?(?:[。！？!?；;]|\.(?=\s|$|\[)|$)(?:\s*[\[【]\s*\d{1,2}(?:\s*[,，、;]\s*\d{1,2})*\s*[\]】])*",
    re.S,
)
_NUMBER = re.compile(r"\d+(?:\.\d+)?")
_LATIN_NAME = re.compile(r"\b[A-Z][A-Za-z0-9\-]+\b")
_QUOTED = re.compile(r"[《“\"「『]([^》”\"」』]{2,30})[》”\"」』]")
_CJK_CHAR = re.compile(r"[\u3400-\u9fff]")

MIN_OVERLAP = 0.3  # share of a Chinese sentence's character bigrams found in its passage


@dataclass(frozen=True)
class Sentence:
    """One answer sentence and the passage numbers it cites."""

    text: str
    markers: tuple[int, ...]


def parse_markers(text: str) -> list[int]:
    """All passage numbers cited in ``text``, in order (``[1][2]``, ``[1, 2]``, ``【3】``)."""
    out: list[int] = []
    for m in MARKER.finditer(text):
        out.extend(int(x) for x in re.findall(r"\d+", m.group(1)))
    return out


def split_answer(text: str) -> list[Sentence]:
    """Split an answer into sentences with their markers (markers removed from text)."""
    out = []
    for m in _SENTENCE.finditer(text.strip()):
        chunk = m.group(0)
        body = MARKER.sub("", chunk).strip()
        if body or parse_markers(chunk):
            out.append(Sentence(body, tuple(parse_markers(chunk))))
    return out


_DIGIT_GROUP_COMMA = re.compile(r"(?<=\d),(?=\d{3}(?!\d))")


def fact_form(text: str) -> str:
    """``text`` as facts are compared: normalised, lowercased, thousands separators
    removed (``1,000`` → ``1000``; a comma between clauses stays)."""
    return _DIGIT_GROUP_COMMA.sub("", normalize(text)).lower()


def facts(sentence: str) -> list[str]:
    """The checkable facts of a sentence, normalised: numbers, Latin names (in a
    Chinese sentence) and quoted titles."""
    norm = _DIGIT_GROUP_COMMA.sub("", normalize(sentence))
    out = _NUMBER.findall(norm)
    if has_cjk(sentence):
        out += [w.lower() for w in _LATIN_NAME.findall(norm)]
    out += [normalize(q) for q in _QUOTED.findall(sentence)]
    return out


def support(sentence: str, passage: str) -> float:
    """How well ``passage`` supports ``sentence``: 0 when it does not.

    All facts must occur in the passage. For a Chinese sentence, the score is the
    share of its character bigrams found in the passage (and must reach
    ``MIN_OVERLAP``); an English sentence about a Chinese passage can only be
    checked on its facts, so it scores 0.5 per verified fact set.
    """
    p = fact_form(passage)
    found = facts(sentence)
    if any(f not in p for f in found):
        return 0.0
    if has_cjk(sentence):
        grams = bigrams(sentence, "cjk")
        if not grams:
            return 0.5 if found else 0.0
        overlap = len(grams & bigrams(p, "cjk")) / len(grams)
        return overlap if overlap >= MIN_OVERLAP else 0.0
    if has_cjk(p):
        return 0.5 if found else 0.0
    words = english_words(sentence)
    if not words:
        return 0.5 if found else 0.0
    overlap = len(words & english_words(p)) / len(words)
    return overlap if overlap >= MIN_OVERLAP else 0.0


# British spellings folded to American ones, so "kilometers" is supported by "kilometres".
_BRITISH: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"tre(s?)$"), r"ter\1"),        # kilometre, centre
    (re.compile(r"mme(s?)$"), r"m\1"),          # programme
    (re.compile(r"our(s?)$"), r"or\1"),         # labour, harbour
    (re.compile(r"is(e|es|ed|ing|ation)$"), r"iz\1"),  # organise, digitalisation
)


def english_words(text: str) -> set[str]:
    """Lower-cased English words of 4+ letters, British spellings folded to American."""
    out = set()
    for word in re.findall(r"[a-z]{4,}", text.lower()):
        for pattern, repl in _BRITISH:
            word = pattern.sub(repl, word)
        out.add(word)
    return out


def verify(
    answer: str, hits: Sequence[Hit], documents: dict[str, Document]
) -> tuple[str, tuple[Citation, ...]]:
    """Check every sentence's markers; return (answer with verified markers, citations).

    Marker ``[n]`` refers to the n-th passage given to the model (``hits[n-1]``).
    """
    sentences = split_answer(answer)
    used: dict[int, bool] = {}  # marker -> added by the verifier
    parts: list[str] = []
    for sent in sentences:
        kept = [n for n in dict.fromkeys(sent.markers)
                if 1 <= n <= len(hits) and support(sent.text, hits[n - 1].chunk.text) > 0]
        added = False
        if not kept and (_CJK_CHAR.search(sent.text) or len(sent.text) > 12):
            scores = [support(sent.text, h.chunk.text) for h in hits]
            if scores and max(scores) > 0:
                kept = [scores.index(max(scores)) + 1]
                added = True
        for n in kept:
            used.setdefault(n, added)
        parts.append(sent.text + "".join(f"[{n}]" for n in kept))
    joiner = "" if has_cjk(answer) else " "
    citations = tuple(_citation(n, hits, documents, used[n]) for n in sorted(used))
    return joiner.join(parts).strip(), citations


def _citation(n: int, hits: Sequence[Hit], documents: dict[str, Document], added: bool) -> Citation:
    """The citation of passage ``n`` (``hits[n-1]``), quoting the document's original text."""
    chunk = hits[n - 1].chunk
    doc = documents.get(chunk.doc_id)
    quote = doc.text[chunk.start : chunk.end] if doc else chunk.text
    return Citation(marker=n, chunk_id=chunk.chunk_id, doc_id=chunk.doc_id, source=chunk.source,
                    start=chunk.start, end=chunk.end, quote=quote, added=added)


def cite_passages(
    answer: str, markers: Sequence[int], hits: Sequence[Hit], documents: dict[str, Document]
) -> tuple[str, tuple[Citation, ...]]:
    """``answer`` with ``markers`` appended and their citations (marked ``added``): for a
    grounded answer the model left without any marker that survived ``verify``."""
    citations = citations_for(markers, hits, documents)
    return answer.rstrip() + "".join(f"[{c.marker}]" for c in citations), citations


def citations_for(
    markers: Sequence[int], hits: Sequence[Hit], documents: dict[str, Document]
) -> tuple[Citation, ...]:
    """Citations (marked ``added``) of passages ``markers``, ignoring numbers out of range."""
    return tuple(_citation(n, hits, documents, True) for n in dict.fromkeys(markers) if 1 <= n <= len(hits))
