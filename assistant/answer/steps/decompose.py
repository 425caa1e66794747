"""Two steps for a question that names a thing by what another document says of it.

"全国政协委员黄晓娟任副校长的那所高校，据白皮书已明确了人工智能的什么研究方向？"
needs the university first (one document: 广西师范大学), then what the white
paper says of it. Handed both sentences at once, the 1.5B model answers with
the university or refuses: it does not chain two facts. Asked in two steps it
answers each, as it answers one-fact questions (``eval/RESULTS.md``).

``split_bridge`` finds such a question by its pointing word and writes both steps:

- **A clause ending in the pointed thing** ("…的那所高校，据白皮书…？"): the first
  step asks "…的哪所高校？", the second puts its answer where the clause was
  ("广西师范大学据白皮书…？"). An answer that is only an ordinal (第22届) keeps the
  thing's name after it (第22届中国—东盟博览会).
- **A leading clause that describes a thing** ("据陈刚专访…设立国际通信业务出入口局的城市，
  在白皮书…被定位为哪条通道的站点？"), with no pointing word: when the thing is
  one of ``DESCRIBED_NOUNS``, the first step asks "…出入口局的城市是哪个？", the
  second puts its answer where the clause was ("南宁在白皮书…？").
- **A later clause pointing back** ("…曾孕育出“汽车城”；据白皮书，在这座城市建设的…？"):
  the first step asks what the earlier clauses name ("…，这座城市是哪座城市？", or
  the earlier sentence itself when it is a question: "…的是哪国总理？"); the second
  is the pointing clause, with its source (据白皮书), the answer written before
  the pointing word ("在柳州这座城市建设的…").

Clauses are split at commas and sentence ends; the pointed thing is named in the
sentence before the pointing one (``_referent_sentence``), and pointing words or
commas inside quotations and titles are the quotation's.

- **English**: the last sentence points back ("…a certain expo (东博会). According
  to …, how many editions of that expo…?", "this other company", "his
  university"): the first step asks "… Which expo is it?", the second puts its
  answer in place of the pointing words (a name found in Chinese only as the
  gloss of the thing: "the expo (东博会)", so the question stays English).

``Bridge.run`` runs them: the first step is a lookup (``plan.AnswerOne``: a name
the evidence writes, and the question does not, is accepted);
its short answer (its first line, without markers; of an answer that restates
its question, what it puts in place of the asked or open word) carries into
the second, whose answer is the answer, checked and calibrated as any answer;
a note names what the first step found, with its citation. When the first step
refuses or answers with more than a name, the question is answered in one step
as before. Every step answers in the question's language.

``plan_steps`` picks the plan of a question: a comparison of two figures
(``versus``) or a described thing (``split_bridge``), by the first planner in
``PLANNERS`` that finds one.
"""

from __future__ import annotations

import dataclasses
import re
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from ...types import Answer, Citation
from ..checks.ground import MAX_NAME_CHARS, first_line
from ..language import ENGLISH, QUOTED_TEXT, question_script
from ..prompting import AnswerLanguage, answer_language
from .plan import AnswerOne, StepPlan, final_answer, summed_timings
from .versus import split_comparison

with warnings.catch_warnings():
    # jieba imports pkg_resources, which warns on every start; nothing to act on.
    warnings.simplefilter("ignore", UserWarning)
    import jieba.posseg

# Measure words after 那/这 that make a pointing phrase (那所高校, 这座城市, 那一届, 那一年).
CLASSIFIERS = "家所位届个座条项名款部种只年"
# Characters of the noun the first step asks about when a later clause points back
# (这座城市建设的… → 城市, 这届东博会计划… → 东博会): the nouns that follow the
# pointing word, up to this many characters (else the first word's first two).
MAX_NOUN_CHARS = 3
# Characters after the pointing word of a clause that ends with the pointed thing:
# "那所高校", up to "那位既会见了何猷君、又赴北京考察人工智能企业的自治区党委书记".
MAX_POINTED_CHARS = 40

_CLAUSE = re.compile(r"[^，,；;？?。！!]+[，,；;？?。！!]?")
_CLAUSE_END = "，,；;"
_QUESTION_END = "？?"
# What ends a sentence before a pointing clause: its referent is in the sentence
# before ("…其名称里标明了所在城市。白皮书在统计…时，引用了这座城市的…？").
_SENTENCE_END = "。；;！!"
# The filler of quoted words and titles (``QUOTED_TEXT``): a pointing word or comma inside them is the quotation's
# ("“谁先发展人工智能，这个国家、这个地方就能走在前面”").
_BLANK = "＿"
# A clause ending with the pointed thing: "…的那所高校", "…的那一届中国—东盟博览会".
_ENDING_POINTER = re.compile(rf"[那这](一?[{CLASSIFIERS}])([^，,；;？?]{{0,{MAX_POINTED_CHARS}}})$")
# A pointing word inside a later clause: 这座, 那家, 该 (not 应该).
_POINTER = re.compile(rf"[那这]一?[{CLASSIFIERS}]|(?<!应)该(?=[\u4e00-\u9fff])")
# Kinds of thing a leading clause may describe without a pointing word ("…的城市，",
# "…的中央机构，"): organisations, places and people a second document says more of.
DESCRIBED_NOUNS = ("城市", "机构", "企业", "公司", "高校", "大学", "学院", "中心", "国家", "部门",
                   "地区", "省份", "平台", "人物", "园区", "基地", "实验室", "厅")
# "…的城市，": the leading clause, its last 的, and the described thing (up to 4 more characters before the noun).
_DESCRIBED = re.compile(rf"的([\u4e00-\u9fff]{{0,4}}(?:{'|'.join(DESCRIBED_NOUNS)}))$")
# A clause that only names the source of the rest: "据白皮书，", "根据陈刚专访，".
_SOURCE_CLAUSE = re.compile(r"^(?:据|根据|依据|按照)[^，,；;？?]{1,20}[，,]$")

# English: the question's last sentence points back ("that expo", "this other company",
# "his university") at a thing of one of these kinds that the sentences before describe.
DESCRIBED_NOUNS_EN = ("city", "province", "country", "company", "firm", "enterprise", "university", "college",
                      "expo", "centre", "center", "organisation", "organization", "institution", "agency",
                      "department", "region", "zone", "park", "platform", "base", "location", "conference",
                      "forum", "event", "person")
_EN_BREAK = re.compile(r"(?<=[.;?])\s+(?=[A-Z])")
# ("that person's university" describes a university, not the person: no pointer)
_EN_POINTER = re.compile(rf"\b(?:that|this|his|her|its|their)(?P<other> other)? (?P<noun>{'|'.join(DESCRIBED_NOUNS_EN)})\b"
                         r"(?!['’]s)", re.IGNORECASE)
# Words (outside brackets) of an English first-step answer that is a name, not a sentence.
MAX_FOUND_WORDS = 8
_LATIN = re.compile(r"[A-Za-z]")

# The note naming what the first step found ({marks}: its citation markers).
FOUND_NOTES: dict[AnswerLanguage, str] = {
    "zh": "（先查得：{question} {found}{marks}）",
    "en": "(Found first: {question} {found}{marks})",
}


@dataclass(frozen=True)
class Bridge:
    """The two steps of a question that names a thing by description."""

    first: str  # the question of the first step: which thing is meant
    before: str  # the second question up to where the first step's answer goes
    after: str  # the second question after it
    noun: str = ""  # the pointed thing's name, kept after an ordinal answer
    classifier: str = ""
    # English: the pointed thing ("the other company"), written before a name found in
    # Chinese only, as its gloss ("the other company (科大讯飞)"), so the question stays English.
    gloss: str = ""

    @property
    def language(self) -> AnswerLanguage:
        """The language of the note naming what the first step found: the question's."""
        return answer_language(self.first)

    def second(self, found: str) -> str:
        """The second question, with the first step's answer ``found`` in place."""
        if self.noun and found.endswith(self.classifier) and self.noun not in found:
            found += self.noun
        if self.gloss and not _LATIN.search(found):
            found = f"{self.gloss} ({found})"
        return f"{self.before}{found}{self.after}"

    def run(self, question: str, answer_one: AnswerOne) -> Iterator[str | Answer]:
        """Answer ``question`` in the two steps (``answer_one`` streams one question's
        answer; only the second step streams), or in one step when the first finds
        no name."""
        first = final_answer(answer_one(self.first, lookup=True))
        found = found_name(first, self.first)
        if not found:
            yield from answer_one(question)
            return
        second: Answer | None = None
        for item in answer_one(self.second(found)):
            if isinstance(item, Answer):
                second = item
            else:
                yield item
        assert second is not None  # answer_one always ends with its Answer
        yield merge(question, self.first, found, first, second, self.language)


def _blanked(question: str) -> str:
    """``question`` with the inside of its quotations and titles blanked (same length)."""
    return QUOTED_TEXT.sub(lambda m: m.group(0)[0] + _BLANK * (len(m.group(0)) - 2) + m.group(0)[-1], question)


def _pointed_noun(rest: str) -> str:
    """The noun after a pointing word: the noun words that follow it, up to
    ``MAX_NOUN_CHARS`` ("东博会" of "东博会计划举办…"), else the first word's first
    two characters ("城市" of "城市建设的…" when jieba joins them)."""
    words = jieba.posseg.lcut(rest)
    noun = ""
    for word in words:
        if not word.flag.startswith("n") or len(noun + word.word) > MAX_NOUN_CHARS:
            break
        noun += word.word
    return noun or (words[0].word[:2] if words else "")


def split_bridge(question: str) -> Bridge | None:
    """The two steps of ``question``, or None when it names nothing by description
    (one clause, or no pointing word outside quotations; English: ``_split_english``)."""
    if question_script(question) == ENGLISH:
        return _split_english(question)
    text = question.strip()
    hidden = _blanked(text)
    spans = [m.span() for m in _CLAUSE.finditer(hidden)]
    clauses = [text[a:b] for a, b in spans]
    blanked = [hidden[a:b] for a, b in spans]  # pointing words are looked for here
    if len(clauses) < 2:
        return None
    for i, clause in enumerate(blanked[:-1]):
        m = _ENDING_POINTER.search(clause.rstrip(_CLAUSE_END))
        if m and clause[-1:] in _CLAUSE_END:
            said = clauses[i]
            noun, measure = said[m.start(2):m.end(2)], said[m.start(1):m.end(1)]
            first = "".join(clauses[:i]) + said[:m.start()] + "哪" + measure + noun + "？"
            return Bridge(first=first, before="", after="".join(clauses[i + 1:]), noun=noun,
                          classifier=measure[-1])
    lead = clauses[0].rstrip(_CLAUSE_END)
    if (clauses[0][-1:] in _CLAUSE_END and _DESCRIBED.search(lead) and not _ASKED.search(blanked[0])
            and not any(_POINTER.search(c) for c in blanked[1:])):
        return Bridge(first=f"{lead}是哪个？", before="", after="".join(clauses[1:]))
    for i in range(1, len(clauses)):
        m = _POINTER.search(blanked[i])
        if m is None:
            continue
        clause = clauses[i]
        if _names_it(clause[:m.start()]):
            return None
        earlier, lead_in = _referent_sentence(clauses[:i])
        if not earlier.strip():
            return None
        before, after = lead_in + clause[:m.start()], clause[m.start():] + "".join(clauses[i + 1:])
        if earlier[-1] in _QUESTION_END:
            return Bridge(first=earlier, before=before, after=after)
        noun = _pointed_noun(clause[m.end():])
        if not re.fullmatch(r"[\u4e00-\u9fff]+", noun):
            return None
        measure = m.group(0)[1:] if m.group(0)[0] in "那这" else ("个" if len(noun) > 1 else "")
        pointer = m.group(0) + noun
        first = f"{earlier.rstrip(_CLAUSE_END + _SENTENCE_END)}，{pointer}是哪{measure}{noun}？"
        return Bridge(first=first, before=before, after=after)
    return None


# jieba's tags of a word that names a thing: nouns and names (n, nr, ns, nt, nz), abbreviations
# (j: 东盟) and Latin words.
_NAMING_TAGS = ("n", "j", "eng")


def _names_it(before: str) -> bool:
    """True when the words right before a pointing word name the thing it points at
    ("当惹雍错这个湖", "基氏软汉鱼这种鱼": a noun or name, an apposition), so nothing is
    left to look up; not after a verb, preposition or adverb ("引用了这座城市",
    "在这座城市", "原先那座主殿")."""
    words = [w for w in jieba.posseg.lcut(before.strip()) if w.word.strip()]
    return bool(words) and words[-1].flag.startswith(_NAMING_TAGS)


def _referent_sentence(clauses: list[str]) -> tuple[str, str]:
    """(where the pointed thing is named, what leads into the pointing clause) of the
    ``clauses`` before a pointing clause: the sentences up to the last sentence end,
    with the clauses after it leading in ("…所在城市。" | "白皮书在统计…时，"); without
    one, all of them, less a last clause naming a source ("…“钢铁城”，" | "据年鉴，")."""
    ends = [j for j, c in enumerate(clauses) if c[-1:] in _SENTENCE_END + _QUESTION_END]
    if ends:
        return "".join(clauses[:ends[-1] + 1]), "".join(clauses[ends[-1] + 1:])
    if len(clauses) >= 2 and _SOURCE_CLAUSE.match(clauses[-1]):
        return "".join(clauses[:-1]), clauses[-1]
    return "".join(clauses), ""


def _split_english(question: str) -> Bridge | None:
    """The two steps of an English question whose last sentence points back at a
    thing the sentences before describe ("…the permanent venue of a certain expo
    (东博会). According to …, how many editions of that expo has Guangxi hosted?"):
    the first asks "… Which expo is it?" (or is the sentence before, when that is
    a question), the second is the last sentence with the answer in place of the
    pointing words."""
    *earlier, last = _EN_BREAK.split(question.strip())
    m = _EN_POINTER.search(last)
    if not earlier or m is None:
        return None
    described, thing = " ".join(earlier), f"{m.group('other') or ''} {m.group('noun').lower()}"
    first = described if described.endswith("?") else f"{described.rstrip(' .;')}. Which{thing} is it?"
    return Bridge(first=first, before=last[:m.start()], after=last[m.end():], gloss=f"the{thing}")


def found_name(answer: Answer, question: str = "") -> str:
    """The first step's answer as a name to carry on: its first line without markers
    or end punctuation, or, when that restates the ``question``, what it puts in
    place of the asked word (``_filler``); "" when it refused or the name is longer
    than ``checks.ground.MAX_NAME_CHARS`` (English: ``MAX_FOUND_WORDS`` words outside
    brackets): longer answers are sentences, the model restating the question."""
    if answer.refused:
        return ""
    line = first_line(answer.main_text)
    if question and question_script(question) == ENGLISH:
        words = re.sub(r"\([^)]*\)", "", line).split()
        return line if 0 < len(words) <= MAX_FOUND_WORDS else ""
    line = _filler(line, question) or line
    return line if 0 < len(line) <= MAX_NAME_CHARS else ""


# The asked word of a first-step question (哪个中心, 哪所高校, 什么, 谁, or the 某个中心
# its description leaves open) and the noun after it.
_ASKED = re.compile(rf"(?:[哪某]一?[{CLASSIFIERS}]?|什么|谁)([\u4e00-\u9fff]{{0,4}}?)(?=的|[，,。；;]|$)")


def _filler(answer: str, question: str) -> str:
    """What ``answer`` writes where ``question`` asks: "…建议培育南A中心的产业竞争新优势"
    for "…建议培育哪个中心的产业竞争新优势？" (or "…培育某个中心的产业竞争新优势，这个中心是
    哪个中心？") gives 南A中心 (the asked noun kept), and
    "…副校长的高校是广西师范大学" for "…副校长的哪所高校？" gives 广西师范大学; "" when the
    answer does not restate the question around it."""
    q = question.strip().rstrip("？?。. ")
    m = _ASKED.search(q)
    if m is None:
        return ""
    head, tail = q[:m.start()], re.split(r"[，,；;。]", q[m.end():])[0]  # the answer restates one clause
    if tail.startswith("的") and not answer.endswith(tail):
        tail = tail[1:]  # "…培育南A中心产业竞争新优势" drops the 的 of "哪个中心的产业…"
    if not head or not answer.startswith(head) or not answer.endswith(tail) or len(answer) <= len(head) + len(tail):
        return ""
    middle = answer[len(head):len(answer) - len(tail)].strip(" ，,")
    return middle.removeprefix(f"{m.group(1)}是") if m.group(1) else middle


def merge(question: str, first_question: str, found: str, first: Answer, second: Answer,
          language: AnswerLanguage = "zh") -> Answer:
    """The second step's answer to ``question``, with a note naming what the first
    found and citing it (its markers numbered after the second step's passages)."""
    offset = len(second.hits)
    carried = tuple(dataclasses.replace(c, marker=c.marker + offset) for c in first.citations)
    marks = "".join(dict.fromkeys(f"[{c.marker}]" for c in carried))
    note = FOUND_NOTES[language].format(question=first_question, found=found, marks=marks)
    citations: tuple[Citation, ...] = (*second.citations, *carried)
    timings = summed_timings(first, second)
    return dataclasses.replace(
        second, question=question, text="\n".join((second.text, note)), citations=citations,
        hits=(*second.hits, *first.hits), notes=(*second.notes, note), timings=timings,
        prompt_tokens=first.prompt_tokens + second.prompt_tokens,
        completion_tokens=first.completion_tokens + second.completion_tokens)


# Planners of multi-step answers, tried in order; the first plan found is used.
PLANNERS: tuple[Callable[[str], StepPlan | None], ...] = (split_comparison, split_bridge)


def plan_steps(question: str) -> StepPlan | None:
    """How ``question`` is answered in steps, or None to answer it in one."""
    for planner in PLANNERS:
        plan = planner(question)
        if plan is not None:
            return plan
    return None
