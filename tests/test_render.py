"""HTML rendering of answers and sources for the chat UI."""

from __future__ import annotations

from pathlib import Path

from assistant.types import Document
from assistant.web.kb import FileStatus
from assistant.web.render import (
    best_sentence,
    file_rows,
    highlighted,
    latency_caption,
    link_citations,
    t,
)


def test_citations_become_links_and_text_is_escaped() -> None:
    out = link_citations("规模为100亿元[1][2]。<script>alert(1)</script>【3】", turn=2)
    assert '<a class="cite" href="#src-2-1" data-turn="2" data-n="1">[1]</a>' in out
    assert 'href="#src-2-2"' in out and 'href="#src-2-3"' in out
    assert "<script>" not in out and "&lt;script&gt;" in out


def test_grouped_markers_split_into_links() -> None:
    out = link_citations("两者都有[1, 3]", turn=0)
    assert out.count('class="cite"') == 2 and "#src-0-3" in out


def test_best_sentence_matches_across_scripts() -> None:
    quote = "廣西擁有產業合作區。今年2月廣西又設立了100億元人民幣的人工智慧產業基金。基金投向算力。"
    s, e = best_sentence(quote, "广西设立了100亿元的人工智能产业基金[1]")
    assert quote[s:e] == "今年2月廣西又設立了100億元人民幣的人工智慧產業基金。"


def test_highlight_keeps_original_script_and_context() -> None:
    text = "前言。" * 100 + "今年2月廣西又設立了100億元人民幣的人工智慧產業基金。" + "後記。" * 100
    start = text.index("今年")
    end = start + len("今年2月廣西又設立了100億元人民幣的人工智慧產業基金。")
    doc = Document("d", "x/報告.txt", text)
    out = highlighted(doc, start, end, "100亿元")
    assert out.startswith("…") and out.endswith("…")
    assert '<mark class="cited-span">今年2月廣西又設立了100億元人民幣的人工智慧產業基金。</mark>' in out


def test_highlight_escapes_document_html() -> None:
    doc = Document("d", "a.txt", "前文<b>粗体</b>。基金规模100亿元。后文")
    out = highlighted(doc, 10, len(doc.text), "100亿元")
    assert "<b>" not in out and "&lt;b&gt;" in out


def test_latency_caption_and_queue_wait() -> None:
    timings = {"retrieve": 0.21, "first_token_total": 3.46, "total_with_queue": 9.04, "queue": 2.5}
    assert t("zh", "latency", retrieve=0.21, first=3.46, total=9.04) in latency_caption(timings, "zh")
    assert "排队 2.5 秒" in latency_caption(timings, "zh")
    assert "first token 3.5 s" in latency_caption(timings, "en")
    assert "排队" not in latency_caption({**timings, "queue": 0.1}, "zh")


def test_file_rows_are_localised() -> None:
    rows = file_rows([FileStatus("a.txt", Path("a.txt"), "indexed", "12", 2048, True),
                      FileStatus("b.pdf", Path("b.pdf"), "skipped", "no text layer", 10, False)], "en")
    assert rows == [["a.txt", "indexed", "12 passages", "2 KB"], ["b.pdf", "skipped", "no text layer", "10 B"]]


def test_unknown_language_falls_back_to_chinese() -> None:
    assert t("fr", "send") == "发送"


def test_refusal_follows_the_question_language_and_script_not_the_ui() -> None:
    from assistant.types import Answer
    from assistant.web.render import answer_message

    def refused(question: str) -> Answer:
        return Answer(question=question, text="", citations=(), hits=(), refused=True)

    english = answer_message(refused("How large is the fund Guangxi set up in February?"), 0, "zh")
    assert "do not contain" in english
    simplified = answer_message(refused("这个基金是哪年设立的？"), 0, "en")
    assert "没有找到" in simplified
    traditional = answer_message(refused("這個基金是哪一年設立的？"), 0, "zh")
    assert "沒有找到" in traditional and "没有" not in traditional
