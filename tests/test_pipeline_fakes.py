"""Index, retrieval and the Assistant with deterministic doubles (fast)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from fakes import EchoGenerator
from helpers import write_docs

from assistant import Answer, Assistant, IndexMismatchError, InputError, Settings
from assistant.search.index import load_index
from assistant.search.retrieve import rrf_fuse

DOCS = {
    "fund.txt": "广西人工智能产业基金\n今年2月，广西设立规模100亿元的人工智能产业基金。基金重点投向算力、模型和应用。",
    "center.txt": "南A中心\n中国—东盟人工智能创新合作中心又被称为南A中心，首批16家东盟企业签约入驻。",
    "trad.txt": "東盟合作\n廣西與東盟國家開展人工智慧合作，建設面向東盟的人工智慧合作新高地。",
}


@pytest.fixture()
def docs_dir(tmp_path: Path) -> Path:
    return write_docs(tmp_path / "docs", DOCS)


@pytest.fixture()
def bot(tmp_settings: Settings, fake_embedder, echo_generator) -> Assistant:
    return Assistant(tmp_settings, embedder=fake_embedder, generator=echo_generator)


def test_rrf_prefers_agreement() -> None:
    fused = rrf_fuse([([(1, 0.9), (2, 0.8)], 1.0), ([(2, 5.0), (3, 4.0)], 1.0)], k=3, rrf_k=60)
    assert [row for row, _ in fused] == [2, 1, 3]
    # A heavier weight on one ranking lets its first item win.
    fused = rrf_fuse([([(1, 0.9), (2, 0.8)], 1.0), ([(3, 5.0), (4, 4.0)], 2.0)], k=4, rrf_k=60)
    assert [row for row, _ in fused] == [3, 4, 1, 2]


def test_index_reuse_and_manifest(bot: Assistant, docs_dir: Path) -> None:
    first = bot.index([docs_dir])
    assert not first.reused and first.documents == 3 and first.embedded == first.chunks
    manifest = json.loads((first.path / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["embedder"] == {"id": "hash-test", "dim": 256}
    assert manifest["chunking"]["chunk_size"] == bot.settings.chunk_size
    again = bot.index([docs_dir])
    assert again.reused and again.chunks == first.chunks
    # A changed document invalidates the index; unchanged chunks come from the embedding cache.
    (docs_dir / "new.txt").write_text("新增的文件内容，讲述北部湾港口的吞吐量。", encoding="utf-8")
    third = bot.index([docs_dir])
    assert not third.reused and 0 < third.embedded < third.chunks


def test_mismatched_index_raises_with_rebuild_hint(bot: Assistant, docs_dir: Path,
                                                   tmp_settings: Settings, fake_embedder) -> None:
    report = bot.index([docs_dir], name="kb")
    other = Assistant(tmp_settings.replace(chunk_size=99), embedder=fake_embedder)
    with pytest.raises(IndexMismatchError, match="assistant index DOCS --name kb --rebuild"):
        other.load("kb")
    assert load_index(report.path).chunks  # still loadable as it was


def test_crash_during_save_keeps_previous_index(bot: Assistant, docs_dir: Path, monkeypatch) -> None:
    report = bot.index([docs_dir], name="kb")
    before = (report.path / "chunks.jsonl").read_text(encoding="utf-8")
    (docs_dir / "extra.txt").write_text("额外的文档，内容足够长以形成一个块。", encoding="utf-8")

    def boom(*a, **k):
        raise RuntimeError("disk full")

    assert bot.current_index is not None
    monkeypatch.setattr(type(bot.current_index.dense), "persist", boom)
    with pytest.raises(RuntimeError):
        bot.index([docs_dir], name="kb")
    assert (report.path / "chunks.jsonl").read_text(encoding="utf-8") == before
    assert not [p for p in report.path.parent.iterdir() if p.name.startswith(".kb.tmp")]


def test_traditional_text_found_by_simplified_query(bot: Assistant, docs_dir: Path) -> None:
    bot.index([docs_dir])
    hits = bot.search("广西与东盟的人工智能合作", k=1, mode="bm25")
    assert hits and hits[0].chunk.source.endswith("trad.txt")


def test_ask_returns_verified_citation(bot: Assistant, docs_dir: Path) -> None:
    bot.index([docs_dir])
    answer = bot.ask("广西人工智能产业基金规模是多少？")
    assert not answer.refused
    assert "100亿元" in answer.text
    assert answer.citations and answer.citations[0].source.endswith("fund.txt")
    assert set(answer.timings) == {"retrieve", "first_token", "total"}


def test_stream_yields_pieces_then_answer(bot: Assistant, docs_dir: Path) -> None:
    bot.index([docs_dir])
    items = list(bot.stream("南A中心首批有多少家企业入驻？"))
    assert all(isinstance(i, str) for i in items[:-1]) and len(items) > 2
    final = items[-1]
    assert isinstance(final, Answer) and final.citations[0].source.endswith("center.txt")


def test_refusal_sets_flag_and_drops_citations(bot: Assistant, docs_dir: Path) -> None:
    bot.index([docs_dir])
    (docs_dir / "x.txt").write_text("这个文件说明答案不存在于资料中。", encoding="utf-8")
    bot.index([docs_dir])
    answer = bot.ask("答案不存在的问题是什么？")
    assert answer.refused and answer.citations == ()


@pytest.mark.parametrize("question", ["", "   ", "问" * 2001])
def test_bad_questions_rejected(bot: Assistant, docs_dir: Path, question: str) -> None:
    bot.index([docs_dir])
    with pytest.raises(InputError):
        bot.ask(question)


def test_bad_files_skipped_rest_indexed(bot: Assistant, docs_dir: Path) -> None:
    (docs_dir / "empty.txt").write_bytes(b"")
    (docs_dir / "bin.txt").write_bytes(b"\x00\x01\x02binary\x00" * 10)
    (docs_dir / "broken.pdf").write_bytes(b"%PDF-1.4 not really")
    report = bot.index([docs_dir])
    assert report.documents == 3
    assert {Path(s.source).name for s in report.skipped} == {"empty.txt", "bin.txt", "broken.pdf"}
    assert all(s.reason for s in report.skipped)


def test_per_file_limits_come_from_the_assistants_settings(tmp_settings: Settings, fake_embedder,
                                                          echo_generator, docs_dir: Path) -> None:
    (docs_dir / "big.txt").write_text("广西数字经济。" * 2000, encoding="utf-8")  # ~42 KB
    small = tmp_settings.replace(max_file_mb=0.02)
    report = Assistant(small, embedder=fake_embedder, generator=echo_generator).index([docs_dir])
    skipped = {Path(s.source).name: s.reason for s in report.skipped}
    assert "max_file_mb" in skipped["big.txt"] and report.documents == 3


def test_nothing_to_index_is_a_clear_error(bot: Assistant, tmp_path: Path) -> None:
    empty = tmp_path / "nothing"
    empty.mkdir()
    with pytest.raises(InputError, match="nothing to index"):
        bot.index([empty])


class _Translator(EchoGenerator):
    """Echo generator that 'translates' by table lookup."""

    table = {"How big is Guangxi's AI industry fund?": "广西人工智能产业基金规模是多少？",
             "How big is the fund of Guangxi (广西)?": "广西的基金规模是多少？",
             "Who chairs Qi An Xin (奇安信)?": "Qi An Xin (奇安信) chairman"}

    def stream_chat(self, messages, max_tokens, ban_first=()):
        if messages[0]["content"].startswith("Translate"):
            yield self.table.get(messages[-1]["content"], "")
            return
        yield from super().stream_chat(messages, max_tokens, ban_first)


def test_english_question_is_also_searched_in_chinese(tmp_settings: Settings, fake_embedder,
                                                      docs_dir: Path) -> None:
    bot = Assistant(tmp_settings, embedder=fake_embedder, generator=_Translator())
    bot.index([docs_dir])
    q = "How big is Guangxi's AI industry fund?"
    assert bot.phrasings(q) == [q, "广西人工智能产业基金规模是多少？"]
    hits = bot.search(q, k=1, mode="bm25")
    assert hits and hits[0].chunk.source.endswith("fund.txt")
    # Chinese glossed in brackets keeps a question English: it is translated too,
    # and a "translation" that stays English is not searched.
    glossed = "How big is the fund of Guangxi (广西)?"
    assert bot.phrasings(glossed) == [glossed, "广西的基金规模是多少？"]
    assert bot.phrasings("Who chairs Qi An Xin (奇安信)?") == ["Who chairs Qi An Xin (奇安信)?"]
    plain = Assistant(tmp_settings.replace(translate_queries=False), embedder=fake_embedder,
                      generator=_Translator())
    plain.index([docs_dir])
    assert plain.phrasings(q) == [q]
    assert plain.search(q, k=1, mode="bm25") == []  # BM25 alone cannot match across languages


def test_every_step_of_a_planned_question_answers_in_its_language(bot: Assistant, docs_dir: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """An English question pointing back is answered in two steps (``steps.decompose``); the
    second, "How many companies signed into 南A中心?", reads as Chinese by its script, yet
    every step answers in English, the question's language; the first step is a lookup."""
    bot.index([docs_dir])
    asked: list[tuple[str, str, bool]] = []

    def one(question: str, s: Settings, on_retrieved: object, lookup: bool = False) -> Iterator[str | Answer]:
        asked.append((question, s.language, lookup))
        text = "南A中心" if lookup else "16 companies"
        yield text
        yield Answer(question=question, text=text, citations=(), hits=(), refused=False)

    monkeypatch.setattr(bot, "_stream_one", one)
    answer = bot.ask("The article names a certain centre. How many companies signed into that centre?")
    assert [(q, lookup) for q, _, lookup in asked] == [
        ("The article names a certain centre. Which centre is it?", True),
        ("How many companies signed into 南A中心?", False)]
    assert {language for _, language, _ in asked} == {"en"}
    assert answer.main_text == "16 companies" and answer.notes[0].startswith("(Found first:")
