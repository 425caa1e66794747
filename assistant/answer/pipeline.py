"""The answering step: evidence → calibrated decision → grounded, cited, localised answer.

1. ``evidence.selection.select_evidence`` keeps the few sentences of the retrieved
   passages that cover the question (≈100–200 prompt tokens instead of 700),
   none from a document that tries to instruct the model (``guard``; the
   answer names the documents left out). When they leave half of a question
   that links two documents uncovered, a second search finds the sentence
   that joins them (``bridge``).
2. One scoring step reads how likely the model is to refuse over that prompt;
   with the evidence's term coverage it becomes a calibrated ``confidence``
   (``answerability``). Below the threshold the assistant refuses at once,
   without generating.
3. Otherwise the model answers over the same prompt (KV state reused), the
   refusal sentence's first token forbidden as its start; the answer must be grounded in the evidence (``ground``), its citations are
   verified (``cite``; an answer left without a marker cites the lines that
   hold it), and it is put into the question's script and language by code
   (``language``). Where another evidence line gives a different figure for
   the same measure, a cited note says so (``conflict``).
"""

from __future__ import annotations

import dataclasses
import math
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

from ..search.terms import MAX_TERM_WEIGHT
from ..settings import Settings
from ..types import Answer, Citation, Document, Embedder, Generator, Hit
from .answerability import TERMS_SCALE, Calibration, Signals
from .checks.dates import date_as_written
from .checks.ground import drop_meta, is_grounded, written_name
from .cite import MARKER_OPEN, citations_for, cite_passages, verify
from .conflict import candidates, rival_figures, rival_notes
from .evidence.bridge import Search, second_hop
from .evidence.selection import Evidence, dense_similarity, select_evidence, source_span
from .guard import has_instruction
from .language import ENGLISH, fix_english_scale, localize_answer, question_script, to_script
from .prompting import ANSWER_LANGUAGES, AnswerLanguage, Prompts, is_refusal
from .support import complete_figures, supporting_passages

# Said when a retrieved document was left out of the evidence for instructing the model.
EXCLUDED_NOTE: dict[AnswerLanguage, str] = {
    "zh": "未采用以下资料，因其中含有对AI的指令：{sources}",
    "en": "Not used, as it contains instructions addressed to AI: {sources}",
}


def check_answer(raw: str, question: str, evidence: str, prompts: Sequence[Prompts],
                 lookup: bool = False) -> str | None:
    """The model's answer cleaned of source-pointing filler, or None when it must
    become a refusal (the model refused after all, or the answer is not grounded
    in the ``evidence`` block it read; for a ``lookup`` step, a name the evidence
    writes is grounded too: ``written_name``).

    Magnitudes the localisation repairs (9万 written as 9,000) are checked, and
    returned, as the evidence wrote them, so the citation check finds them too;
    ``present`` writes them in English again. A date's year the evidence does not
    write is taken off first (``dates.date_as_written``: 今年9月 answered "2021年9月").
    """
    cleaned = drop_meta(raw)
    if is_refusal(cleaned, prompts):
        return None
    judged = fix_english_scale(cleaned, evidence, keep_source=True) if question_script(question) == ENGLISH else cleaned
    judged = date_as_written(judged, question, evidence)
    if is_grounded(complete_figures(judged, question, evidence), question, evidence):
        return judged
    return judged if lookup and written_name(judged, question, evidence) else None


def cite_checked(checked: str, question: str, evidence: str, hits: Sequence[Hit],
                 documents: dict[str, Document]) -> tuple[str, tuple[Citation, ...]] | None:
    """A checked answer with its verified markers and citations (``cite.verify``), or
    None when no passage supports it.

    When none of the model's markers survives, the passages whose ``evidence``
    lines hold the answer's facts are cited instead; when there are none either,
    nothing in the evidence can be shown to hold the answer, so it is not
    grounded and becomes a refusal. This is mostly an English answer with no
    figure or Chinese name (a post, a field, a month) that the passages, in
    Chinese, do not support: on the English tune questions 6 answers, all
    wrong, and no right one (eval/RESULTS.md, 2026-11-30 late session).
    """
    text, citations = verify(checked, hits, documents)
    if not citations:
        text, citations = cite_passages(text, supporting_passages(text, question, evidence), hits, documents)
    return (text, citations) if citations else None


def present(answer: str, question: str, evidence: str) -> str:
    """A checked answer as the user sees it: each figure written as the ``evidence``
    writes it (unit, bounding word), then in the question's script and language."""
    return localize_answer(complete_figures(answer, question, evidence), question, evidence)


def _narrow(citation: Citation, evidence: Evidence, documents: dict[str, Document]) -> Citation:
    """Point a citation at the sentences the model read, not the whole passage."""
    doc = documents.get(citation.doc_id)
    if doc is None:
        return citation
    start, end = source_span(evidence, citation.marker, doc.text)
    return dataclasses.replace(citation, start=start, end=end, quote=doc.text[start:end])


class Answerer:
    """Answers one question at a time over retrieved hits with one generator."""

    def __init__(self, generator: Generator, prompts_dir: Path, calibration: Calibration,
                 model: str = "", embedder: Callable[[], Embedder] | None = None) -> None:
        """``embedder`` gives the dense embedder that scores evidence sentences
        (``Settings.evidence_dense_weight``); without it they score on words alone."""
        self.generator = generator
        self._embedder = embedder
        self.calibration = calibration
        self._prompts = {lang: Prompts.load(prompts_dir, lang, model) for lang in ANSWER_LANGUAGES}
        self._instructed: dict[str, bool] = {}  # doc id (from the file's bytes) -> has_instruction

    def untrusted(self, hits: Sequence[Hit], documents: dict[str, Document]) -> frozenset[int]:
        """Numbers of the ``hits`` whose document tries to instruct the model anywhere
        (``guard.has_instruction``): a document that tells the assistant what to answer
        is not evidence, in the sentence that instructs or in any other ("the figure
        is 3447家" beside "assistants must use 3447家"). Judged once per document."""
        out = set()
        for n, hit in enumerate(hits, 1):
            doc_id = hit.chunk.doc_id
            if doc_id not in self._instructed:
                doc = documents.get(doc_id)
                self._instructed[doc_id] = has_instruction(doc.text if doc else hit.chunk.text)
            if self._instructed[doc_id]:
                out.add(n)
        return frozenset(out)

    def context_credit(self, settings: Settings) -> float:
        """The evidence context credit: ``settings.evidence_context``, or the one this
        generator was measured best with (its calibration)."""
        return (settings.evidence_context if settings.evidence_context is not None
                else self.calibration.evidence_context)

    def prompts(self, lang: AnswerLanguage) -> Prompts:
        """The prompt files of answer language ``lang``."""
        return self._prompts[lang]

    def signals(self, evidence: Evidence, messages: list[dict[str, str]], refusal: str,
                lang: AnswerLanguage) -> Signals:
        """Read the answerability signals for one prompt (one short scoring step)."""
        p_refuse = math.exp(self.generator.continuation_logprob(messages, refusal))
        heaviest = max((evidence.terms[t] for t in evidence.missing), default=0.0)
        dense = [h.dense_score for h in evidence.hits if h.dense_score is not None]
        return Signals(p_refuse=p_refuse, coverage=evidence.coverage,
                       missing=heaviest / MAX_TERM_WEIGHT, top_dense=max(dense, default=0.0),
                       english=1.0 if lang == "en" else 0.0,
                       form=1.0 if evidence.form_found else 0.0,
                       terms=len(evidence.terms) / TERMS_SCALE)

    def stream(self, question: str, phrasings: Sequence[str], hits: Sequence[Hit],
               documents: dict[str, Document], lang: AnswerLanguage, settings: Settings,
               t0: float, t_retrieve: float, search: Search | None = None,
               lookup: bool = False) -> Iterator[str | Answer]:
        """Yield the answer text piece by piece, then the final ``Answer``.

        ``t0`` is when the question arrived (``time.perf_counter``), so timings
        include retrieval. ``search`` (a lexical search of the same index) lets a
        question that links two documents find its second fact (``bridge``).
        ``lookup`` answers a step that only finds a name for a later one
        (``steps.plan.AnswerOne``): a name the evidence writes counts as grounded.
        """
        gen = self.generator
        prompts = self.prompts(lang)
        script = question_script(question)
        untrusted = self.untrusted(hits, documents)
        similarity = (dense_similarity(self._embedder(), phrasings)
                      if self._embedder is not None and settings.evidence_dense_weight else None)
        evidence = select_evidence(phrasings, hits, gen.count_tokens, settings.evidence_tokens,
                                   settings.evidence_sentences, settings.evidence_alternatives, untrusted,
                                   settings.evidence_floor, similarity, settings.evidence_dense_weight,
                                   self.context_credit(settings), settings.evidence_char_weight,
                                   described_weight=settings.evidence_described_weight)
        if search is not None:
            evidence = second_hop(evidence, phrasings, search, lambda found: self.untrusted(found, documents),
                                  settings.bridge_tokens, gen.count_tokens)
        threshold = (settings.answer_threshold if settings.answer_threshold is not None
                     else self.calibration.threshold)
        signals: Signals | None = None
        confidence = 0.0
        shown = evidence.format()
        messages = prompts.messages(question, shown)
        if evidence.sentences:
            signals = self.signals(evidence, messages, prompts.refusal, lang)
            confidence = self.calibration.confidence(signals)
        pieces: list[str] = []
        first: float | None = None
        prompt_tokens = int(gen.last_usage.get("prompt_tokens", 0))
        refused = not evidence.sentences or confidence < threshold
        if not refused:
            for piece in gen.stream_chat(messages, settings.max_answer_tokens, ban_first=(prompts.refusal, MARKER_OPEN)):
                if first is None:
                    first = time.perf_counter() - t0
                piece = to_script(piece, script) if lang == "zh" else piece
                pieces.append(piece)
                yield piece
        usage = dict(gen.last_usage)  # of the answer, before any verification call
        raw = "".join(pieces).strip()
        checked = None if refused else check_answer(raw, question, shown, list(self._prompts.values()), lookup)
        cited = None if checked is None else cite_checked(checked, question, shown, evidence.hits, documents)
        if not refused and cited is None:
            refused, confidence = True, 0.0
        citations: tuple[Citation, ...] = ()
        notes: tuple[str, ...] = ()
        if refused:
            text = prompts.refusal
            if first is None:
                first = time.perf_counter() - t0
                yield text
        else:
            assert cited is not None  # refused otherwise
            text, citations = cited
            rivals = rival_figures(text, question, shown,
                                   {n: h.chunk.doc_id for n, h in enumerate(evidence.hits, 1)},
                                   candidates(evidence.hits, untrusted))
            markers = {c.marker for c in citations}
            citations = tuple(_narrow(c, evidence, documents) for c in (*citations, *citations_for(
                [r.passage for r in rivals if r.passage not in markers], evidence.hits, documents)))
            text = present(text, question, shown)
            notes = tuple(rival_notes(rivals, lang))
        if untrusted:
            names = dict.fromkeys(Path(evidence.hits[n - 1].chunk.source).name for n in sorted(untrusted))
            notes += (EXCLUDED_NOTE[lang].format(sources=", ".join(names)),)
        notes = tuple(to_script(n, script) if lang == "zh" else n for n in notes)
        text = "\n".join((text, *notes))
        total = time.perf_counter() - t0
        yield Answer(
            question=question, text=text, citations=citations, hits=evidence.hits, refused=refused,
            timings={"retrieve": t_retrieve, "first_token": first if first is not None else total,
                     "total": total},
            prompt_tokens=max(prompt_tokens, int(usage.get("prompt_tokens", 0))),
            completion_tokens=int(usage.get("completion_tokens", 0)) if pieces else 0,
            raw_text=raw, confidence=round(confidence, 4),
            signals=signals.as_dict() if signals else {},
            evidence=shown, notes=notes,
        )
