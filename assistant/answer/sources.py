"""Named sources: a sentence from each document the question names.

"城市进化论文章中南A中心首批签约入驻的东盟企业数量，与白皮书中…相比，哪个更多？" and
"《桂在协商》中王祖蓝带观众参观的那一届中国—东盟博览会，据陈刚的《中国日报》专访是在
哪个月举办的？" name the documents that hold their facts the way a reader knows
them: by title (《桂在协商》) or by a kind of source and a word of it (城市进化论文章,
白皮书, 陈刚专访). The first retrieval often draws every chosen sentence from one
of them; the fact the other holds never reaches the model, which then refuses or
answers from the wrong document. On the tune halves, one of the named documents
was missing from the evidence of 12 of the 17 multi-document questions answered
wrong or refused.

So each named source is resolved to a document (the one whose passage a lexical
search for the naming phrase ranks first), and a document the chosen sentences
do not come from yet gives one sentence: the one of its passages (among the
lexical hits for the question's uncovered terms) that holds the most of them.
A document that instructs the model gives none (``guard``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Sequence
from dataclasses import replace

from ..ingest.normalize import has_cjk, normalize
from ..search.terms import QUESTION_WORDS
from ..types import Hit
from .bridge import MIN_LINK_WEIGHT, Search
from .evidence import Evidence, asked_units, cover, repeats_question
from .sentences import Sentence, passage_sentences

# Words of the kinds of source a question names a document by (the 白皮书, a 报道, a
# 专访); a title in 《》 names one too.
SOURCE_NOUNS = ("白皮书", "报道", "文章", "专访", "采访", "访谈", "节目", "栏目", "报告")
# Characters before a source noun that say which one (城市进化论 of 城市进化论文章).
MAX_CUE_CHARS = 8
_CUE = re.compile(rf"《[^》]{{2,40}}》|[\u4e00-\u9fffA-Za-z]{{0,{MAX_CUE_CHARS}}}?(?:{'|'.join(SOURCE_NOUNS)})")
# Most named documents one question gets a sentence from (a comparison names two).
MAX_NAMED_SOURCES = 2
# Lexical hits the search for the uncovered terms returns before they are filtered
# to the named document.
SOURCE_SEARCH_DEPTH = 40


def source_cues(phrasings: Sequence[str]) -> list[str]:
    """The phrases of the question's Chinese phrasings that name a source, in order:
    titles in 《》 and a source noun with the words before it ("城市进化论文章",
    "据陈刚专访", "白皮书")."""
    cues = [m.group(0) for q in phrasings if has_cjk(q) for m in _CUE.finditer(normalize(q))]
    return list(dict.fromkeys(cues))


def named_documents(cues: Sequence[str], search: Search) -> list[str]:
    """Ids of the documents ``cues`` name (``source_cues``), each the document of the
    passage a lexical search for its phrase ranks first; at most ``MAX_NAMED_SOURCES``."""
    docs: list[str] = []
    for cue in cues:
        hits = search(cue, 1)
        if hits and hits[0].chunk.doc_id not in docs:
            docs.append(hits[0].chunk.doc_id)
    return docs[:MAX_NAMED_SOURCES]


def source_hop(evidence: Evidence, phrasings: Sequence[str], search: Search,
               untrusted: Callable[[Sequence[Hit]], Collection[int]], max_tokens: int,
               count_tokens: Callable[[str], int]) -> Evidence:
    """``evidence`` with one sentence from each named document it has none from
    (each passage numbered after the hits), or unchanged.

    ``search`` is a lexical search (query, k); ``untrusted`` numbers the passages of
    a hit list whose document instructs the model; each sentence may cost at most
    ``max_tokens``.
    """
    if max_tokens <= 0 or not evidence.sentences:
        return evidence
    cues = source_cues(phrasings)
    # The words naming a source (桂在协商, 白皮书) are in its title, not in the fact asked.
    missing = {t: evidence.terms[t] for t in evidence.missing
               if t not in QUESTION_WORDS and not any(t in c for c in cues)}
    if sum(missing.values()) < MIN_LINK_WEIGHT:
        return evidence
    named = named_documents(cues, search)
    present = {evidence.hits[s.passage - 1].chunk.doc_id for s in evidence.sentences}
    absent = [d for d in named if d not in present]
    if not absent:
        return evidence
    seen = {h.chunk.chunk_id for h in evidence.hits}
    found = [h for h in search(" ".join(missing), SOURCE_SEARCH_DEPTH) if h.chunk.chunk_id not in seen]
    asked = asked_units(phrasings)
    for doc in absent:
        own = [h for h in found if h.chunk.doc_id == doc]
        pick = _best_sentence(own, missing, frozenset(untrusted(own)), asked)
        if pick is None or count_tokens(pick.prompt_text) > max_tokens:
            continue
        hits = (*evidence.hits, own[pick.passage - 1])
        sentences = (*evidence.sentences, replace(pick, passage=len(hits)))
        coverage, left = cover(evidence.terms, sentences)
        evidence = replace(evidence, hits=hits, sentences=sentences, missing=left, coverage=coverage)
    return evidence


def _best_sentence(hits: Sequence[Hit], missing: dict[str, float], untrusted: frozenset[int],
                   asked: set[str]) -> Sentence | None:
    """The sentence of ``hits`` holding the most ``missing`` weight (at least
    ``MIN_LINK_WEIGHT``; the earlier on a tie), or None."""
    best: tuple[float, Sentence] | None = None
    for s in passage_sentences(hits):
        if s.passage in untrusted or repeats_question(s.norm, asked):
            continue
        held = sum(w for t, w in missing.items() if t in s.norm)
        if held >= MIN_LINK_WEIGHT and (best is None or held > best[0]):
            best = (held, s)
    return best[1] if best else None
