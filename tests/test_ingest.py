"""Loading real files of every supported kind, in every encoding we promise, and
skipping broken ones with a reason that names the problem."""

from __future__ import annotations

import hashlib
import io
import logging
import random
import re
from pathlib import Path

import docx
import pytest
from opencc import OpenCC
from pypdf import PdfWriter

from assistant.errors import IngestError, InputError
from assistant.ingest.load import SUPPORTED, LoadResult, Skipped, discover, load_file, load_paths

CORPUS = Path(__file__).resolve().parents[1].parent / "shared" / "corpus"

SHORT_SIMPLIFIED = "今天天气很好我们去公园散步"
SHORT_TRADITIONAL = "今天天氣很好我們去公園散步"


def _corpus_text(prefix: str) -> str:
    if not CORPUS.is_dir():
        pytest.skip("../shared/corpus is not beside the checkout")
    return next(CORPUS.glob(f"{prefix}_*.txt")).read_text(encoding="utf-8")


def _long_simplified() -> str:
    return _corpus_text("001")


def _big5_only(text: str) -> str:
    """``text`` without the few characters Big5 cannot encode (e.g. ∆, 爲)."""
    return "".join(ch for ch in text if ch.encode("big5", errors="ignore"))


def _long_traditional() -> str:
    return _big5_only(_corpus_text("002"))  # 002 is traditional Chinese


def pdf_bytes(pages: list[list[str]], title: str | None = None) -> bytes:
    """A minimal, valid PDF with Helvetica text lines on each page."""
    objects = ["<< /Type /Catalog /Pages 2 0 R >>", "", "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"]
    kids = []
    for lines in pages:
        ops = " ".join(f"({ln}) Tj T*" for ln in lines)
        stream = f"BT /F1 12 Tf 14 TL 72 720 Td {ops} ET"
        objects.append(f"<< /Length {len(stream)} >>\nstream\n{stream}\nendstream")
        content_no = len(objects)
        objects.append(
            "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
            f"/Resources << /Font << /F1 3 0 R >> >> /Contents {content_no} 0 R >>"
        )
        kids.append(f"{len(objects)} 0 R")
    objects[1] = f"<< /Type /Pages /Kids [{' '.join(kids)}] /Count {len(kids)} >>"
    info = ""
    if title is not None:
        objects.append(f"<< /Title ({title}) >>")
        info = f" /Info {len(objects)} 0 R"
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n{body}\nendobj\n".encode("latin-1")
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += "".join(f"{o:010d} 00000 n \n" for o in offsets).encode()
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R{info} >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)


def _blank_pdf(password: str | None = None) -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(200, 200)
    if password is not None:
        writer.encrypt(password, algorithm="RC4-128")
    buf = io.BytesIO()
    writer.write(buf)
    return buf.getvalue()


def _docx_bytes() -> bytes:
    document = docx.Document()
    document.core_properties.title = "测试文档"
    document.add_heading("第一章 概述", level=1)
    document.add_paragraph("广西人工智能产业发展迅速。")
    table = document.add_table(rows=2, cols=2)
    table.cell(0, 0).text = "年份"
    table.cell(0, 1).text = "规模"
    table.cell(1, 0).text = "2023"
    table.cell(1, 1).text = "5784亿元"
    document.add_paragraph("结尾段落。")
    buf = io.BytesIO()
    document.save(buf)
    return buf.getvalue()


# --- encodings ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("encoding", "text_fn", "expected_codec"),
    [
        ("utf-8", lambda: SHORT_SIMPLIFIED, "utf-8"),
        ("utf-8", _long_simplified, "utf-8"),
        ("gbk", lambda: SHORT_SIMPLIFIED, "gb18030"),
        ("gbk", _long_simplified, "gb18030"),
        ("gbk", lambda: SHORT_TRADITIONAL, "gb18030"),
        ("big5", lambda: SHORT_TRADITIONAL, "cp950"),
        ("big5", _long_traditional, "cp950"),
        ("big5", lambda: _big5_only(OpenCC("s2t").convert(_long_simplified()[:300])), "cp950"),
        ("utf-16", lambda: SHORT_SIMPLIFIED, "utf-16"),
    ],
)
def test_text_encodings_decode_exactly(tmp_path: Path, encoding: str, text_fn, expected_codec: str) -> None:
    text = text_fn()
    path = tmp_path / "doc.txt"
    path.write_bytes(text.encode(encoding))
    doc = load_file(path)
    assert doc.text == text
    assert doc.encoding == expected_codec
    assert doc.kind == "txt"


@pytest.mark.parametrize("sample", ["广西壮族自治区人工智能", "東盟國家人工智慧合作", "我們在這裡等你回來吧"])
def test_short_gbk_and_big5_are_told_apart(tmp_path: Path, sample: str) -> None:
    for encoding in ("gbk", "big5"):
        try:
            data = sample.encode(encoding)
        except UnicodeEncodeError:
            continue
        path = tmp_path / f"{encoding}.txt"
        path.write_bytes(data)
        assert load_file(path).text == sample, encoding


def test_utf8_bom_is_stripped_and_document_fields(tmp_path: Path) -> None:
    data = b"\xef\xbb\xbf" + "\n\n  标题行  \r\n正文内容在这里。\r\n".encode()
    path = tmp_path / "bom.txt"
    path.write_bytes(data)
    doc = load_file(path)
    assert doc.text == "\n\n  标题行  \n正文内容在这里。\n"
    assert doc.title == "标题行"
    assert doc.encoding == "utf-8-sig"
    assert doc.doc_id == hashlib.sha256(data).hexdigest()[:16]
    assert doc.source == str(path)


def test_title_is_capped_at_80_chars(tmp_path: Path) -> None:
    path = tmp_path / "long.txt"
    path.write_text("长" * 200 + "\n正文。", encoding="utf-8")
    assert load_file(path).title == "长" * 80


# --- formats -----------------------------------------------------------------


def test_html_meta_charset_gbk_visible_text_only(tmp_path: Path) -> None:
    html = (
        '<html><head><meta http-equiv="Content-Type" content="text/html; charset=gbk">'
        "<title>广西新闻</title><style>p {color: red}</style></head><body>"
        "<nav>首页 | 新闻</nav><header>网站标题</header>"
        "<h1>人工智能大会</h1><p>第一段<b>加粗</b>\n  内容。</p><p>第二段内容。</p>"
        "<script>var x = '脚本内容';</script>"
        "<ul><li>条目一</li><li>条目二</li></ul>"
        "<table><tr><td>年份</td><td>规模</td></tr><tr><td>2023</td><td>5784亿元</td></tr></table>"
        '<p hidden>隐藏段落</p><!-- 注释 --><aside>侧栏广告</aside><footer>版权所有</footer></body></html>'
    )
    path = tmp_path / "page.html"
    path.write_bytes(html.encode("gbk"))
    doc = load_file(path)
    assert doc.encoding == "gb18030"
    assert doc.title == "广西新闻"
    assert doc.kind == "html"
    assert doc.text.split("\n") == [
        "人工智能大会", "第一段加粗内容。", "第二段内容。", "条目一", "条目二", "年份 | 规模", "2023 | 5784亿元",
    ]
    for hidden in ("脚本内容", "color", "首页", "网站标题", "隐藏段落", "注释", "侧栏广告", "版权所有"):
        assert hidden not in doc.text


def test_html_wrong_meta_charset_falls_back_to_utf8(tmp_path: Path) -> None:
    path = tmp_path / "page.htm"
    path.write_bytes('<meta charset="big5"><p>中文内容正确解码。</p>'.encode())
    doc = load_file(path)
    assert doc.text == "中文内容正确解码。" and doc.encoding == "utf-8" and doc.kind == "htm"


def test_markdown_is_kept_raw_with_heading_title(tmp_path: Path) -> None:
    text = "# 广西人工智能\n\n## 现状\n\n**产业**规模稳步增长。\n"
    path = tmp_path / "notes.md"
    path.write_text(text, encoding="utf-8")
    doc = load_file(path)
    assert doc.text == text and doc.title == "广西人工智能" and doc.kind == "md"


def test_pdf_pages_joined_and_metadata_title(tmp_path: Path) -> None:
    path = tmp_path / "report.pdf"
    path.write_bytes(pdf_bytes([["Hello PDF world", "Second line"], ["Page two text"]], title="Meta Title"))
    doc = load_file(path)
    assert doc.kind == "pdf" and doc.title == "Meta Title"
    assert "Hello PDF world" in doc.text and "Page two text" in doc.text
    assert "\n\n" in doc.text[doc.text.index("Second line") :]
    assert doc.text.index("Hello") < doc.text.index("Page two")


def test_pdf_without_metadata_title_uses_first_line(tmp_path: Path) -> None:
    path = tmp_path / "untitled.pdf"
    path.write_bytes(pdf_bytes([["First line here", "more"]]))
    assert load_file(path).title == "First line here"


def test_docx_paragraphs_tables_and_core_title(tmp_path: Path) -> None:
    path = tmp_path / "doc.docx"
    path.write_bytes(_docx_bytes())
    doc = load_file(path)
    assert doc.kind == "docx" and doc.title == "测试文档"
    assert doc.text.split("\n") == ["第一章 概述", "广西人工智能产业发展迅速。", "年份 | 规模", "2023 | 5784亿元", "结尾段落。"]


# --- failures ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "data", "reason"),
    [
        ("empty.txt", b"", "empty file"),
        ("blank.md", b" \n\t\n  ", "empty file"),
        ("binary.txt", bytes([0, 159, 146, 150, 0, 1, 2, 255]) * 50, "binary file"),
        ("corrupt.pdf", b"%PDF-1.4\nthis is not really a pdf\n%%EOF", "unreadable PDF"),
        ("scan.pdf", _blank_pdf(), "no extractable text (scanned?)"),
        ("locked.pdf", _blank_pdf(password="secret"), "encrypted PDF"),
        ("broken.docx", b"PK\x03\x04 definitely not a zip archive", "corrupt"),
        ("data.xyz", b"some text", "unsupported file type '.xyz'"),
    ],
)
def test_bad_files_raise_with_reason(tmp_path: Path, name: str, data: bytes, reason: str) -> None:
    path = tmp_path / name
    path.write_bytes(data)
    with pytest.raises(IngestError, match=re.escape(reason)):
        load_file(path)


def test_random_bytes_without_nul_are_not_text(tmp_path: Path) -> None:
    rng = random.Random(7)
    data = bytes(rng.choice(range(1, 256)) for _ in range(4000))
    path = tmp_path / "noise.txt"
    path.write_bytes(data)
    with pytest.raises(IngestError, match="binary|encoding"):
        load_file(path)


def test_permission_error_is_an_ingest_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "secret.txt"
    path.write_text("内容", encoding="utf-8")

    def deny(self: Path) -> bytes:
        raise PermissionError(13, "Permission denied")

    # Tests may run as root, where chmod 000 does not stop reads.
    monkeypatch.setattr(Path, "read_bytes", deny)
    with pytest.raises(IngestError, match="permission denied"):
        load_file(path)


# --- discovery and batch loading -----------------------------------------------


def test_discover_recurses_sorted_skips_hidden_and_unsupported(tmp_path: Path) -> None:
    (tmp_path / "b").mkdir()
    (tmp_path / ".git").mkdir()
    for rel in ("b/z.txt", "b/a.md", "a.pdf", "c.xyz", ".hidden.txt", ".git/x.txt", "b/Upper.TXT"):
        (tmp_path / rel).write_text("x", encoding="utf-8")
    found = [p.relative_to(tmp_path).as_posix() for p in discover([tmp_path])]
    assert found == ["a.pdf", "b/Upper.TXT", "b/a.md", "b/z.txt"]
    # An explicitly named file is kept whatever its type, once.
    explicit = discover([tmp_path / "c.xyz", tmp_path / "c.xyz"])
    assert explicit == [tmp_path / "c.xyz"]


def test_discover_missing_path_is_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="does not exist"):
        discover([tmp_path / "nope"])


def test_load_paths_loads_good_files_and_skips_bad_ones(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    good = tmp_path / "good"
    good.mkdir()
    (good / "utf8.txt").write_text("UTF-8 文本内容，足够长的一句话。", encoding="utf-8")
    (good / "gbk.txt").write_bytes("GBK 编码的中文文本内容。".encode("gbk"))
    (good / "big5.txt").write_bytes("Big5 編碼的繁體中文內容。".encode("big5"))
    (good / "page.html").write_bytes('<meta charset="gbk"><p>网页正文。</p>'.encode("gbk"))
    (good / "notes.md").write_text("# 标题\n\n正文。\n", encoding="utf-8")
    (good / "doc.pdf").write_bytes(pdf_bytes([["Hello PDF world"]]))
    (good / "doc.docx").write_bytes(_docx_bytes())
    (good / "utf8_copy.txt").write_text("UTF-8 文本内容，足够长的一句话。", encoding="utf-8")
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "empty.txt").write_bytes(b"")
    (bad / "binary.txt").write_bytes(bytes(range(256)) * 4)
    (bad / "corrupt.pdf").write_bytes(b"%PDF-1.4 garbage")
    (bad / "ignored.xyz").write_text("not picked up from a folder", encoding="utf-8")
    explicit = tmp_path / "named.xyz"
    explicit.write_text("named explicitly", encoding="utf-8")

    with caplog.at_level(logging.WARNING, logger="assistant.ingest.load"):
        result = load_paths([good, bad, explicit], progress=False)

    assert isinstance(result, LoadResult)
    texts = {Path(d.source).name: d.text for d in result.documents}
    assert set(texts) == {"big5.txt", "doc.docx", "doc.pdf", "gbk.txt", "notes.md", "page.html", "utf8.txt"}
    assert texts["gbk.txt"] == "GBK 编码的中文文本内容。"
    assert texts["big5.txt"] == "Big5 編碼的繁體中文內容。"
    assert texts["page.html"] == "网页正文。"
    assert "Hello PDF world" in texts["doc.pdf"]
    reasons = {Path(s.source).name: s.reason for s in result.skipped}
    assert set(reasons) == {"utf8_copy.txt", "empty.txt", "binary.txt", "corrupt.pdf", "named.xyz"}
    assert reasons["utf8_copy.txt"] == f"duplicate of {good / 'utf8.txt'}"
    assert "empty file" in reasons["empty.txt"]
    assert "binary file" in reasons["binary.txt"]
    assert "unreadable PDF" in reasons["corrupt.pdf"]
    assert "unsupported file type '.xyz'" in reasons["named.xyz"]
    assert all(isinstance(s, Skipped) for s in result.skipped)
    warned = " ".join(r.getMessage() for r in caplog.records if r.name == "assistant.ingest.load")
    for name in reasons:
        assert name in warned


def test_real_corpus_loads_without_skips() -> None:
    if not CORPUS.is_dir():
        pytest.skip("../shared/corpus is not beside the checkout")
    result = load_paths([str(CORPUS)], progress=False)  # plain strings are accepted too
    assert result.skipped == ()
    assert len(result.documents) == 5
    for doc in result.documents:
        assert doc.encoding == "utf-8" and doc.kind == "txt"
        assert doc.text == Path(doc.source).read_text(encoding="utf-8")
        assert 0 < len(doc.title) <= 80 and doc.title in doc.text
    assert len({d.doc_id for d in result.documents}) == 5


def test_supported_extensions() -> None:
    assert {".txt", ".md", ".html", ".htm", ".pdf", ".docx"} == SUPPORTED
