"""Second hop (answer/evidence/bridge.py): the sentence that joins a two-document question."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pytest

from assistant import Assistant, Settings
from assistant.answer.evidence.bridge import plan_hop, proper_names, second_hop
from assistant.answer.evidence.selection import Evidence, select_evidence
from assistant.types import Chunk, Hit


def _hit(text: str, n: int, doc: str = "d") -> Hit:
    chunk = Chunk(chunk_id=f"{doc}-{n}", doc_id=doc, source=f"{doc}.txt", ordinal=n, text=text,
                  search_text=text, start=0, end=len(text))
    return Hit(chunk=chunk, score=1.0 / (n + 1), dense_score=0.5)


QUESTION = "全国政协委员黄晓娟任副校长的那所高校，据白皮书已明确了人工智能的什么研究方向？"
FIRST = [
    _hit("全国政协委员、广西师范大学副校长黄晓娟建议，推动人工智能与基础学科交叉融合。", 0, "a"),
    _hit("人工智能正成为广西一张新的名片。会议讨论了人工智能人才培养。", 1, "a"),
]
# What a lexical search for the missing half returns: the linking sentence, a sentence
# with the missing terms but only generic words of the first one, and filler.
SECOND = [
    _hit("白皮书指出，各地明确了人工智能发展的研究方向和重点任务。", 0, "w"),
    _hit("如广西大学、广西师范大学等院校明确了人工智能硕士研究方向。", 1, "w"),
    _hit("白皮书由四大部分组成。", 2, "w"),
    _hit("人工智能产业规模持续增长。", 3, "w"),
]


class FakeSearch:
    """A lexical search that returns fixed hits and records its queries."""

    def __init__(self, hits: Sequence[Hit]) -> None:
        self.hits = list(hits)
        self.queries: list[str] = []

    def __call__(self, query: str, k: int) -> Sequence[Hit]:
        self.queries.append(query)
        return self.hits[:k]


def _first(question: str = QUESTION, hits: Sequence[Hit] = FIRST) -> Evidence:
    return select_evidence([question], hits, len, budget=200, max_sentences=5)


def test_the_linking_sentence_joins_the_evidence_as_the_next_passage() -> None:
    evidence = _first()
    hop = plan_hop(evidence, [QUESTION])
    assert hop is not None and "广西师范大学" in hop.bridges and "白皮书" in hop.missing
    search = FakeSearch(SECOND)
    joined = second_hop(evidence, [QUESTION], search, lambda hits: (), 120, len)
    assert search.queries == [hop.query]
    added = joined.sentences[-1]
    assert "硕士研究方向" in added.text  # not the sentence holding only generic words
    assert added.passage == len(FIRST) + 1 == len(joined.hits)
    assert joined.hits[-1].chunk.chunk_id == "w-1"  # only the passage used is kept
    assert "[3] 如广西大学" in joined.format()
    assert joined.coverage > evidence.coverage and len(joined.missing) < len(evidence.missing)


def test_a_covered_question_runs_no_second_search() -> None:
    question = "广西师范大学副校长黄晓娟建议推动人工智能与什么交叉融合？"
    evidence = _first(question)
    assert plan_hop(evidence, [question]) is None
    search = FakeSearch(SECOND)
    assert second_hop(evidence, [question], search, lambda hits: (), 120, len) is evidence
    assert search.queries == []


def test_no_bridge_no_link() -> None:
    """A sentence holding the missing terms links only through a name of the first
    evidence: not through none, nor through one most passages in view hold."""
    evidence = _first()
    unlinked = [SECOND[0], SECOND[2], SECOND[3]]
    assert second_hop(evidence, [QUESTION], FakeSearch(unlinked), lambda hits: (), 120, len) is evidence
    common = [_hit(f"广西师范大学第{i}次会议召开。", i, "c") for i in range(3)]
    filler = [_hit(f"{i}号文件讨论数字经济。", i, "f") for i in range(2)]
    crowded = [SECOND[1], *common, *filler]  # the name is in 5 of 8 passages
    assert second_hop(evidence, [QUESTION], FakeSearch(crowded), lambda hits: (), 120, len) is evidence


def test_only_names_bridge() -> None:
    """Words any passage may hold (进一步, 增长率) are no bridge; names are."""
    assert proper_names("全国政协委员、广西师范大学副校长黄晓娟建议推动进一步融合。") == \
        ["全国政协", "广西师范大学", "黄晓娟"]
    assert not {"进一步", "增长率"} & set(proper_names("产业规模进一步增长，增长率为13.9%。"))
    assert "vietnam" in proper_names("The delegation visited Vietnam and Laos.")
    assert "during" not in proper_names("During a recent visit, Chen met them.")


@pytest.mark.parametrize("reason", ["off", "too long", "untrusted"])
def test_the_second_hop_respects_its_budget_and_untrusted_documents(reason: str) -> None:
    evidence = _first()
    budget = {"off": 0, "too long": 10}.get(reason, 120)
    untrusted = (lambda hits: {n for n, h in enumerate(hits, 1) if h.chunk.doc_id == "w"}) \
        if reason == "untrusted" else (lambda hits: ())
    assert second_hop(evidence, [QUESTION], FakeSearch(SECOND), untrusted, budget, len) is evidence


def test_bridge_tokens_are_validated() -> None:
    with pytest.raises(ValueError, match="bridge_tokens"):
        Settings(bridge_tokens=-1)


@pytest.mark.models
def test_real_corpus_two_document_question_gets_both_facts(real_bot: Assistant) -> None:
    """The vice-president is named in the CPPCC article; the white paper holds the
    programmes: the first retrieval alone shows only the former."""
    s = real_bot.settings
    phrasings = real_bot.phrasings(QUESTION)
    retriever = real_bot.retriever
    hits = retriever.search(phrasings, s.top_k, settings=s)
    count = real_bot.generator.count_tokens
    first = select_evidence(phrasings, hits, count, s.evidence_tokens, s.evidence_sentences)
    assert "硕士研究方向" not in first.format()
    joined = second_hop(first, phrasings, lambda q, k: retriever.search(q, k, mode="bm25", settings=s),
                        lambda found: (), s.bridge_tokens, count)
    assert "硕士研究方向" in joined.format()
    sources = {Path(joined.hits[x.passage - 1].chunk.source).name for x in joined.sentences}
    assert len(sources) == 2, sources
