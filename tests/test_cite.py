"""Citation parsing and verification."""

from __future__ import annotations

from assistant.answer.cite import english_words, parse_markers, split_answer, support, verify
from assistant.types import Chunk, Document, Hit

P1 = "今年2月，广西设立规模100亿元的人工智能产业基金，重点投向算力和模型。"
P2 = "南A中心迎来了首批16家东盟企业签约入驻，他们来自越南、泰国、老挝等6个国家。"
P3 = "Guangxi is at a critical node between China's 1.4 billion population and ASEAN's 700 million."


def _hits() -> tuple[list[Hit], dict[str, Document]]:
    docs = {}
    hits = []
    for n, text in enumerate([P1, P2, P3], 1):
        raw = "前文。" + text + "后文。"
        doc = Document(doc_id=f"d{n}", source=f"/x/doc{n}.txt", text=raw)
        docs[doc.doc_id] = doc
        chunk = Chunk(chunk_id=f"d{n}-0000", doc_id=doc.doc_id, source=doc.source, ordinal=0,
                      text=text, search_text=text, start=3, end=3 + len(text))
        hits.append(Hit(chunk=chunk, score=1.0 / n))
    return hits, docs


def test_parse_markers_variants() -> None:
    assert parse_markers("答案[1]。又[2][3]，再【4】和[1, 2]") == [1, 2, 3, 4, 1, 2]
    assert parse_markers("no markers") == []


def test_split_answer_keeps_trailing_markers_with_sentence() -> None:
    sents = split_answer("规模是100亿元。[1] 来自6个国家[2]。")
    assert [s.markers for s in sents] == [(1,), (2,)]
    assert sents[0].text == "规模是100亿元。"


def test_support_requires_numbers_in_passage() -> None:
    assert support("广西人工智能产业基金规模是100亿元。", P1) > 0
    assert support("广西人工智能产业基金规模是200亿元。", P1) == 0
    assert support("南A中心首批入驻16家东盟企业。", P1) == 0
    assert support("南A中心首批入驻16家东盟企业。", P2) > 0


def test_verify_drops_wrong_citation_and_attaches_right_one() -> None:
    hits, docs = _hits()
    text, cites = verify("首批有16家东盟企业入驻南A中心。[1]", hits, docs)
    assert text.endswith("[2]")
    assert [c.marker for c in cites] == [2]
    assert cites[0].added
    assert cites[0].quote == P2  # mapped back to the original document span
    assert docs["d2"].text[cites[0].start : cites[0].end] == P2


def test_verify_keeps_correct_citation_and_adds_missing() -> None:
    hits, docs = _hits()
    text, cites = verify("基金规模为100亿元[1]。南A中心首批入驻16家东盟企业。", hits, docs)
    assert "[1]" in text and text.endswith("[2]")
    assert {(c.marker, c.added) for c in cites} == {(1, False), (2, True)}


def test_verify_english_answer_about_chinese_passage_checks_numbers() -> None:
    hits, docs = _hits()
    text, cites = verify("The fund set up in February 2 is worth 100 (10 billion) yuan [1].", hits, docs)
    assert [c.marker for c in cites] == [1]
    _, none = verify("The fund is worth 555 million yuan [1].", hits, docs)
    assert none == ()


def test_out_of_range_marker_is_dropped() -> None:
    hits, docs = _hits()
    text, cites = verify("规模100亿元。[7]", hits, docs)
    assert "[7]" not in text
    assert [c.marker for c in cites] == [1]


def test_british_and_american_spellings_support_each_other() -> None:
    """An answer's "kilometers" is supported by a passage's "kilometres" (the citation was lost)."""
    passage = "The new light-rail line is 28.4 kilometres long and links the city centre."
    assert support("The line is 28.4 kilometers long.", passage) > 0
    assert {"kilometers", "center", "program"} <= english_words("kilometres centre programme")
    assert support("The line is 28.4 kilometers long.", "The bridge spans 3.5 kilometres.") == 0
