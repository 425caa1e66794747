"""Query preparation: follow-ups made standalone, English questions translated for search.

Retrieval sees one question at a time, so "那它是哪天开工的？" would search for
"它". Before retrieval, one short generator call names what the follow-up refers
to ("南A中心") and that name replaces the pronoun ("南A中心是哪天开工的？");
questions that do not refer back skip the call.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Sequence
from pathlib import Path

import jieba

from ..ingest.normalize import has_cjk, normalize
from ..types import Generator
from .language import ENGLISH, question_script

logger = logging.getLogger(__name__)

# Words that point back into the conversation. A false positive costs one short
# model call; a false negative searches a question with a dangling pronoun.
_ZH_REFERS = re.compile(r"它|他|她|其|该|此|这|那|上述|前者|后者|同一|呢[？?]?$|还有|另外|分别")
_EN_REFERS = re.compile(
    r"\b(it|its|they|them|their|this|that|these|those|he|she|his|her|there|the same|also|what about)\b",
    re.IGNORECASE,
)
_SHORT = 6  # a question this short ("几号？", "Why?") can only make sense in context

MAX_TURNS = 3  # earlier turns shown to the rewriter: more costs prompt time, rarely helps
MAX_ANSWER_CHARS = 160


# A pronoun whose referent the question itself names earlier ("请介绍南A中心：它的…").
_ZH_PRONOUN = re.compile(r"它们|他们|她们|它|他|她|其")
_NAMING_WORD = re.compile(r"[\u4e00-\u9fffA-Za-z0-9]{2,}")
_NOT_NAMES = frozenset("那么 那个 这个 还有 另外 请问 那些 这些".split())


def _named_before(question: str, at: int) -> bool:
    """Whether ``question[:at]`` names something a pronoun at ``at`` can refer to."""
    return any(w not in _NOT_NAMES and _NAMING_WORD.fullmatch(w)
               for w in jieba.lcut(question[:at]))


def needs_context(question: str) -> bool:
    """Whether ``question`` probably refers to earlier turns of the conversation.

    A Chinese pronoun after a name in the same question refers to that name, so
    "请介绍南A中心：它的首批企业有几家？" stands alone.
    """
    q = question.strip()
    core = re.sub(r"[\s?？。.!！]", "", q)
    if len(core) <= _SHORT:
        return True
    if not has_cjk(q):
        return bool(_EN_REFERS.search(q))
    return any(not (_ZH_PRONOUN.fullmatch(m.group(0)) and _named_before(q, m.start()))
               for m in _ZH_REFERS.finditer(q))


def format_history(history: Sequence[tuple[str, str]]) -> str:
    """The last few turns as plain lines, answers shortened and citation markers removed."""
    lines = []
    for question, answer in list(history)[-MAX_TURNS:]:
        short = re.sub(r"\s*\[\d+\]", "", answer).strip()
        if len(short) > MAX_ANSWER_CHARS:
            short = short[:MAX_ANSWER_CHARS] + "…"
        lines.append(f"用户：{question.strip()}\n助手：{short}")
    return "\n".join(lines)


# What a referent replaces in the question. Chinese: a pronoun, or a demonstrative
# with an optional short noun ("该中心", "这个项目"); English: a pronoun.
_ZH_SLOT = re.compile(
    r"(?:它们|他们|她们|它|他|她)|(?:该|这个|那个|这一|此)(?:[\u4e00-\u9fff]{1,2}?(?=的|是|在|于|有|多|哪|什|何|怎|为|和|与|[？?，,。]))?|其"
)
_EN_SLOT = re.compile(r"\b(its|their|it|they|them|this|that|these|those)\b", re.IGNORECASE)


def substitute(question: str, referent: str) -> str:
    """Put ``referent`` where ``question`` points back; prefix it if nothing points back.

    The user's own words are kept: only the pronoun (or demonstrative phrase) changes.
    """
    q = question.strip()
    if has_cjk(q):
        q = re.sub(r"^(那么|那|这)(?=它|他|她|其|该)", "", q)  # "那它是…" -> "它是…"
        if _ZH_SLOT.search(q):
            return _ZH_SLOT.sub(referent, q, count=1)
        return referent + q
    m = _EN_SLOT.search(q)
    if m is None:
        return f"{q.rstrip('?')} ({referent})?"
    word = m.group(1).lower()
    repl = f"{referent}'s" if word in ("its", "their") else referent
    return q[: m.start()] + repl + q[m.end() :]


# Words a noun phrase of the history does not extend over, leftwards from its head
# noun: particles, copulas, prepositions and question words ("…设立的|人工智能产业基金").
_PHRASE_STOPS = frozenset("的 地 得 了 着 过 是 在 于 和 与 及 或 对 把 被 将 从 向 由 为 以 用 让 给 "
                          "这 那 该 此 其 它 他 她 哪 多少 什么 如何 怎么 还 也 都 又 就 已 "
                          "个 家 项 位 名 条 座 批 种 次 件 台".split())  # and measure words (16家|企业)
_NAME_CHAR = re.compile(r"^[0-9a-z\u3400-\u9fff—\-·]+$", re.IGNORECASE)
MAX_PHRASE_WORDS = 8  # words kept before the head noun (中国|—|东盟|人工智能|创新|合作|中心 needs 6)
MAX_PHRASE_CHARS = 20  # longer runs are clauses, not names


def slot_noun(question: str) -> str | None:
    """The noun a Chinese demonstrative points with (``这个基金`` → ``基金``), if any."""
    m = _ZH_SLOT.search(question.strip())
    if m is None:
        return None
    noun = re.sub(r"^(?:该|这个|那个|这一|此)", "", m.group(0))
    return noun if len(noun) >= 2 else None


def noun_phrase(noun: str, history: Sequence[tuple[str, str]]) -> str | None:
    """The fullest name ending in ``noun`` in the latest turn that mentions it.

    "这个基金" after "广西今年2月设立的人工智能产业基金规模是多少？" is
    "人工智能产业基金": jieba words are taken leftwards from the head noun until a
    particle, verb-like function word or punctuation. A 1.5B rewriter asked the
    same often names another entity of the turn ("广西") and the fund is lost.
    """
    for question, answer in reversed(list(history)):
        for text in (question, answer):
            words = jieba.lcut(normalize(text))
            for i in range(len(words) - 1, -1, -1):
                if not words[i].endswith(noun):
                    continue
                j = i
                while (j > 0 and i - j < MAX_PHRASE_WORDS and words[j - 1] not in _PHRASE_STOPS
                       and _NAME_CHAR.match(words[j - 1])
                       and len("".join(words[j - 1:i + 1])) <= MAX_PHRASE_CHARS):
                    j -= 1
                phrase = "".join(words[j:i + 1]).lstrip("—-·")
                if len(phrase) > len(noun):
                    return phrase
    return None


# A figure or date the rewriter copied ("2月", "100亿元") is an answer, not what "它" names.
_QUANTITY = re.compile(r"^\d|\d+(?:\.\d+)?\s*[年月日号]")
MAX_REFERENT_CHARS = 40


def usable_referent(referent: str, history_text: str) -> bool:
    """Whether the rewriter's ``referent`` can stand for a pronoun: a name copied from
    the (normalised) ``history_text``, not too long, not a figure or a date."""
    return (bool(referent) and len(referent) <= MAX_REFERENT_CHARS and not _QUANTITY.search(referent)
            and normalize(referent).lower() in history_text)


def leading_subject(question: str) -> str | None:
    """The name a Chinese question starts with ("人工智能产业基金是哪个地区设立的？" →
    "人工智能产业基金"): its leading jieba words up to the first particle or copula;
    None when that run is no name (too long, or holding a figure or date)."""
    words = jieba.lcut(normalize(question))
    run: list[str] = []
    for w in words:
        if w in _PHRASE_STOPS or not _NAME_CHAR.match(w):
            break
        run.append(w)
    subject = "".join(run)
    if len(run) >= len(words) or not 2 <= len(subject) <= MAX_PHRASE_CHARS or _QUANTITY.search(subject):
        return None
    return subject


def rewrite_question(generator: Generator, history: Sequence[tuple[str, str]], question: str,
                     prompts_dir: Path, max_tokens: int = 24) -> str:
    """A standalone version of ``question``, given earlier ``history`` turns.

    A 1.5B model asked to rewrite the whole question often copies an earlier one
    instead, so it is asked only *what the question refers to* (a name copied from
    the history), and that name replaces the pronoun here. A name that is not in
    the history, or an empty reply, leaves the question unchanged.
    """
    noun = slot_noun(question) if has_cjk(question) else None
    phrase = noun_phrase(noun, history) if noun else None
    if phrase:  # "这个基金" and the history names one: no model call needed
        rewritten = substitute(question, phrase)
        logger.info("rewrote %r -> %r (history names %r)", question, rewritten, phrase)
        return rewritten
    system = (prompts_dir / "rewrite.txt").read_text(encoding="utf-8").strip()
    shown = format_history(history)
    user = f"对话历史：\n{shown}\n\n最后的问题：{question.strip()}"
    messages = [{"role": "system", "content": system}, {"role": "user", "content": user}]
    out = "".join(generator.stream_chat(messages, max_tokens)).strip()
    referent = out.splitlines()[0].strip() if out else ""
    referent = re.sub(r"^(输出|名称|对象|Output|Answer)\s*[:：]\s*", "", referent, flags=re.IGNORECASE)
    referent = referent.strip(" \"'“”「」《》。.？?")
    context = normalize(shown).lower()
    if not usable_referent(referent, context):
        subject = leading_subject(history[-1][0]) if history and has_cjk(question) else None
        if subject is None:
            logger.info("no usable referent for %r (%r); keeping the question", question, out)
            return question.strip()
        logger.info("no usable referent for %r (%r); the last question's subject %r", question, out, subject)
        referent = subject
    rewritten = substitute(question, referent)
    logger.info("rewrote %r -> %r (referent %r)", question, rewritten, referent)
    return rewritten


TRANSLATION_CACHE = 256  # questions whose translation is kept (a long-running app must not grow)
TRANSLATION_TOKENS = 80


class QueryPreparer:
    """What a question becomes before retrieval: standalone (follow-ups rewritten) and,
    when it is English and the documents Chinese, searched in a Chinese translation too.

    BM25 cannot match an English question to Chinese text at all, and the dense
    model only partly; searching the translation as well recovers most of it. The
    translation is one short generator call, cached per question. (The 0.5B model
    translates faster but worse: English tune questions 47 -> 28 right outcomes,
    eval/RESULTS.md, 2026-11-30 late session.)
    """

    def __init__(self, generator: Callable[[], Generator], prompts_dir: Path) -> None:
        self._generator = generator  # called on first use: the model loads lazily
        self.prompts_dir = prompts_dir
        self._translations: dict[str, str] = {}

    def phrasings(self, question: str, translate: bool) -> list[str]:
        """The question, plus its Chinese translation when ``translate`` and it is English
        (``language.question_script``: Chinese terms glossed in brackets, as in "Qi An
        Xin (奇安信)", keep it English; the rest of its words would match no Chinese text)."""
        if not translate or question_script(question) != ENGLISH:
            return [question]
        if question not in self._translations:
            out = self._translate(question, TRANSLATION_TOKENS)
            if len(self._translations) >= TRANSLATION_CACHE:
                self._translations.pop(next(iter(self._translations)))
            self._translations[question] = out if question_script(out) != ENGLISH else ""
            logger.info("translated %r -> %r", question, out)
        translated = self._translations[question]
        return [question, translated] if translated else [question]

    def _translate(self, question: str, max_tokens: int) -> str:
        system = (self.prompts_dir / "translate_en.txt").read_text(encoding="utf-8").strip()
        messages = [{"role": "system", "content": system}, {"role": "user", "content": question}]
        return "".join(self._generator().stream_chat(messages, max_tokens)).strip()

    def warm_up(self) -> None:
        """Load the translator and evaluate its system prompt once (nothing is cached),
        so the first English question pays only for its own words."""
        self._translate("Hello?", 1)

    def standalone(self, question: str, history: Sequence[tuple[str, str]]) -> str:
        """``question`` rewritten to stand alone when it refers back into ``history``;
        a question with no history, or one that refers to nothing, costs no model call."""
        if not history or not needs_context(question):
            return question
        return rewrite_question(self._generator(), history, question, self.prompts_dir)
