"""The sentences of retrieved passages, as the evidence choice and the rival-figure check read them.

A passage is split into sentences with their offsets into the cleaned chunk text
(so citations point at the source), then three repairs make each sentence say
what it says on its own:

- consecutive short caption lines are one **card** ("刘建明 / 自治区政协委员 /
  桂林电子科技大学副校长": who holds which post is only read together);
- a sentence opening with a **pronoun** is read with the sentence before it on
  the same line ("其董事长齐向东表示…" after "奇安信是…");
- a 他/她 that opens a line shows **whom it names**, the last person named
  before it (她（杨英）建议…).

Planted instructions are removed from what the model reads (``guard``).
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from ...ingest.chunk import TITLE_LINE_CHARS, split_sentences
from ...ingest.normalize import normalize
from ...types import Hit
from ..guard import strip_instructions

with warnings.catch_warnings():
    # jieba imports pkg_resources, which warns on every start; nothing to act on.
    warnings.simplefilter("ignore", UserWarning)
    from jieba import posseg

MIN_SENTENCE_CHARS = 6  # shorter fragments (a lone "3." or a heading number) are never evidence
MAX_SENTENCE_CHARS = 160  # longer sentences are cut at clause marks


@dataclass(frozen=True)
class Sentence:
    """One sentence of a retrieved passage.

    ``passage`` is the 1-based number of its hit (the marker the model cites);
    ``start``/``end`` are offsets into the hit's cleaned ``chunk.text``.
    """

    passage: int
    start: int
    end: int
    text: str
    norm: str  # search form of ``shown``
    shown: str = ""  # what the model reads: ``text`` without planted instructions (``guard``)

    @property
    def prompt_text(self) -> str:
        """The sentence as it goes into the prompt."""
        return self.shown or self.text


# jieba's part-of-speech tags of people's names (nr, nrt, nrfg), and the shortest name.
_PERSON_TAG = "nr"
MIN_PERSON_CHARS = 2


@lru_cache(maxsize=4096)
def people(text: str) -> tuple[str, ...]:
    """The people's names jieba's tagger finds in ``text``, in order."""
    return tuple(p.word for p in posseg.lcut(text)
                 if p.flag.startswith(_PERSON_TAG) and len(p.word) >= MIN_PERSON_CHARS)


# jieba's dictionary tags of a name it may not hold as a plain name: none (a name it does not
# know, tagged by its model: 郑有杰) or a transliterated name (nrt: 阿西莫夫). Its plain nr
# entries include common words (白皮书, 承诺书) and places (桂林).
UNLISTED_NAME_TAGS = (None, "nrt")


def unlisted_name(name: str) -> bool:
    """Whether a name of ``people`` is one jieba's dictionary does not hold as a plain
    name (``UNLISTED_NAME_TAGS``), so its tagger found it as a person's."""
    return posseg.dt.word_tag_tab.get(name) in UNLISTED_NAME_TAGS


def person_names(norm: str) -> frozenset[str]:
    """The people's names in ``norm`` (search form)."""
    return frozenset(people(norm))


# Consecutive short lines with no sentence punctuation are one card, not several
# sentences: a speaker's caption "刘建明 / 自治区政协委员 / 桂林电子科技大学副校长"
# names who holds which post only read together (each line alone is a fragment,
# the name too short to be evidence at all). Each line is as short as a title line
# (``chunk.TITLE_LINE_CHARS``).
CARD_MAX_LINES = 6
_CARD_LINE_END = re.compile(r"[。！？；!?;.，,：:][”’」』）)\"']*$")


def _is_card_line(line: str) -> bool:
    line = line.strip()
    return 0 < len(line) <= TITLE_LINE_CHARS and _CARD_LINE_END.search(line) is None


def _join_cards(text: str, spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """``spans`` with each run of 2..``CARD_MAX_LINES`` consecutive card lines
    (``_is_card_line``, one line break apart) joined into one span."""
    out: list[tuple[int, int]] = []
    run: list[tuple[int, int]] = []

    def flush() -> None:
        if len(run) > 1:
            out.append((run[0][0], run[-1][1]))
        else:
            out.extend(run)
        run.clear()

    for s, e in spans:
        whole_line = (s == 0 or text[s - 1] == "\n") and (e == len(text) or text[e - 1] == "\n")
        card = whole_line and _is_card_line(text[s:e])
        # the previous card line ends in exactly one line break (a blank line ends the card)
        joins = bool(run) and text[run[-1][0]:s].count("\n") == 1
        if card and joins and len(run) < CARD_MAX_LINES:
            run.append((s, e))
            continue
        flush()
        if card:
            run.append((s, e))
        else:
            out.append((s, e))
    flush()
    return out


# A sentence opening with a pronoun names its subject in the sentence before:
# "其董事长齐向东表示…" is about 奇安信 only after "奇安信是北京首批…企业。". Such a
# sentence is scored and shown together with the one before it (same line, and
# together at most ``MAX_SENTENCE_CHARS``). 此外 and 其次 are connectives, not pronouns.
_ANAPHOR = re.compile(r"^[（(“\"]?(?:其(?!次)|他|她|它|该|此(?!外)|这)")


def _join_anaphora(text: str, spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """``spans`` with each sentence that opens with a pronoun (``_ANAPHOR``) joined
    to the sentence before it on the same line."""
    out: list[tuple[int, int]] = []
    for s, e in spans:
        if (out and _ANAPHOR.match(text[s:e].lstrip()) and "\n" not in text[out[-1][1]:s]
                and "\n" not in text[out[-1][0]:out[-1][1]].strip() and e - out[-1][0] <= MAX_SENTENCE_CHARS):
            out[-1] = (out[-1][0], e)
        else:
            out.append((s, e))
    return out


# A sentence opening with a personal pronoun (他, 她; not 他们) that ``_join_anaphora``
# left alone (it starts a line) names its subject in an earlier line: "她建议，政策支持可以
# 从“给优惠”向“给场景”转变" follows "杨英认为，…". The last person named before it in
# the passage, within ``PRONOUN_REACH`` characters, is shown after the pronoun
# (她（杨英）建议), so the sentence answers who said it.
_PERSONAL_PRONOUN = re.compile(r"^[他她](?!们)")
PRONOUN_REACH = 200


def _name_pronoun(shown: str, before: str) -> str:
    """``shown`` with the pronoun it opens with glossed by the last person named in ``before``."""
    if not _PERSONAL_PRONOUN.match(shown):
        return shown
    named = people(before[-PRONOUN_REACH:])
    return f"{shown[0]}（{named[-1]}）{shown[1:]}" if named else shown


# The date a sentence opens with ("截至2024年4月底，…；全区算力总规模达668 PFlops"): the
# sentences are split at semicolons too (``chunk.split_sentences``), and one longer than
# ``MAX_SENTENCE_CHARS`` at a clause mark, so a later piece would lose the time its
# figures are stated for. The piece is shown after the
# date in brackets ("（截至2024年4月底）全区算力总规模…"), as a pronoun is after its name.
_DATE_LEAD = re.compile(r"\s*((?:截至|截止|到|至|在|于)?[^，,。；;\n]{0,6}?(?:19|20)\d{2}年[^，,。；;\n]{0,10})[，,]")
_SENTENCE_START = re.compile(r"[。！？!?\n][”’」』）)\"']*")


def _date_lead(shown: str, text: str, start: int) -> str:
    """``shown`` with the date its sentence opens with (``_DATE_LEAD``) before it, when
    it is a later piece of a sentence cut at a semicolon or clause mark (no 。！？ or line
    break before ``start`` since the opening) whose date it does not write."""
    opening = max((m.end() for m in _SENTENCE_START.finditer(text, 0, start)), default=0)
    if not text[opening:start].strip():
        return shown
    m = _DATE_LEAD.match(text, opening)
    if m is None or m.end() > start or m.group(1).strip() in shown:
        return shown
    return f"（{m.group(1).strip()}）{shown}"


def passage_sentences(hits: Sequence[Hit]) -> list[Sentence]:
    """Every sentence of every hit, numbered by the hit's rank (a card of short
    lines counts as one, its lines joined by spaces for the prompt; a sentence
    opening with a pronoun counts with the one before it, ``_join_anaphora``, or,
    starting a line, shows whom 他/她 names, ``_name_pronoun``; the later piece of a
    cut sentence shows the date the sentence opens with, ``_date_lead``)."""
    out: list[Sentence] = []
    for n, hit in enumerate(hits, 1):
        text = hit.chunk.text
        spans = split_sentences(text, 0, len(text), MAX_SENTENCE_CHARS)
        for s, e in _join_anaphora(text, _join_cards(text, spans)):
            body = text[s:e].strip()
            shown = " ".join(kept for kept in (strip_instructions(line.strip()) for line in body.splitlines()) if kept)
            shown = _date_lead(_name_pronoun(shown, text[:s]), text, s)
            if len(shown) >= MIN_SENTENCE_CHARS:
                lead = len(text[s:e]) - len(text[s:e].lstrip())
                out.append(Sentence(n, s + lead, s + lead + len(body), body, normalize(shown).lower(),
                                    shown if shown != body else ""))
    return out
