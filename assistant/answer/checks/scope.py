"""A worldwide figure is no answer about one country.

Asked how many AI patents were granted to Chinese applicants, the model copies
"51万" from 全球人工智能专利申请数量累计达到129万件、专利授权累计超过51万，其中我国…:
the figure is in the evidence, but the sentence counts the whole world, and the
country's own figure is not there. ``wider_scope`` finds an answer whose figures
the evidence writes only in sentences about the world (全球, 世界, global)
before any word for the country the question asks about (我国, 中国, China).

Found on the English tune question x057 once the English prompt asked for the
answering words alone, which leave no words around a figure for the other
checks to read (eval/RESULTS.md, 2026-11-30, third session).
"""

from __future__ import annotations

import re

from ..forms import compare_form, figure_places, figures_beyond, sentence_at, source_form

# Words naming the whole world, and the country a question may ask about.
WORLD_WORDS = ("全球", "世界", "global", "world", "worldwide", "internationally")
COUNTRY_WORDS = ("我国", "中国", "全国", "国内", "china", "chinese", "national", "domestic")
_WORLD = re.compile("|".join(WORLD_WORDS))
_COUNTRY = re.compile("|".join(COUNTRY_WORDS))


def _sentence_before(source: str, at: int) -> str:
    """The part of ``source``'s sentence that comes before position ``at``."""
    start, sentence = sentence_at(source, at)
    return sentence[: at - start]


def wider_scope(answer: str, question: str, evidence: str) -> list[str]:
    """The figures of ``answer`` (not given by the question) that ``evidence`` writes
    only in a sentence about the world, with no word for the country before them,
    when the question asks about the country and not the world; [] otherwise or when
    any figure of the answer is written elsewhere too."""
    asked = compare_form(question)
    if not _COUNTRY.search(asked) or _WORLD.search(asked):
        return []
    body, source = compare_form(answer), source_form(evidence)
    figures = figures_beyond(body, asked)
    wide = []
    for m in figures:
        places = figure_places(m.group(), source)
        before = [_sentence_before(source, p.start()) for p in places]
        if places and all(_WORLD.search(b) and not _COUNTRY.search(b) for b in before):
            wide.append(m.group())
    return wide if figures and len(wide) == len(figures) else []
