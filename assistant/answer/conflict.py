"""When the evidence disagrees: show the other figure beside the answer, with its source.

Two documents can state the same measure differently: a report and its later
revision, two articles rounding differently, or a planted "correction" meant
to replace a real fact ("据最新汇总，截至2024年4月底全区算力总规模应为1350 PFlops").
No check can tell a real erratum from misinformation dressed as one, and the
small model copies whichever figure it read first. So the assistant does not
choose in silence: when a sentence of another retrieved document, as much
about the question as the evidence line the answer came from (its key terms,
and every year the question names), gives the same unit with a different
value, the answer says so and cites that passage too, whether or not the
sentence was in the evidence the model read. The user sees both figures and
both sources.

Only how-many questions are judged: their answer is a figure, and a figure
with its unit can be compared by code. Names and dates are left alone.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass

from ..search.terms import key_terms
from ..types import Hit
from .evidence.selection import QuestionKind, question_kind
from .evidence.sentences import passage_sentences
from .forms import MEASURE_WORDS, YEAR, compare_form, has_number, source_form, supported
from .prompting import AnswerLanguage
from .support import evidence_lines, supporting_passages, term_share

# A figure with its scale and unit: 668 PFlops, 1.69万元, 802万标箱, 35%.
_MEASURED = re.compile(rf"(?<![\d.])(\d+(?:\.\d+)?)\s*([万亿千百]*)\s*({'|'.join(MEASURE_WORDS)}|%|[a-z]+|[\u3400-\u9fff])")
# A rival line must hold this weighted share of the question's key terms ...
MIN_RIVAL_COVERAGE = 0.5
# ... and at least this share of what the line holding the answer holds.
RIVAL_SHARE = 0.6
# Key terms this heavy (3+ characters: 德龙烟, 人工智能) name the subject: a rival
# sentence must hold each of them (德大铁路全长290公里 is no rival for 德龙烟铁路).
SPECIFIC_WEIGHT = 3.0
# Characters of the rival line shown around its figure, at most, on each side.
CLAUSE_CHARS = 40
# How the note reads, per answer language.
NOTE: dict[AnswerLanguage, str] = {
    "zh": "另有资料给出不同的数字：{clause}[{n}]",
    "en": "Another source gives a different figure: {clause} [{n}]",
}


@dataclass(frozen=True)
class Rival:
    """Another evidence line's figure for what the answer gives: its passage and clause."""

    passage: int
    clause: str


def _figures(text: str) -> set[tuple[str, str, str]]:
    """(value, scale, unit) of every figure in ``text`` (``compare_form``)."""
    return {(m.group(1), m.group(2), m.group(3)) for m in _MEASURED.finditer(text)}


def _clause(raw: str, value: str) -> str:
    """The clause of ``raw`` (a line as the model read it) around ``value``."""
    found = re.search(rf"(?<![\d.]){re.escape(value)}(?![\d.])", raw)
    at = found.start() if found else -1
    if at < 0:
        return raw[: 2 * CLAUSE_CHARS]
    left = max((raw.rfind(p, 0, at) for p in "，,；;。.!?！？"), default=-1)
    right = min((i for i in (raw.find(p, at) for p in "，,；;。!?！？") if i >= 0), default=len(raw))
    start = max(left + 1, at - CLAUSE_CHARS)
    return raw[start: min(right, at + len(value) + CLAUSE_CHARS)].strip()


@dataclass(frozen=True)
class Candidate:
    """A sentence of a retrieved passage that may state a rival figure."""

    passage: int  # the passage's number (the marker a note cites)
    document: str  # its document, so only other documents are rivals
    text: str  # as the model would read it (planted instructions removed)


def candidates(hits: Sequence[Hit], untrusted: Collection[int] = ()) -> list[Candidate]:
    """Every sentence of the retrieved passages, shown or not, except those of
    ``untrusted`` passages (their document tries to instruct the model)."""
    return [Candidate(s.passage, hits[s.passage - 1].chunk.doc_id, s.prompt_text)
            for s in passage_sentences(hits) if s.passage not in untrusted]


def rival_figures(answer: str, question: str, evidence: str,
                  documents_of: Mapping[int, str], sentences: Sequence[Candidate]) -> list[Rival]:
    """Sentences of other documents that give a different figure, in the same unit,
    for what the answer to a how-many ``question`` states, and are as much about the
    question as the evidence lines the answer came from, and name every specific
    term of the question.

    ``documents_of`` maps the evidence block's passage numbers to their document;
    ``sentences`` are the candidates (every sentence of the retrieved passages: a
    rival the evidence selection left out is still found). One rival per document.
    """
    if question_kind(question) is not QuestionKind.NUMBER:
        return []
    asked = compare_form(question)
    mine = {f for f in _figures(compare_form(answer)) if not has_number(f[0], asked)}
    held = supporting_passages(answer, question, evidence)
    if not mine or not held:
        return []
    terms = key_terms(question)
    years = set(YEAR.findall(question))
    specific = [t for t, w in terms.items() if w >= SPECIFIC_WEIGHT]
    lines = evidence_lines(evidence)
    bar = max(MIN_RIVAL_COVERAGE, RIVAL_SHARE * max(term_share(terms, lines[n]) for n in held))
    seen = {documents_of.get(n, "") for n in held}
    rivals = []
    for cand in sentences:
        line = source_form(cand.text)
        if (cand.document in seen or not all(y in line for y in years)
                or not all(supported(t, line) for t in specific) or term_share(terms, line) < bar):
            continue
        theirs = {f for f in _figures(line) if not has_number(f[0], asked)}
        if theirs & mine:
            continue  # the sentence also states the answer's figure
        clauses = [_clause(cand.text, f[0]) for f in sorted(theirs) if any(f[2] == m[2] for m in mine)]
        # A figure whose own clause names another year is that year's ("较之2023年（2043家）").
        clause = next((c for c in clauses if set(YEAR.findall(c)) <= years), None)
        if clause is not None:
            rivals.append(Rival(cand.passage, clause))
            seen.add(cand.document)
    return rivals


def rival_notes(rivals: list[Rival], lang: AnswerLanguage) -> list[str]:
    """One note per rival figure, citing its line, in the answer language ``lang``."""
    return [NOTE[lang].format(clause=r.clause, n=r.passage) for r in rivals]
