"""Multi-turn chat: turn a follow-up question into a standalone one.

Retrieval sees one question at a time, so "那它是哪天开工的？" would search for
"它". Before retrieval the follow-up is rewritten from the conversation by one
short generator call; questions that do not refer back skip the call.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from pathlib import Path

from .normalize import has_cjk
from .types import Generator

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


def needs_context(question: str) -> bool:
    """Whether ``question`` probably refers to earlier turns of the conversation."""
    q = question.strip()
    core = re.sub(r"[\s?？。.!！]", "", q)
    if len(core) <= _SHORT:
        return True
    return bool((_ZH_REFERS if has_cjk(q) else _EN_REFERS).search(q))


def format_history(history: Sequence[tuple[str, str]]) -> str:
    """The last few turns as plain lines, answers shortened and citation markers removed."""
    lines = []
    for question, answer in list(history)[-MAX_TURNS:]:
        short = re.sub(r"\s*\[\d+\]", "", answer).strip()
        if len(short) > MAX_ANSWER_CHARS:
            short = short[:MAX_ANSWER_CHARS] + "…"
        lines.append(f"用户：{question.strip()}\n助手：{short}")
    return "\n".join(lines)


def rewrite_question(generator: Generator, history: Sequence[tuple[str, str]], question: str,
                     prompts_dir: Path, max_tokens: int = 80) -> str:
    """Ask ``generator`` for a standalone version of ``question`` given ``history``.

    Falls back to the question itself when the model returns nothing usable
    (empty, or far longer than a question).
    """
    system = (prompts_dir / "rewrite.txt").read_text(encoding="utf-8").strip()
    user = f"对话历史：\n{format_history(history)}\n\n最后的问题：{question.strip()}"
    messages = [{"role": "system", "content": system}, {"role": "user", "content": user}]
    out = "".join(generator.stream_chat(messages, max_tokens)).strip()
    out = re.sub(r"^(改写后的问题|独立问题|问题|Rewritten question|Question)\s*[:：]\s*", "", out,
                 flags=re.IGNORECASE).strip().strip("\"'“”「」")
    out = out.splitlines()[0].strip() if out else ""
    if not out or len(out) > max(4 * len(question), 200):
        logger.info("rewrite of %r unusable (%r); keeping the question", question, out)
        return question.strip()
    logger.info("rewrote %r -> %r", question, out)
    return out
