"""Compact evidence: the few sentences of the retrieved passages that answer the question.

A 1.5B model reads several 220-character passages slowly (prompt tokens dominate the
first-token time on 2 cores) and badly (a nearby figure in a distractor passage
wins as often as the asked one). So the fused top passages are split into
sentences, each sentence is scored against the question, and only the best few
reach the prompt, grouped under the number of the passage they come from (the
number the model cites and the citation check resolves).

A sentence scores by

- the **question's key terms** it contains (jieba words of the question minus
  question words, weighted by length: a specific term counts more than 发展),
  with diminishing credit for terms an already chosen sentence covers, so a
  two-part or two-document question gets a sentence for each part;
- the **question kind**: a 多少/how-many question needs a number, a 哪年/when
  question a date, a 谁/who question a person's name the question does not give
  (jieba's tagger);
- the **rank** of its passage in the fused retrieval;
- the **context** of its passage: the question's terms the passage's heading
  and earlier sentences hold and it does not, times ``Settings.evidence_context``,
  for a sentence that holds a term of its own or the asked form. An
  encyclopedia passage names its subject once ("白尾雀鲷，又称金尾雀鲷…") and then
  says "水深0.5至3公尺。" without it; scored on its own words, the sentence that
  answers "白尾雀鲷一般栖息在多深的水里？" loses to another fish's line that names
  its own subject;
- its **dense similarity** to the question (the embedder's cosine, best over the
  phrasings, times ``Settings.evidence_dense_weight``), so a sentence that says
  what is asked in other words (全区算力总规模达668 PFlops for 广西算力总规模)
  is not lost to one that only shares more of the question's words;
- the **characters of what is asked** it shares with the question (its content
  characters outside the subject a passage heading names, each weighted by its
  rarity among the sentences, times ``Settings.evidence_char_weight``, off by default), for a
  sentence of a passage about that subject: a paraphrased question shares
  characters where it shares no word (肩部高度 / 肩高, 插图 / 插画家).

With ``Settings.evidence_described_weight`` below 1 (off by default: it won on the
tune sets, lost on the held-out ones), the terms only a question's describing
sentences hold ("城市进化论文章提到…；据白皮书，…是什么？") weigh less than its asking one's.

A sentence that only repeats the question (a heading such as 广西人工智能产业
发展白皮书 for a question about that white paper's editor) cannot hold the
answer, however many key terms it has, and is never chosen.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from enum import StrEnum

from ...ingest.normalize import normalize
from ...search.terms import ASKING_CHARS, FUNCTION_CHARS, key_terms, term_coverage
from ...settings import Settings
from ...types import Embedder, Hit
from ..guard import strip_instructions
from ..support import asked_sentence
from .sentences import Sentence, passage_sentences, person_names


class QuestionKind(StrEnum):
    """What form the answer takes, read from the question's wording."""

    NUMBER = "number"
    DATE = "date"
    PERSON = "person"
    OTHER = "other"


# Kinds whose answer form the grounding checks judge (a figure, a date); a person's
# name only steers the evidence choice.
FIGURE_KINDS = frozenset({QuestionKind.NUMBER, QuestionKind.DATE})


# Words that ask for a person (谁, 哪位, who): the PERSON kind, and the questions a title
# alone does not answer (``checks.ground.adds_nothing``).
ASKS_PERSON = re.compile(r"谁|哪位|何人|什么人|\bwho\b|\bwhom\b", re.IGNORECASE)
_KIND_PATTERNS: tuple[tuple[QuestionKind, re.Pattern[str]], ...] = (
    (QuestionKind.DATE, re.compile(
        r"哪年|哪一年|何年|哪天|哪一天|几月|哪个月|哪一个月|几号|何时|什么时候|什么时间|日期|年份|\bwhen\b|\b(what|which) (year|month|day)\b|\bdate\b",
        re.IGNORECASE)),
    (QuestionKind.NUMBER, re.compile(
        r"多少|几|多大|多长|多高|多久|多深|多重(?=[？?]|$)|多宽|多远|多厚|规模|比例|占比|增长了?多|\bhow (many|much|large|big|long)\b|\bwhat (share|percentage|proportion)\b",
        re.IGNORECASE)),
    (QuestionKind.PERSON, ASKS_PERSON),
)
_HAS_NUMBER = re.compile(r"\d|[一二三四五六七八九十百千万亿两]+(?:个|家|项|亿|万|倍|%|年)")
_HAS_DATE = re.compile(r"\d{4}年|\d{1,2}月|\d{1,2}日|[一二三四五六七八九十]+月|\b(19|20)\d{2}\b")

REPEAT_CREDIT = 0.25  # share of a term's weight earned again by a second sentence covering it
KIND_BONUS = 0.15  # added when the sentence has the form of the asked answer (a number, a date)
RANK_DECAY = 0.04  # score lost per rank of the sentence's passage in the retrieval
SEPARATOR_TOKENS = 2  # what joining a sentence into the evidence block costs besides its text
# A sentence that on its own scores this share of the best chosen one is a rival
# candidate for the answer (the same terms in another passage: 设立人工智能产业主题基金
# beside 广西设立规模100亿元的人工智能产业基金); up to ``alternatives`` of them are
# shown too, although the greedy cover no longer needs their terms.
ALTERNATIVE_SHARE = 0.8
ANCHOR_CHARS = 6  # characters matched at each end of a sentence to find it in the original text


# Scores sentence texts by their similarity to the question (``dense_similarity``).
SentenceSimilarity = Callable[[Sequence[str]], Sequence[float]]


def dense_similarity(embedder: Embedder, questions: Sequence[str]) -> SentenceSimilarity:
    """Cosine similarity of each sentence to the closest of the question's
    ``questions`` (phrasings), by ``embedder`` (its vectors are L2-normalised)."""
    def score(texts: Sequence[str]) -> Sequence[float]:
        if not texts or not questions:
            return [0.0] * len(texts)
        asked = [embedder.embed_query(q) for q in questions]
        vectors = embedder.embed_documents(list(texts))
        return [max(float(v @ q) for q in asked) for v in vectors]
    return score


def question_kind(question: str) -> QuestionKind:
    """The kind of answer ``question`` asks for."""
    for kind, pattern in _KIND_PATTERNS:
        if pattern.search(question):
            return kind
    return QuestionKind.OTHER


@dataclass(frozen=True)
class Evidence:
    """The sentences chosen for the prompt and how well they cover the question."""

    hits: tuple[Hit, ...]
    sentences: tuple[Sentence, ...]
    terms: dict[str, float]
    coverage: float  # weighted share of the question's key terms found in the sentences
    missing: tuple[str, ...]  # key terms found in no chosen sentence, heaviest first
    form_found: bool = True  # a chosen sentence has the asked answer's form (a number, a date)

    def format(self) -> str:
        """The numbered evidence block of the prompt, sentences in document order."""
        blocks = []
        for n in sorted({s.passage for s in self.sentences}):
            own = sorted((s for s in self.sentences if s.passage == n), key=lambda s: s.start)
            hit = self.hits[n - 1]
            head = strip_instructions(hit.chunk.heading)
            parts: list[str] = []
            for i, s in enumerate(own):
                if i and s.start > own[i - 1].end + 1:
                    parts.append("……")
                parts.append(s.prompt_text)
            body = "".join(parts)
            # A heading earns its tokens only when it names something the question asks about.
            head_norm = normalize(head).lower()
            relevant = head and head not in body and any(t in head_norm for t in self.terms)
            prefix = f"（{head}）" if relevant else ""
            blocks.append(f"[{n}] {prefix}{body}")
        return "\n".join(blocks)


def _find(sentence: str, original: str, lo: int, hi: int) -> tuple[int, int] | None:
    """Span of a cleaned ``sentence`` in ``original[lo:hi]`` (the original keeps pinyin
    glosses and footnotes the cleaned text dropped, so both ends are matched apart)."""
    window = original[lo:hi]
    i = window.find(sentence)
    if i >= 0:
        return lo + i, lo + i + len(sentence)
    head, tail = sentence[:ANCHOR_CHARS], sentence[-ANCHOR_CHARS:]
    a = window.find(head)
    b = window.find(tail, max(a, 0))
    if a >= 0 and b >= a:
        return lo + a, lo + b + len(tail)
    return None


def source_span(evidence: Evidence, passage: int, original: str) -> tuple[int, int]:
    """Character span in the original document of the sentences used from ``passage``.

    Falls back to the whole passage's span when a sentence cannot be located.
    """
    chunk = evidence.hits[passage - 1].chunk
    spans = [_find(s.text, original, chunk.start, chunk.end)
             for s in evidence.sentences if s.passage == passage]
    if not spans or any(span is None for span in spans):
        return chunk.start, chunk.end
    found = [span for span in spans if span is not None]
    return min(a for a, _ in found), max(b for _, b in found)


_UNIT = re.compile(r"[\u3400-\u9fff]|[a-z0-9]+")


def asked_units(questions: Sequence[str]) -> set[str]:
    """The characters and words of the question's phrasings (search form), as
    ``repeats_question`` compares them."""
    return {u for q in questions for u in _UNIT.findall(normalize(q).lower())}


def repeats_question(norm: str, asked: set[str]) -> bool:
    """True when every character and word of sentence ``norm`` (search form) is in
    ``asked``, the units of the question's phrasings: it can hold no answer."""
    units = _UNIT.findall(norm)
    return bool(units) and all(u in asked for u in units)


def _context_credit(pool: Sequence[Sentence], hits: Sequence[Hit], terms: dict[str, float], credit: float,
                    has_form: Callable[[Sentence], bool]) -> dict[Sentence, float]:
    """Each sentence's credit for its passage's context: ``credit`` times the share of
    the question's term weight that its passage's heading (the title a continued
    passage carries) and earlier sentences hold and it lacks. Only a sentence holding
    a term of its own or the asked form (``has_form``) earns it; ``pool`` is in
    passage order."""
    total = sum(terms.values()) or 1.0
    out: dict[Sentence, float] = {}
    before: dict[int, str] = {}
    for s in pool:
        text = before.setdefault(s.passage, normalize(hits[s.passage - 1].chunk.heading).lower())
        if has_form(s) or any(t in s.norm for t in terms):
            out[s] = credit * sum(w for t, w in terms.items() if t not in s.norm and t in text) / total
        before[s.passage] = f"{text} {s.norm}"
    return out


# Characters that carry no content of their own in a question.
_NOT_ASKED = FUNCTION_CHARS | ASKING_CHARS


def asked_chars(question: str, subject: str) -> set[str]:
    """The content characters of ``question`` (normalised, CJK only, no ``FUNCTION_CHARS``
    or ``ASKING_CHARS``) outside ``subject``: what the question asks of its subject,
    character by character."""
    return {c for c in normalize(question).lower()
            if "\u3400" <= c <= "\u9fff" and c not in _NOT_ASKED and c not in subject}


def _char_credit(pool: Sequence[Sentence], hits: Sequence[Hit], question: str, terms: dict[str, float],
                 weight: float) -> dict[Sentence, float]:
    """Each sentence's credit for the characters of what is asked that it shares with
    ``question``: ``weight`` times their share of the question's asked characters
    (``asked_chars``), each weighted by its rarity in ``pool`` (inverse document frequency
    over its sentences, so 一 or 民 counts less than 肩 or 笔).

    A paraphrased question shares characters where it shares no word: 肩部高度 / 肩高,
    插图 / 插画家, 筹划…名字 / 规划…命名, 借用…校舍 / 创校; jieba's words, and the key
    terms, miss these, and the single characters a question asks with (像) are dropped from
    the key terms.

    The subject is the key terms a passage heading holds (an encyclopedia article's
    title). Its characters are not credited again (that would favour the sentence that
    names the subject over the one that answers: 当惹雍错…是一个咸水湖 over 形状像一只长靴),
    and only a sentence about it earns the credit: one whose passage's heading, earlier
    sentences or own words hold a subject term. Another article's sentence that shares
    the asked characters (当战争在12月正式爆发 for 弗兰肯豪森战役在什么时候爆发) is a
    distractor that only costs tokens. No subject in any heading, no credit."""
    headings = " ".join(normalize(h.chunk.heading).lower() for h in hits)
    subject = [t for t in terms if t in headings]
    wanted = asked_chars(question, "".join(subject))
    if not subject or not wanted or not pool:
        return {}
    n = len(pool)
    rarity = {c: math.log((n + 1) / (sum(c in s.norm for s in pool) + 0.5)) for c in wanted}
    total = sum(rarity.values()) or 1.0
    out: dict[Sentence, float] = {}
    read: dict[int, str] = {}  # each passage's heading and sentences so far (``pool`` is in passage order)
    for s in pool:
        text = read[s.passage] = f"{read.get(s.passage, normalize(hits[s.passage - 1].chunk.heading).lower())} {s.norm}"
        if any(t in text for t in subject):
            out[s] = weight * sum(rarity[c] for c in wanted if c in s.norm) / total
    return out


# Least share of the question's term weight its asking sentence must hold to be scored on its
# own ("…; what did the other cover?" holds 0.09: x028 was lost without it; gains held 0.48+).
MIN_ASKED_SHARE = 0.25


def _asked_weights(terms: dict[str, float], question: str, described: float) -> dict[str, float]:
    """``terms`` with the weight of those only the question's describing sentences hold
    (not its asking one, ``support.asked_sentence``) scaled by ``described``; unchanged
    when the asking sentence holds less than ``MIN_ASKED_SHARE`` of the weight."""
    if described == 1.0:
        return terms
    asking = normalize(asked_sentence(question)).lower()
    if asking == normalize(question).lower():
        return terms
    held = sum(w for t, w in terms.items() if t in asking)
    if held < MIN_ASKED_SHARE * sum(terms.values()):
        return terms
    return {t: w if t in asking else w * described for t, w in terms.items()}


def _kind_match(kind: QuestionKind, norm: str, asked: Collection[str] = frozenset()) -> bool:
    if kind is QuestionKind.PERSON:
        return any(not all(c in asked for c in name) for name in person_names(norm))
    if kind is QuestionKind.NUMBER:
        return bool(_HAS_NUMBER.search(norm))
    if kind is QuestionKind.DATE:
        return bool(_HAS_DATE.search(norm))
    return False


def select_evidence(
    questions: Sequence[str],
    hits: Sequence[Hit],
    count_tokens: Callable[[str], int],
    budget: int,
    max_sentences: int,
    alternatives: int = 0,
    untrusted: Collection[int] = (),
    floor: float = Settings.evidence_floor,
    similarity: SentenceSimilarity | None = None,
    dense_weight: float = Settings.evidence_dense_weight,
    context: float = 0.0,
    char_weight: float = 0.0,
    described_weight: float = 1.0,
) -> Evidence:
    """Choose up to ``max_sentences`` sentences within ``budget`` tokens (the best
    sentence is always kept; headings shown with a passage are not counted).

    A sentence after the first must score at least ``floor`` times the best one.
    Then up to ``alternatives`` rival sentences (``ALTERNATIVE_SHARE``) are added
    within the budget.

    ``untrusted`` are passage numbers whose document tries to instruct the model
    (``guard.has_instruction`` anywhere in it): none of their sentences is evidence.

    ``questions`` are the question's phrasings (an English question and its
    Chinese translation); the key terms are those of the phrasing that the
    passages cover best, so an English question over Chinese text is matched
    by its translation's terms.

    ``similarity`` (``dense_similarity``) adds ``dense_weight`` times each
    sentence's dense similarity to its score; without it sentences score on
    words, form, context and rank alone.

    ``context`` is the credit, as a share of the question's term weight, for the
    terms a sentence lacks but the earlier sentences of its passage hold.

    ``char_weight`` scales the credit for the characters of what is asked a sentence
    shares with the question (``_char_credit``); 0 leaves it out.
    """
    hits = tuple(hits)
    asked = asked_units(questions)
    pool = [s for s in passage_sentences(hits)
            if s.passage not in untrusted and not repeats_question(s.norm, asked)]
    everything = " ".join(s.norm for s in pool)
    phrasing_terms = [key_terms(q) for q in questions] or [{}]
    best_phrasing = max(range(len(phrasing_terms)),
                        key=lambda i: term_coverage(phrasing_terms[i], everything) if phrasing_terms[i] else -1.0)
    terms = phrasing_terms[best_phrasing]
    kind = question_kind(questions[0]) if questions else QuestionKind.OTHER
    weights = _asked_weights(terms, questions[best_phrasing], described_weight) if questions else terms
    total = sum(weights.values()) or 1.0
    covered: set[str] = set()
    chosen: list[Sentence] = []
    used = 0
    best = 0.0
    dense: dict[Sentence, float] = {}
    if similarity is not None and dense_weight and pool:
        scores = similarity([s.prompt_text for s in pool])
        dense = {s: dense_weight * v for s, v in zip(pool, scores, strict=True)}

    chars = (_char_credit(pool, hits, questions[best_phrasing], terms, char_weight)
             if char_weight and questions else {})
    carried = (_context_credit(pool, hits, terms, context, lambda s: _kind_match(kind, s.norm, asked))
               if context else {})

    def gain(s: Sentence, fresh: bool = False) -> float:
        lexical = sum(w if fresh or t not in covered else w * REPEAT_CREDIT
                      for t, w in weights.items() if t in s.norm) / total
        bonus = KIND_BONUS if _kind_match(kind, s.norm, asked) else 0.0
        return lexical + bonus + carried.get(s, 0.0) - RANK_DECAY * (s.passage - 1) + dense.get(s, 0.0) + chars.get(s, 0.0)

    while pool and len(chosen) < max_sentences:

        scored = sorted(pool, key=lambda s: (-gain(s), s.passage, s.start))
        pick = scored[0]
        score = gain(pick)
        if chosen and score < max(best * floor, 1e-9):
            break
        cost = count_tokens(pick.prompt_text) + SEPARATOR_TOKENS
        pool.remove(pick)
        if chosen and used + cost > budget:
            continue
        best = max(best, score)
        chosen.append(pick)
        used += cost
        covered.update(t for t in terms if t in pick.norm)
    if chosen and alternatives:
        bar = ALTERNATIVE_SHARE * max(gain(c, fresh=True) for c in chosen)
        rivals = sorted((s for s in pool if gain(s, fresh=True) >= bar),
                        key=lambda s: (-gain(s, fresh=True), s.passage, s.start))
        for pick in rivals[:alternatives]:
            cost = count_tokens(pick.prompt_text) + SEPARATOR_TOKENS
            if used + cost <= budget:
                chosen.append(pick)
                used += cost
    form_found = kind not in FIGURE_KINDS or any(_kind_match(kind, c.norm) for c in chosen)
    return Evidence(hits, tuple(chosen), terms, *cover(terms, chosen), form_found)


def cover(terms: dict[str, float], sentences: Sequence[Sentence]) -> tuple[float, tuple[str, ...]]:
    """(coverage, missing) of the question's key ``terms`` by ``sentences``: the weighted
    share they hold (0.0 without sentences) and the terms they lack, heaviest first."""
    text = " ".join(s.norm for s in sentences)
    missing = tuple(sorted((t for t in terms if t not in text), key=lambda t: -terms[t]))
    return (term_coverage(terms, text) if sentences else 0.0), missing
