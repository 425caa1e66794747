"""Chunk boundaries on synthetic text and on the real corpus."""

from __future__ import annotations

import re
from pathlib import Path

from assistant.ingest.chunk import chunk_document, split_sentences
from assistant.ingest.clean import clean
from assistant.ingest.load import load_file
from assistant.types import Document


def _doc(text: str) -> Document:
    return Document(doc_id="t", source="t.txt", text=text)


def test_sentences_split_on_chinese_and_english_punctuation() -> None:
    text = "第一句。第二句！Third one. Fourth?第五句；"
    spans = split_sentences(text, 0, len(text), 100)
    assert [text[s:e].strip() for s, e in spans] == ["第一句。", "第二句！", "Third one.", "Fourth?", "第五句；"]


def test_an_initial_ends_no_sentence() -> None:
    """The period of an initial (R. graveolens, Henry A. Walsh) is no sentence end: the
    sentence keeps its subject. A word's period before a space still ends one."""
    text = "最主要的品种是芸香（\"R. graveolens\"），叶常绿，花则暗黄成簇。由建筑师Henry A. Walsh 设计。It is by Henry A. Walsh. Plan B is next."
    spans = split_sentences(text, 0, len(text), 200)
    assert [text[s:e].strip() for s, e in spans] == [
        "最主要的品种是芸香（\"R. graveolens\"），叶常绿，花则暗黄成簇。", "由建筑师Henry A. Walsh 设计。",
        "It is by Henry A. Walsh.", "Plan B is next."]


def test_long_sentence_never_splits_a_number_or_latin_word() -> None:
    text = "广西" * 40 + "设立规模12345678亿元的ChatGPTLikeFund基金" + "支持" * 40 + "。"
    doc = _doc(text)
    chunks = chunk_document(doc, clean(text), chunk_size=60, overlap=0)
    assert len(chunks) > 2
    for c in chunks:
        for token in re.findall(r"[0-9A-Za-z]+", text):
            # a number/word is either wholly inside a chunk or absent from it
            assert token in c.text or not any(token.startswith(p) or token.endswith(p)
                                              for p in re.findall(r"[0-9A-Za-z]+", c.text))


def test_chunks_respect_size_overlap_and_offsets() -> None:
    text = "".join(f"这是第{i}个句子，内容是编号{i}的说明。" for i in range(40))
    doc = _doc(text)
    chunks = chunk_document(doc, clean(text), chunk_size=80, overlap=20)
    assert all(len(c.text) <= 80 for c in chunks)
    for a, b in zip(chunks, chunks[1:], strict=False):
        assert b.start < a.end, "consecutive chunks overlap"
    for c in chunks:
        assert doc.text[c.start : c.end] == c.text
    assert chunks[-1].text.endswith("编号39的说明。")


def test_heading_carried_into_chunk_metadata() -> None:
    text = "第一章 总体情况\n" + "广西人工智能产业发展迅速。" * 10 + "\n第二章 重点企业\n华为在南宁设立创新中心。"
    chunks = chunk_document(_doc(text), clean(text), chunk_size=60, overlap=0)
    assert chunks[0].heading == "第一章 总体情况"
    last = chunks[-1]
    assert last.heading == "第二章 重点企业" and "华为" in last.text
    assert "重点企业" in last.search_text


def test_real_corpus_chunks_map_back_to_original(corpus_dir: Path) -> None:
    for path in sorted(corpus_dir.iterdir()):
        doc = load_file(path)
        cleaned = clean(doc.text)
        chunks = chunk_document(doc, cleaned, chunk_size=220, overlap=40)
        assert chunks, path
        for c in chunks:
            assert 0 <= c.start < c.end <= len(doc.text)
            assert len(c.text) <= 220
            # The original span starts and ends with the chunk's first and last character.
            assert doc.text[c.start] == c.text[0] and doc.text[c.end - 1] == c.text[-1]
        # Every non-space character of the cleaned text lies inside some chunk: nothing dropped.
        covered = bytearray(len(doc.text) + 1)
        for c in chunks:
            covered[c.start : c.end] = b"\x01" * (c.end - c.start)
        missing = [ch for i, ch in enumerate(cleaned.text)
                   if not ch.isspace() and not covered[cleaned.offsets[i]]]
        assert not missing, (path.name, "".join(missing)[:80])
