"""Second hop: the evidence for a question that links two documents.

"全国政协委员黄晓娟任副校长的那所高校，据白皮书已明确了人工智能的什么研究方向？"
needs two facts: one document says 黄晓娟 is vice-president of 广西师范大学, the
white paper says which universities set up AI master's programmes. The first
retrieval finds the sentence the question describes best (黄晓娟's); the other
half of the question (白皮书, 明确, 研究方向) is then missing from the evidence,
and the sentence that answers it shares no word with the question but the
*bridge*: 广西师范大学, a word of the first sentence.

So when the chosen evidence leaves a large share of the question's key terms
uncovered (``MIN_MISSING_SHARE``), a second, lexical search runs over those
missing terms plus the names in the first sentences, and one sentence joins the
evidence if it holds some missing terms *and* a specific bridge name (one that
few of the passages in view contain: 广西师范大学, not 广西). A question
the first evidence already covers is left alone, and a near-miss question
(asked for a year the documents do not give) rarely leaves enough uncovered to
start a search whose sentence must also hold a bridge.
"""

from __future__ import annotations

import math
import re
import warnings
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, replace

from ...ingest.normalize import normalize
from ...search.lexical import STOPWORDS
from ...search.terms import QUESTION_WORDS
from ...types import Hit
from .selection import Evidence, asked_units, cover, repeats_question
from .sentences import Sentence, passage_sentences

# Share of the question's key-term weight the first evidence must leave uncovered
# before a second search runs. Set, not swept, and checked on the tune halves: with
# the other rules below the second hop fires on 3 of 139 corpus and 0 of 102 cmrc2018
# tune questions, and on none of the unanswerable ones (eval/RESULTS.md, night session).
MIN_MISSING_SHARE = 0.3
# Weight of missing terms (a term weighs its length, ``search.terms``) the bridge
# sentence must hold: at least one two-character word of the unanswered half.
MIN_LINK_WEIGHT = 2.0
# A bridge word must be a name (``proper_names``) at least this long (Chinese
# characters; Latin words count letters) and in no more than this share of the
# passages in view.
MIN_BRIDGE_CHARS = 3
MIN_BRIDGE_LETTERS = 5
MAX_BRIDGE_SHARE = 1 / 3
# Passages the second search returns (besides those already retrieved).
SECOND_HOP_PASSAGES = 6
# Score credit per unit of a bridge word's specificity (log of passages per occurrence),
# against the share of the question's weight the sentence covers.
BRIDGE_CREDIT = 0.1

with warnings.catch_warnings():
    # jieba imports pkg_resources, which warns on every start; nothing to act on.
    warnings.simplefilter("ignore", UserWarning)
    from jieba import posseg

Search = Callable[[str, int], Sequence[Hit]]


@dataclass(frozen=True)
class Hop:
    """What the second search asks for: the uncovered terms and the candidate bridges."""

    missing: dict[str, float]
    bridges: tuple[str, ...]

    @property
    def query(self) -> str:
        """The lexical query of the second search."""
        return " ".join((*self.missing, *self.bridges))


def plan_hop(evidence: Evidence, phrasings: Sequence[str]) -> Hop | None:
    """The second search ``evidence`` calls for, or None when it covers enough of the
    question (or names nothing to bridge from)."""
    total = sum(evidence.terms.values())
    if not evidence.sentences or not total:
        return None
    missing = {t: evidence.terms[t] for t in evidence.missing if t not in QUESTION_WORDS}
    if sum(missing.values()) / total < MIN_MISSING_SHARE:
        return None
    asked = " ".join(normalize(q).lower() for q in phrasings)
    bridges = tuple(dict.fromkeys(
        w for s in evidence.sentences for w in proper_names(normalize(s.prompt_text)) if w not in asked))
    return Hop(missing, bridges) if bridges else None


# jieba part-of-speech tags of proper names: people (nr, nrt, nrfg), places (ns),
# organisations (nt) and other proper nouns (nz).
_PROPER_TAGS = ("nr", "ns", "nt", "nz")
_CAPITALISED = re.compile(r"(?<![A-Za-z])[A-Z][A-Za-z\-]+")


def proper_names(text: str) -> list[str]:
    """The names in ``text`` (lower-cased), the only words that can bridge two documents:
    Chinese proper nouns of ``MIN_BRIDGE_CHARS``+ characters by jieba's tagger
    (广西师范大学, 阿里巴巴; not 进一步 or 增长率, which any passage may hold) and
    capitalised Latin words of ``MIN_BRIDGE_LETTERS``+ letters that do not open the
    text."""
    names = [p.word.lower() for p in posseg.lcut(text)
             if p.flag.startswith(_PROPER_TAGS) and len(p.word) >= MIN_BRIDGE_CHARS and not p.word.isascii()]
    names += [m.group(0).lower() for m in _CAPITALISED.finditer(text)
              if len(m.group(0)) >= MIN_BRIDGE_LETTERS and m.start() > 0]
    return [w for w in names if w not in STOPWORDS and w not in QUESTION_WORDS]


def second_hop(evidence: Evidence, phrasings: Sequence[str], search: Search,
               untrusted: Callable[[Sequence[Hit]], Collection[int]], max_tokens: int,
               count_tokens: Callable[[str], int]) -> Evidence:
    """``evidence`` with one bridge sentence added (its passage numbered after the
    first hits when it comes from the second search), or unchanged.

    ``search`` is a lexical search (query, k); ``untrusted`` numbers the passages of
    a hit list whose document instructs the model (none of their sentences is
    used); the sentence may cost at most ``max_tokens``.
    """
    hop = plan_hop(evidence, phrasings) if max_tokens > 0 else None
    if hop is None:
        return evidence
    seen = {h.chunk.chunk_id for h in evidence.hits}
    extra = [h for h in search(hop.query, SECOND_HOP_PASSAGES + len(seen)) if h.chunk.chunk_id not in seen]
    hits = (*evidence.hits, *extra[:SECOND_HOP_PASSAGES])
    texts = [normalize(h.chunk.text).lower() for h in hits]
    specificity = {}
    for word in hop.bridges:
        found = sum(word in t for t in texts)
        if 0 < found <= max(1, int(len(texts) * MAX_BRIDGE_SHARE)):
            specificity[word] = math.log(len(texts) / found)
    if not specificity:
        return evidence
    pick = _best_link(evidence, hits, hop, specificity, frozenset(untrusted(hits)), phrasings)
    if pick is None or count_tokens(pick.prompt_text) > max_tokens:
        return evidence
    if pick.passage > len(evidence.hits):  # keep only the one new passage, numbered next
        hits = (*evidence.hits, hits[pick.passage - 1])
        pick = replace(pick, passage=len(hits))
    else:
        hits = evidence.hits
    sentences = (*evidence.sentences, pick)
    coverage, missing = cover(evidence.terms, sentences)
    return replace(evidence, hits=hits, sentences=sentences, missing=missing, coverage=coverage)


def _best_link(evidence: Evidence, hits: Sequence[Hit], hop: Hop, specificity: dict[str, float],
               untrusted: frozenset[int], phrasings: Sequence[str]) -> Sentence | None:
    """The sentence (of a passage with no evidence yet) that holds the most missing
    weight, with credit for its most specific bridge word; None if none links."""
    total = sum(evidence.terms.values())
    used = {s.passage for s in evidence.sentences}
    asked = asked_units(phrasings)
    best: tuple[float, Sentence] | None = None
    for s in passage_sentences(hits):
        if s.passage in used or s.passage in untrusted or repeats_question(s.norm, asked):
            continue
        link = sum(w for t, w in hop.missing.items() if t in s.norm)
        bridge = max((v for w, v in specificity.items() if w in s.norm), default=None)
        if bridge is None or link < MIN_LINK_WEIGHT:
            continue
        score = link / total + BRIDGE_CREDIT * bridge
        if best is None or score > best[0]:
            best = (score, s)
    return best[1] if best else None
