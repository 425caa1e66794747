"""Where in the evidence an answer is held, and whether that is about the question.

The evidence block the model reads has one line per passage (``[n] text``).
A grounded answer's claims (numbers with their unit, names, titles, new
content words) are each held by some line; the fewest lines holding them all
are the passages the answer cites when the model wrote no marker that
survived verification (``supporting_passages``).

Those lines must also be about what was asked. A small model asked about one
bus route copies the date of another route when that is the only date in its
evidence: the figure is grounded, the subject is not. So the lines holding
the answer must contain enough of the question's Chinese key terms
(``subject_coverage``) and every Latin name or code of a Chinese question
(``missing_identifiers``).
"""

from __future__ import annotations

import re
from functools import lru_cache

from ..ingest.normalize import convert, has_cjk, normalize, to_halfwidth
from ..search.terms import rarity, subject_terms
from .cite import MARKER, facts, parse_markers
from .evidence.sentences import people, unlisted_name
from .forms import (
    CJK_OR_WORD,
    ENGLISH_FILLER,
    MEASURE_WORDS,
    NUMBER_UNIT,
    compare_form,
    content_words,
    figure_places,
    has_number,
    in_source,
    source_form,
    supported,
)
from .language import (
    ENGLISH,
    ENGLISH_SCALE_WORDS,
    MAGNITUDE_EXPONENTS,
    MORE_THAN,
    QUALIFIER_WORDS,
    QUOTED_TEXT,
    question_script,
)

# The grounding checks, the citation fallback and the conflict notes each ask which lines
# hold the same answer; these answers (and their evidence blocks) are remembered.
ANSWERS_CACHED = 32


# A line of the evidence block: ``[n] text`` (one line per passage, ``Evidence.format``).
_EVIDENCE_LINE = re.compile(r"^\[(\d{1,2})\]\s*(.*)$")


def evidence_lines(evidence: str) -> dict[int, str]:
    """Passage number → its line of the evidence block, in ``source_form``."""
    return dict(_lines(evidence))


@lru_cache(maxsize=ANSWERS_CACHED)
def _lines(evidence: str) -> tuple[tuple[int, str], ...]:
    found = (_EVIDENCE_LINE.match(line.strip()) for line in evidence.splitlines())
    return tuple((int(m.group(1)), source_form(m.group(2))) for m in found if m)


def _claims(answer: str, question: str) -> set[str]:
    """What an answer adds to its question, as the grounding check compares it: numbers
    with their unit, facts (Latin names, quoted titles), Chinese content words and
    English words of 3+ letters outside ``ENGLISH_FILLER``."""
    body, asked = compare_form(answer), compare_form(question)
    out = {m.group(0) for m in NUMBER_UNIT.finditer(body) if not has_number(m.group(0), asked)}
    out |= {f.lower() for f in facts(MARKER.sub("", answer)) if f.lower() not in asked}
    out |= {w for w in content_words(body) if w not in asked}
    out |= {w for w in re.findall(r"[a-z][a-z\-]{2,}", body) if w not in ENGLISH_FILLER and w not in asked}
    return out


def _holds(claim: str, source: str) -> bool:
    """Whether evidence ``source`` (``source_form`` form) holds one claim of ``_claims``."""
    if claim[0].isdigit():
        return in_source(claim, source)
    return supported(claim, source) if has_cjk(claim) else claim in source


def supporting_passages(answer: str, question: str, evidence: str) -> list[int]:
    """The passage numbers of ``evidence`` (the numbered block the model read) that
    together hold what ``answer`` adds to the question, fewest first: the passage
    holding most of it, then any passage holding something still unheld.

    The model often writes a grounded answer without a marker ("16", "13.9%") or
    joins facts of two documents in one sentence; this names its sources anyway.
    Empty when no passage holds any of it.
    """
    return list(_supporting(answer, question, evidence))


@lru_cache(maxsize=ANSWERS_CACHED)
def _supporting(answer: str, question: str, evidence: str) -> tuple[int, ...]:
    lines = evidence_lines(evidence)
    # An answer whose only new content is single characters (在“边”, 耘眼 as 耘/眼) is
    # attributed by those characters.
    open_claims = _claims(answer, question) or {
        u for u in CJK_OR_WORD.findall(compare_form(answer)) if u not in compare_form(question)}
    chosen: list[int] = []
    while open_claims:
        held = {n: {c for c in open_claims if _holds(c, src)} for n, src in lines.items() if n not in chosen}
        best = max(sorted(held), key=lambda n: len(held[n]), default=None)
        if best is None or not held[best]:
            break
        chosen.append(best)
        open_claims -= held[best]
    return tuple(sorted(chosen))


# Weighted share of the question's Chinese key terms that the evidence lines holding
# the answer must contain. Chosen on the tune halves of both gold sets (threshold-0
# runs corpus-t0c and cmrc-t0c, shipped calibration) as the value with the most right
# outcomes: 0.35 gives 208 of 241 (0.3: 207, 0.25: 205, off: 204); on cmrc2018's tune
# half it raises refusal of unanswerable questions from 70.8% to 91.7%. Kept when the
# terms were weighted by rarity instead of length (threshold-0 tune runs ``-t0-s25``,
# five sets replayed: 0.3 372, 0.35 372, 0.4 368; eval/RESULTS.md, eleventh session).
MIN_SUBJECT_COVERAGE = 0.35
# A paraphrased question keeps characters where it drops words: 收录 for 收, 组装出厂
# for 装配, 入口税率 for 进口关税, 投入使用 for 投入运营. A key term the holding lines do
# not hold as a word still counts for this share of its weight times the share of
# its characters they hold, when they hold at least ``MIN_PARTIAL_CHARS`` of them
# (one of 2). Chosen on the threshold-0 tune runs of 2026-12-01 (``-t0-s22``, 519
# questions, replayed): 403 -> 407 right outcomes at 0.5 with half the characters;
# 407 at 1.0 too (against 0.5: cmrc-extra -1, a near-miss answered; corpus-extra
# +1), 404 with two thirds of the characters, 406 crediting names only as whole
# words (eval/RESULTS.md, ninth session).
PARTIAL_TERM_CREDIT = 0.5
MIN_PARTIAL_CHARS = 0.5


def subject_coverage(answer: str, question: str, evidence: str) -> float | None:
    """Weighted share of the question's Chinese key terms (``subject_terms``: not the
    words that ask, 哪部, 几颗牙) found in the evidence lines that hold the answer
    (``supporting_passages``), each term weighted by its rarity (``rarity``): a line
    from another article that holds 开始, 小说 and 刊登 but not 九命奇冤 is not about
    "《九命奇冤》是在哪一年开始在《新小说》杂志上刊登的？" (weighted by length, those
    common words made 42% of the question).

    A small model asked about 二户车站 copies the address of another station when
    the only address in its evidence is that one: the figure is grounded, the
    subject is not. ``None`` (not judged) when the question has no Chinese key
    term, or no Chinese evidence line holds the answer (a Chinese question
    answered from English text is matched on facts alone).

    A question that names the source of the asked fact after describing its subject
    from another document ("《桂在协商》中王祖蓝带观众参观的那一届博览会，据陈刚的专访是在
    哪个月举办的？") is judged on its clause from the source on as well, and the better
    share counts: the host and the visitors are not on the interview's line (c262,
    c263, c333 of the corpus tune half answered; no single-step tune answer changed:
    eval/RESULTS.md, twelfth session).
    """
    holding = holding_text(answer, question, evidence)
    shares = []
    for asked in _asking_parts(asked_sentence(question)):
        terms = {t: rarity(t) for t in subject_terms(asked) if has_cjk(t)}
        if terms:
            shares.append(term_share(terms, holding, partial=PARTIAL_TERM_CREDIT))
    if not shares or not has_cjk(holding):
        return None
    return max(shares)


# A clause naming the source the asked fact comes from (…的那一届博览会，据陈刚的专访是在
# 哪个月举办的): what comes before it describes the subject from another document.
_SOURCE_CLAUSE = re.compile(r"[,，](?=(?:据|根据|按照|依据|按)[^,，]*$)")


def _asking_parts(sentence: str) -> list[str]:
    """The asking sentence, and its part from a clause naming the fact's source on."""
    m = _SOURCE_CLAUSE.search(sentence)
    return [sentence] + ([sentence[m.end():]] if m else [])


# Where a sentence of a question ends: a question may first describe what it asks about.
_QUESTION_SENTENCE_END = re.compile(r"(?<=[。！!；;])")


def asked_sentence(question: str) -> str:
    """The sentence of ``question`` that asks (its last): "潘永钟建议依托某个湾区的制造优势…。
    白皮书…建议广西深化与这个湾区的合作，引进和培育一批什么？" asks in its second sentence;
    the first describes the bay area, whose words another document holds."""
    parts = [p for p in _QUESTION_SENTENCE_END.split(question.strip()) if p.strip()]
    return parts[-1] if parts else question


def term_share(terms: dict[str, float], source: str, partial: float = 0.0) -> float:
    """Weighted share of key ``terms`` that ``source`` (``source_form``) holds, each
    word or all its sub-words (``supported``); 0.0 with no terms. With ``partial``,
    a term not held as a word counts for ``partial`` × the share of its Chinese
    characters ``source`` holds, when that share is at least ``MIN_PARTIAL_CHARS``."""
    total = sum(terms.values())
    if not total:
        return 0.0
    held = 0.0
    for term, weight in terms.items():
        if supported(term, source):
            held += weight
        elif partial:
            share = char_share(term, source)
            held += partial * weight * share if share >= MIN_PARTIAL_CHARS else 0.0
    return held / total


def char_share(term: str, source: str) -> float:
    """Share of the Chinese characters of ``term`` that occur anywhere in ``source``
    (0.0 for a term without any)."""
    chars = [c for c in term if has_cjk(c)]
    return sum(c in source for c in chars) / len(chars) if chars else 0.0


def holding_text(answer: str, question: str, evidence: str) -> str:
    """The evidence lines (``source_form`` form) that hold the answer
    (``supporting_passages``), joined; empty when none does."""
    lines = evidence_lines(evidence)
    return "\n".join(lines[n] for n in _supporting(answer, question, evidence))


# A Latin name or code in a Chinese question, as the user wrote it: letters with a
# digit (41R, HAT-P-2b), or three or more letters with a capital (BCPL, Eee). Two-letter
# words (AI, IT) have Chinese equivalents the evidence may use (人工智能); lower-case
# words (onerror, src) are not names.
_IDENTIFIER = re.compile(r"(?<![A-Za-z0-9])(?:(?=[A-Za-z0-9\-]*\d)(?=[A-Za-z0-9\-]*[A-Za-z])[A-Za-z0-9\-]{2,}"
                         r"|(?=[A-Za-z\-]*[A-Z])[A-Za-z][A-Za-z\-]{2,})(?![A-Za-z0-9])")


# The number of a numbered line or route (九龙巴士86线, 地铁2号线, 5路公交): a name, not an amount.
_NUMBERED_NAME = re.compile(r"(?<![\d.])\d+(?=号线|线|路)")
# A numbered phase of a project (二期, 3期): the phase a question names is another
# project than the one a line of the first phase (一期) describes.
_PHASE = re.compile(r"[一二三四五六七八九十\d]+期(?:项目|工程)")


def missing_identifiers(answer: str, question: str, evidence: str) -> list[str]:
    """Latin names and codes, the numbers of numbered lines and routes, and the phase
    of a project (二期项目), of a Chinese question that the evidence lines holding the
    answer lack: asked when bus route 41R entered service, where route 86线 runs or
    what a project's second phase will do, an answer copied from a line about
    another route or the first phase names the wrong thing. English questions are not
    judged (all their words are Latin)."""
    if question_script(question) == ENGLISH:
        return []
    holding = holding_text(answer, question, evidence)
    if not holding:
        return []
    asked = to_halfwidth(question)
    return ([t.lower() for t in _IDENTIFIER.findall(asked) if t.lower() not in holding]
            + [n for n in _NUMBERED_NAME.findall(asked) if not has_number(n, holding)]
            + [p for p in _PHASE.findall(asked) if p[:-2] not in holding])


# A clause boundary of a question: a question of one clause asks about the people it names.
CLAUSE_BREAK = re.compile(r"[，,；;。！!]")


def unnamed_people(answer: str, question: str, evidence: str) -> list[str]:
    """The people a one-clause Chinese question names (jieba's tagger, ``people``; not in a
    quotation or title) when the evidence lines holding the answer name other people and none
    of them: asked the birth year of one director, a small model copies the year of
    another's line ("台湾导演郑有杰是哪一年出生的？" answered "1970年" from "梁修身…台湾男演员…
    导演…于1970年加入中视"), whose other words (台湾, 导演, 出生) cover the question well
    enough. A line naming nobody may be the named person's own words or a sentence of
    their article, which names them once ("研发在东部、制造在南宁…" for "潘永钟建议打造…");
    one named person in the lines is enough (the tagger also tags 登基 as a name); a
    question of several clauses may name a person only to describe what it asks about (a
    bridge to another document), so it is not judged, nor is an English question."""
    if question_script(question) == ENGLISH or CLAUSE_BREAK.search(question.strip().rstrip("？?")):
        return []
    lines = evidence_lines(evidence).values()

    def written(name: str, text: str) -> bool:
        return any(form in text for form in source_form(name).splitlines())

    # People the question names: names jieba's dictionary does not hold (郑有杰) or holds as
    # transliterated (nrt: 阿西莫夫), and others only when an evidence line writes them: its
    # dictionary also tags common words as names (白皮书 nr).
    named = [n for n in people(normalize(QUOTED_TEXT.sub("", question)))
             if has_cjk(n) and (unlisted_name(n) or any(written(n, line) for line in lines))]
    holding = holding_text(answer, question, evidence)
    if not named or not holding or not people(holding):
        return []
    return [] if any(written(n, holding) for n in named) else named


# A Chinese name an English question glosses: "Qi An Xin (奇安信)", "the expo (东博会)".
GLOSSED_NAME = re.compile(r"[\u3400-\u9fff]{2,}")


def missing_glosses(answer: str, question: str, evidence: str) -> list[str]:
    """Chinese names an English question glosses that the Chinese evidence lines holding
    the answer lack: asked who chairs Qi An Xin (奇安信), an answer copied from a
    caption of another company's chairman names the wrong thing. The English twin of
    ``missing_identifiers``. An English answer's words rarely occur in Chinese lines,
    so the lines it cites count as holding it too; answers held by English lines
    only are not judged."""
    if question_script(question) != ENGLISH:
        return []
    lines = evidence_lines(evidence)
    cited = "\n".join(lines[n] for n in sorted(set(parse_markers(answer))) if n in lines)
    holding = "\n".join(part for part in (holding_text(answer, question, evidence), cited) if part)
    if not has_cjk(holding):
        return []
    return [g for g in GLOSSED_NAME.findall(question) if not supported(compare_form(convert(g, "t2s")), holding)]


# Words that bound or round a figure (约4万平方米, 超79亿元: dropping one changes the fact),
# with how an English answer says them: the qualifiers the English rendering reads
# (``language.QUALIFIER_WORDS``) and their one-character forms; 多/余 after a figure
# (100多份) is "more than" too.
ENGLISH_QUALIFIERS = {**QUALIFIER_WORDS, "超": MORE_THAN, "多": MORE_THAN, "余": MORE_THAN, "近": "nearly"}
_AFTER_FIGURE = ("多", "余")
# The words before a figure, longest first (超过 before 超).
QUALIFIERS = tuple(sorted((q for q in ENGLISH_QUALIFIERS if q not in _AFTER_FIGURE), key=len, reverse=True))
_ENGLISH_BOUND = re.compile(r"(?:more than|over|about|around|approximately|nearly|almost|some|roughly|"
                            r"less than|under|fewer than)\s*$", re.I)
# Chinese scales an English answer cannot drop: 2.13万 is 21,300 (千 and 百 also begin
# measure words such as 千瓦时, so they are not taken for a scale).
MYRIAD_SCALES = tuple(c for c, e in MAGNITUDE_EXPONENTS.items() if e >= MAGNITUDE_EXPONENTS["万"])
# A scale an English answer writes after a figure itself (2.13 million, 9万).
_ENGLISH_SCALE = re.compile(rf"\s*(?:{'|'.join(ENGLISH_SCALE_WORDS)}|{'|'.join(MYRIAD_SCALES)})", re.I)
# A unit written after a figure: an approximation mark, a scale, then a measure word or %.
_UNIT = re.compile(rf"([多余]?)([万亿千百]*(?:{'|'.join(MEASURE_WORDS)}|%)?)")
_BARE_FIGURE = re.compile(r"(?<![\d.])\d+(?:\.\d+)?(?![\d.])")


def _one(values: list[str]) -> str:
    """The value every occurrence shares, or "" when they differ."""
    return values[0] if values and all(v == values[0] for v in values) else ""


# The English words after a figure that say what it counts ("21 editions", "489 data
# centres"): a first word, and a plural noun after it when the first is not one.
_COUNTED_WORDS = re.compile(r"\s+([a-z][a-z\-]{2,})(?:\s+([a-z][a-z\-]{2,}s)\b)?")


def _counted_at(source: str, end: int) -> str:
    """What the figure ending at ``end`` of ``source`` counts: "editions" of "21 editions
    of the Expo", "data centres" of "489 data centres in operation", "companies" of
    "16 companies signed"; "" for a function word or no English word."""
    m = _COUNTED_WORDS.match(source, end)
    if m is None or m.group(1) in ENGLISH_FILLER:
        return ""
    head, plural = m.group(1), m.group(2)
    return f"{head} {plural}" if plural and not head.endswith("s") and plural not in ENGLISH_FILLER else head


def _counted(seen: list[re.Match[str]], source: str) -> str:
    """The English words the evidence counts with a figure wherever it writes it
    (``seen``, ``_counted_at``), to follow a bare figure of an English answer:
    " editions" after 21 of "hosted 21 editions"; "" when the occurrences disagree
    or the evidence is Chinese (its counters 届, 个 are no English)."""
    word = _one([_counted_at(source, o.end()) for o in seen])
    return f" {word}" if word else ""


def complete_figures(answer: str, question: str, evidence: str) -> str:
    """``answer`` with each figure written as the evidence writes it, where the
    evidence writes that figure the same way every time: the unit the model
    dropped (``220`` → ``220个``), a bounding word (``4万平方米`` → ``约4万平方米``)
    and an approximation mark (``100份`` → ``100多份``). An answer to an English
    question gets the bound in words (``100`` → ``more than 100``), not the unit,
    except a scale it dropped (``2.13`` of ``2.13万个`` → ``2.13万个``, which
    ``localize_answer`` writes as 21,300)."""
    english = question_script(question) == ENGLISH
    source = compare_form(evidence)
    # An English answer that is only a figure ("21") gets what the evidence counts with it.
    bare = english and _BARE_FIGURE.fullmatch(MARKER.sub("", answer).strip(" .。")) is not None

    markers = [m.span() for m in MARKER.finditer(answer)]

    def complete(m: re.Match[str]) -> str:
        figure, before, after = m.group(0), answer[: m.start()], answer[m.end():]
        if any(a <= m.start() < b for a, b in markers):
            return figure  # a citation marker ([2]) is not a figure
        seen = figure_places(figure, source)
        if not seen:
            return figure
        marks = [_UNIT.match(source, o.end()) for o in seen]
        mark = _one([u.group(1) if u else "" for u in marks])
        unit = _one([u.group(2) if u else "" for u in marks])
        bound = _one([next((q for q in QUALIFIERS if source[max(0, o.start() - 2): o.start()].endswith(q)), "")
                      for o in seen])
        if english:
            word = ENGLISH_QUALIFIERS.get(bound or mark, "")
            out = f"{word} {figure}" if word and not _ENGLISH_BOUND.search(before) else figure
            if unit[:1] in MYRIAD_SCALES and not _ENGLISH_SCALE.match(after):
                return out + unit  # 2.13 of 2.13万个: the scale is the value; localisation writes 21,300
            return out + (_counted(seen, source) if bare else "")
        answered = _UNIT.match(after)
        has_unit = bool(answered and (answered.group(1) or answered.group(2))) or re.match(r"[\u3400-\u9fff%]", after)
        out = figure + ("" if has_unit else mark + unit)
        if has_unit and mark and answered is not None and not answered.group(1):
            out = figure + mark  # 100份 → 100多份: the unit is the answer's own
        return (bound if bound and not before.endswith(QUALIFIERS) else "") + out

    return _BARE_FIGURE.sub(complete, answer)
