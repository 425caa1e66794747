"""HTML rendering of answers and sources for the chat UI."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from assistant.types import Answer, Chunk, Citation, Document, Hit
from assistant.web.i18n import TEXT, html_lang
from assistant.web.kb import FileStatus, reason_kind
from assistant.web.render import (
    answer_message,
    best_sentence,
    file_rows,
    highlighted,
    latency_caption,
    link_citations,
    numbering,
    skip_reason,
    sources_html,
    t,
)


def test_citations_become_links_and_text_is_escaped() -> None:
    out = link_citations("规模为100亿元[1][2]。<script>alert(1)</script>【3】", turn=2)
    assert '<a class="cite" href="#src-2-1" id="cite-2-1" data-turn="2" data-n="1" aria-label="来源 1"' in out
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
    assert rows == [["a.txt", "indexed", "12 passages", "2 KB"], ["b.pdf", "skipped", "the file cannot be read", "10 B"]]


def test_unknown_language_falls_back_to_chinese() -> None:
    assert t("fr", "send") == "发送"


def test_refusal_follows_the_question_language_and_script_not_the_ui() -> None:
    def refused(question: str) -> Answer:
        return Answer(question=question, text="", citations=(), hits=(), refused=True)

    english = answer_message(refused("How large is the fund Guangxi set up in February?"), 0, "zh")
    assert "do not contain" in english
    simplified = answer_message(refused("这个基金是哪年设立的？"), 0, "en")
    assert "没有找到" in simplified
    traditional = answer_message(refused("這個基金是哪一年設立的？"), 0, "zh")
    assert "沒有找到" in traditional and "没有" not in traditional


# -- issue 12: numbering, names, wording ---------------------------------------------

def _cited_answer() -> tuple[Answer, dict[str, Document]]:
    """An answer citing passages 3 and 1 (in that order) of three retrieved ones."""
    docs = {f"d{i}": Document(f"d{i}", f"docs/file{i}.txt", f"第{i}份文件。基金规模为{i}00亿元。") for i in (1, 2, 3)}
    chunks = [Chunk(f"c{i}", f"d{i}", f"docs/file{i}.txt", 0, docs[f"d{i}"].text, docs[f"d{i}"].text, 0,
                    len(docs[f"d{i}"].text)) for i in (1, 2, 3)]
    hits = tuple(Hit(c, 1.0) for c in chunks)
    cites = tuple(Citation(n, f"c{n}", f"d{n}", f"docs/file{n}.txt", 0, len(docs[f"d{n}"].text),
                           docs[f"d{n}"].text) for n in (1, 3))
    answer = Answer(question="基金多大？", text="规模为300亿元[3]，另一说100亿元[1][3]。", citations=cites,
                    hits=hits, refused=False)
    return answer, docs


def test_citations_are_renumbered_in_order_of_appearance() -> None:
    answer, docs = _cited_answer()
    assert numbering(answer) == {3: 1, 1: 2}  # a lone [3] first becomes [1]
    bubble = answer_message(answer, 0, "zh")
    assert re.findall(r">\[(\d)\]</a>", bubble) == ["1", "2", "1"]
    assert 'href="#src-0-1"' in bubble and "src-0-3" not in bubble
    panel = sources_html(answer, 0, docs.get, "zh")
    # The panel uses the same numbers, in the same order: [1] is file3, [2] is file1.
    heads = re.findall(r'id="(src-0-\d)".*?<b>\[(\d)\]</b> <span class="file">(file\d\.txt)', panel)
    assert heads == [("src-0-1", "1", "file3.txt"), ("src-0-2", "2", "file1.txt")]
    assert "file2.txt" in panel.split('class="uncited"')[1]  # retrieved, not cited


def test_citation_links_have_accessible_names_and_a_way_back() -> None:
    answer, docs = _cited_answer()
    bubble = answer_message(answer, 4, "zh")
    assert 'aria-label="来源 1：file3.txt"' in bubble and 'aria-label="来源 2：file1.txt"' in bubble
    assert bubble.count('id="cite-4-1"') == 1  # the way back targets the first link only
    assert 'aria-label="Source 1: file3.txt"' in answer_message(answer, 4, "en")
    panel = sources_html(answer, 4, docs.get, "en")
    assert '<a class="back" href="#cite-4-1" aria-label="Back to the answer">' in panel


def test_refusal_status_is_said_in_words_not_only_an_emoji() -> None:
    bubble = answer_message(Answer(question="不存在的问题？", text="", citations=(), hits=(), refused=True), 0, "zh")
    assert '<span class="icon" aria-hidden="true">⚠</span>' in bubble and "没有找到" in bubble


@pytest.mark.parametrize(("reason", "kind", "zh"), [
    ("unreadable PDF (PdfStreamError: Stream has ended unexpectedly)", "damaged", "文件已损坏或不完整，无法读取"),
    ("encrypted PDF (password required)", "encrypted", "PDF 有密码保护，无法读取"),
    ("no extractable text (scanned?)", "scanned", "没有可提取的文字（可能是扫描件）"),
    ("empty file (0 bytes)", "empty", "文件是空的，没有文字"),
    ("unknown text encoding (or not a text file)", "not_text", "不是文本文件，或文字编码无法识别"),
    ("duplicate of /data/docs/报告.txt", "duplicate", "与 报告.txt 内容相同"),
    ("big.txt: 3.2 MB is over the upload limit of 20 MB", "too_large", "文件超过 20 MB 的上传上限"),
    ("'x.exe': unsupported file type .exe; supported: .txt", "unsupported", "不支持这种文件类型"),
    ("corrupt or not a real .docx file (BadZipFile)", "damaged", "文件已损坏或不完整，无法读取"),
    ("something nobody foresaw", "other", "无法读取这个文件"),
])
def test_skip_reasons_map_to_words_for_people(reason: str, kind: str, zh: str) -> None:
    assert reason_kind(reason)[0] == kind
    assert skip_reason(reason, "zh") == zh
    assert "Error" not in skip_reason(reason, "en")


def test_every_skip_kind_and_key_has_both_languages() -> None:
    assert set(TEXT["zh"]) == set(TEXT["en"])
    from assistant.web.kb import REASON_KINDS

    for kind in [k for k, _ in REASON_KINDS] + ["other"]:
        assert f"skip_{kind}" in TEXT["zh"]


def test_html_lang_follows_the_interface_language() -> None:
    assert html_lang("zh") == "zh-CN" and html_lang("en") == "en" and html_lang("fr") == "zh-CN"
