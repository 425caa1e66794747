"""Grounding check: an answer must be copied from the evidence, not recalled.

After the model answers, the answer is held against the evidence block the
model read:

- every number of the answer that the question did not already give must
  occur in the evidence, with the unit character that follows it (``6月`` is
  not supported by ``6日``); Latin names in a Chinese answer and quoted titles
  likewise (``cite.facts``);
- a Chinese answer's new wording (content words not in the question) must
  mostly occur in the evidence, so an invented organisation name fails;
- the answer must say something the question does not already say.

An answer that fails becomes a refusal (its ``Answer.hits`` still show what
was found): an invented figure is worse than no answer.
"""

from __future__ import annotations

import re

from ..ingest.normalize import has_cjk
from ..search.lexical import STOPWORDS, search_tokens, word_tokens
from .cite import MARKER, fact_form, facts

_CJK_OR_WORD = re.compile(r"[\u3400-\u9fff]|[a-z0-9]+")
# A number with the unit character written right after it (16家, 6月, 100亿).
_NUMBER_UNIT = re.compile(r"\d+(?:\.\d+)?(?:%|[\u3400-\u9fff])?")
# Share of a Chinese answer's new content words that the evidence must contain.
MIN_NEW_WORDING_SUPPORT = 0.5
# Answers adding fewer new content words than this are judged on their facts alone.
MIN_NEW_WORDS = 1


def _norm(text: str) -> str:
    return fact_form(MARKER.sub("", text))


def _has_number(token: str, text: str) -> bool:
    """``token`` (a number with its unit) occurs in ``text`` as a whole number (3家 is not in 13家)."""
    return re.search(rf"(?<![\d.]){re.escape(token)}", text) is not None


def unsupported_facts(answer: str, question: str, evidence: str) -> list[str]:
    """Facts of ``answer`` (not given by the question) that ``evidence`` lacks."""
    body, asked, source = _norm(answer), _norm(question), _norm(evidence)
    missing = [f for f in (x.lower() for x in facts(MARKER.sub("", answer)))
               if f not in asked and f not in source]
    for m in _NUMBER_UNIT.finditer(body):
        token = m.group(0)
        if not _has_number(token, asked) and not _has_number(token, source) and token not in missing:
            missing.append(token)
    return missing


# A sentence that only talks about the sources ("根据资料[2]和[3]的信息。"): no content.
_META = re.compile(r"(?:^|(?<=[。.!?！？]))\s*(?:根据|依据|参考|参见|详见|见)(?:以上|上述)?资料[^。.!?！？]{0,20}[。.!?！？]?\s*$")
# Words an answer adds around its content that no passage needs to contain.
FILLER_WORDS = frozenset("根据 依据 资料 文中 报道 提到 提及 介绍 显示 指出 表示 称 据 约 为 是 在 了 的 和 与 及 由 被 已 于 其 该 这 那 有 个 其中 分别 以及 包括 主要 首次".split())


def drop_meta(answer: str) -> str:
    """The answer without a trailing sentence that only points at the sources."""
    return _META.sub("", answer).strip()


def _content_words(text: str) -> set[str]:
    """Chinese words (2+ characters) of normalised ``text`` that carry content."""
    return {w for w in word_tokens(text) if has_cjk(w) and len(w) >= 2 and w not in FILLER_WORDS
            and w not in STOPWORDS}


def _supported(word: str, source: str) -> bool:
    """``word`` occurs in ``source``, or every sub-word of a long word does
    (广西信息中心 supports 广西壮族自治区信息中心 only if 壮族 … occur too)."""
    if word in source:
        return True
    parts = [p for p in search_tokens(word) if len(p) >= 2 and p != word]
    return bool(parts) and all(p in source for p in parts)


def new_wording_support(answer: str, question: str, evidence: str) -> float | None:
    """Share of the answer's new Chinese words (not in the question) found in ``evidence``.

    ``None`` when the answer adds fewer than ``MIN_NEW_WORDS`` such words (its
    numbers and names are still checked by :func:`unsupported_facts`).
    """
    asked, source = _norm(question), _norm(evidence)
    new = {w for w in _content_words(_norm(answer)) if w not in asked}
    if len(new) < MIN_NEW_WORDS:
        return None
    return sum(1 for w in new if _supported(w, source)) / len(new)


def adds_nothing(answer: str, question: str) -> bool:
    """True when the answer only repeats the question (no character or word is new)."""
    units = _CJK_OR_WORD.findall(_norm(answer))
    asked = set(_CJK_OR_WORD.findall(_norm(question)))
    return bool(units) and all(u in asked for u in units)


def is_grounded(answer: str, question: str, evidence: str) -> bool:
    """Whether ``answer`` is supported by ``evidence`` and answers more than it was asked."""
    if adds_nothing(answer, question) or unsupported_facts(answer, question, evidence):
        return False
    if has_cjk(answer) and has_cjk(evidence):
        share = new_wording_support(answer, question, evidence)
        return share is None or share >= MIN_NEW_WORDING_SUPPORT
    return True
