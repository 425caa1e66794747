"""Hostile and broken files of every supported type, made by code (no blobs in git).

Used by ``tests/test_fuzz_loaders.py`` (explicit cases and hypothesis seeds) and
``eval/fuzz_loaders.py`` (the long fuzz run). Everything is deterministic:
``corpus()`` builds the same named files every time, ``mutate`` derives a broken
variant of a valid file from a seeded ``random.Random``.
"""

from __future__ import annotations

import io
import random
import struct
import zipfile
import zlib
from collections.abc import Callable
from functools import cache

import docx
from pypdf import PdfReader, PdfWriter

MB = 1024 * 1024
# One million characters: the "1 MB single line" of the issue.
LONG_LINE = 1_000_000
# The member a DOCX bomb inflates: the body python-docx parses.
BOMB_MEMBER = "word/document.xml"
# A DOCX bomb repeats this paragraph (deflate packs it ~400:1).
_PARAGRAPH = b"<w:p><w:r><w:t>" + b"A" * 1000 + b"</w:t></w:r></w:p>"
_BLOCK = 1000  # paragraphs written at a time

SAMPLE_ZH = "今年2月，广西设立了规模为100亿元的人工智能产业基金。基金重点投向算力、模型与应用。"
SAMPLE_EN = "The fund invests in compute, models and applications. It was set up in February."


# --- PDF ---------------------------------------------------------------------------


def _pdf_file(objects: list[bytes], root: int = 1, trailer_extra: bytes = b"") -> bytes:
    """A PDF of ``objects`` (numbered from 1) with a correct cross-reference table."""
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % off for off in offsets)
    out += b"trailer\n<< /Size %d /Root %d 0 R %s>>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1, root, trailer_extra, xref)
    return bytes(out)


def _stream(content: bytes, compress: bool = False) -> bytes:
    if compress:
        packed = zlib.compress(content, 9)
        return b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(packed) + packed + b"\nendstream"
    return b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream"


def _escape(line: str) -> bytes:
    return line.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)").encode("latin-1")


def pdf(pages: list[list[str]], compress: bool = False) -> bytes:
    """A valid PDF with Helvetica (Latin-1) text lines on each page."""
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>", b"",
               b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"]
    kids = []
    for lines in pages:
        ops = b" ".join(b"(" + _escape(ln) + b") Tj T*" for ln in lines)
        objects.append(_stream(b"BT /F1 12 Tf 14 TL 72 720 Td " + ops + b" ET", compress))
        objects.append(b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
                       b"/Resources << /Font << /F1 3 0 R >> >> /Contents %d 0 R >>" % len(objects))
        kids.append(b"%d 0 R" % len(objects))
    objects[1] = b"<< /Type /Pages /Kids [" + b" ".join(kids) + b"] /Count %d >>" % len(kids)
    return _pdf_file(objects)


def pdf_flate_bomb(expanded_mb: int) -> bytes:
    """One page whose compressed content stream inflates to ``expanded_mb`` MB of
    text operators (~4 KB per MB on disk). pypdf 7.1 refuses streams over 75 MB at
    once, but below that its text extraction grows faster than linearly (here
    1 MB: 5 s, 2 MB: 13 s, 4 MB: 38 s, 16 MB: minutes)."""
    unit = b"(" + b"A" * 60 + b") Tj T* "
    packer = zlib.compressobj(9)
    packed = [packer.compress(b"BT /F1 12 Tf 14 TL 72 720 Td ")]
    piece = unit * (MB // len(unit))
    packed += [packer.compress(piece) for _ in range(expanded_mb)]
    packed += [packer.compress(b"ET"), packer.flush()]
    stream = b"".join(packed)
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>",
               b"<< /Type /Pages /Kids [4 0 R] /Count 1 >>",
               b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
               b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
               b"/Resources << /Font << /F1 3 0 R >> >> /Contents 5 0 R >>",
               b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(stream) + stream
               + b"\nendstream"]
    return _pdf_file(objects)


def pdf_page_tree_loop() -> bytes:
    """A page tree whose /Kids contain the tree itself."""
    return _pdf_file([b"<< /Type /Catalog /Pages 2 0 R >>",
                      b"<< /Type /Pages /Kids [2 0 R 3 0 R] /Count 2 >>",
                      b"<< /Type /Pages /Parent 2 0 R /Kids [2 0 R] /Count 1 >>"])


def pdf_nested_arrays(depth: int) -> bytes:
    """A catalog holding an array nested ``depth`` levels deep."""
    nested = b"[" * depth + b"]" * depth
    return _pdf_file([b"<< /Type /Catalog /Pages 2 0 R /Deep " + nested + b" >>",
                      b"<< /Type /Pages /Kids [] /Count 0 >>"])


def pdf_xref_loop() -> bytes:
    """A valid one-page PDF whose trailer's /Prev points back at its own xref table."""
    data = pdf([[SAMPLE_EN]])
    xref = int(data.rsplit(b"startxref\n", 1)[1].split(b"\n", 1)[0])
    return data.replace(b"/Root 1 0 R ", b"/Root 1 0 R /Prev %d " % xref)


def encrypted_pdf(user_password: str) -> bytes:
    """A one-page text PDF encrypted with ``user_password`` ('' opens without asking)."""
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf([[SAMPLE_EN]]))))
    writer.encrypt(user_password=user_password, owner_password="owner-secret", algorithm="RC4-128")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


# --- DOCX ----------------------------------------------------------------------------


def docx_file(paragraphs: list[str]) -> bytes:
    """A valid DOCX with these paragraphs (python-docx)."""
    document = docx.Document()
    for text in paragraphs:
        document.add_paragraph(text)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def zip_bomb_docx(expanded_bytes: int) -> bytes:
    """A real DOCX whose body holds ``expanded_bytes`` (rounded up to whole paragraphs)
    of 1 KB paragraphs, so the XML python-docx parses is that big (lxml refuses one
    huge text node by itself, not many small ones); ~2.5 KB per MB on disk."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(docx_file([SAMPLE_ZH]))) as source, \
            zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            if info.filename != BOMB_MEMBER:
                target.writestr(info, source.read(info))
                continue
            head, tail = source.read(info).split(b"<w:sectPr", 1)
            with target.open(BOMB_MEMBER, "w") as member:
                member.write(head)
                count = -(-expanded_bytes // len(_PARAGRAPH))
                for _ in range(count // _BLOCK):
                    member.write(_PARAGRAPH * _BLOCK)
                member.write(_PARAGRAPH * (count % _BLOCK) + b"<w:sectPr" + tail)
    return out.getvalue()


def lying_zip_docx(expanded_bytes: int, declared: int = 100) -> bytes:
    """A DOCX-like zip whose directory says a member is ``declared`` bytes while its
    data inflates to ``expanded_bytes`` (the sizes in both headers are patched)."""
    data = bytearray(zip_bomb_docx(expanded_bytes))
    name = BOMB_MEMBER.encode()
    local = data.find(b"PK\x03\x04")
    while local != -1:
        name_len = struct.unpack_from("<H", data, local + 26)[0]
        if data[local + 30 : local + 30 + name_len] == name:
            struct.pack_into("<I", data, local + 22, declared)
        local = data.find(b"PK\x03\x04", local + 4)
    central = data.find(b"PK\x01\x02")
    while central != -1:
        name_len = struct.unpack_from("<H", data, central + 28)[0]
        if data[central + 46 : central + 46 + name_len] == name:
            struct.pack_into("<I", data, central + 24, declared)
        central = data.find(b"PK\x01\x02", central + 4)
    return bytes(data)


# --- HTML and text -----------------------------------------------------------------------


def nested_html(depth: int, tag: str = "div") -> bytes:
    """A page whose text sits ``depth`` tags deep."""
    return (f"<html><body>{f'<{tag}>' * depth}<p>{SAMPLE_ZH}</p>{f'</{tag}>' * depth}"
            f"</body></html>").encode()


def long_line(unit: str, chars: int = LONG_LINE) -> str:
    """``unit`` repeated to ``chars`` characters on one line."""
    return (unit * (chars // len(unit) + 1))[:chars]


# Single lines of 1M characters that stress one regular expression each: prose,
# a word without breaks, digits with commas, unclosed bold markers, TOC dots,
# pinyin-like parentheses, spaces between Han characters.
LONG_LINE_UNITS = ("今年广西设立了人工智能产业基金，", "a", "1,", "**a ", "目录....", "汉(ha)",
                   "汉 字 ", " ", "²", "http://x/", "(", "[1]")


def seeds() -> dict[str, bytes]:
    """One valid file per supported extension: the starting points of mutation."""
    return dict(_seeds())


@cache
def _seeds() -> dict[str, bytes]:
    html = (f"<html><head><meta charset='utf-8'><title>标题</title></head><body><h1>标题</h1>"
            f"<p>{SAMPLE_ZH}</p><table><tr><td>a</td><td>b</td></tr></table>"
            f"<pre>{SAMPLE_EN}</pre></body></html>")
    return {
        ".txt": f"{SAMPLE_ZH}\n{SAMPLE_EN}\n".encode(),
        ".md": f"# 标题\n\n{SAMPLE_ZH}\n\n- {SAMPLE_EN}\n".encode(),
        ".html": html.encode(),
        ".htm": html.encode("gb18030").replace(b"utf-8", b"gbk"),
        ".pdf": pdf([[SAMPLE_EN, "Second line."], ["Page two."]], compress=True),
        ".docx": docx_file([SAMPLE_ZH, SAMPLE_EN]),
    }


# --- Mutation ------------------------------------------------------------------------------


def _truncate(data: bytes, rng: random.Random) -> bytes:
    return data[: rng.randrange(len(data) + 1)]


def _flip(data: bytes, rng: random.Random) -> bytes:
    out = bytearray(data)
    for _ in range(rng.randint(1, 8)):
        if out:
            out[rng.randrange(len(out))] = rng.randrange(256)
    return bytes(out)


def _insert(data: bytes, rng: random.Random) -> bytes:
    at = rng.randrange(len(data) + 1)
    junk = rng.choice([b"\x00", b"\xff\xfe", b"\xef\xbb\xbf", b"<div>" * 50, b"endstream",
                       b"PK\x03\x04", "乱码".encode("gbk"), rng.randbytes(rng.randint(1, 64))])
    return data[:at] + junk + data[at:]


def _splice(data: bytes, rng: random.Random) -> bytes:
    other = rng.choice(list(_seeds().values()))
    return data[: rng.randrange(len(data) + 1)] + other[rng.randrange(len(other) + 1) :]


def _zip_member(data: bytes, rng: random.Random) -> bytes:
    """Corrupt one member of a zip (or truncate anything else) and re-pack it."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as source:
            members = [(info, source.read(info)) for info in source.infolist()]
    except (zipfile.BadZipFile, zlib.error, OSError, ValueError, EOFError, NotImplementedError,
            RuntimeError):
        return _truncate(data, rng)
    pick = rng.randrange(len(members)) if members else -1
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for i, (info, body) in enumerate(members):
            target.writestr(info, _flip(_truncate(body, rng), rng) if i == pick else body)
    return out.getvalue()


MUTATIONS: tuple[Callable[[bytes, random.Random], bytes], ...] = (
    _truncate, _flip, _insert, _splice, _zip_member)


def mutate(data: bytes, rng: random.Random) -> bytes:
    """A broken variant of ``data``: one to three random mutations."""
    for _ in range(rng.randint(1, 3)):
        data = rng.choice(MUTATIONS)(data, rng)
    return data


# --- The named corpus --------------------------------------------------------------------


# Over pypdf's 75 MB limit per stream (refused at once), and well under it
# (minutes of text extraction: only max_file_seconds stops it).
PDF_BOMB_MB = 100
SLOW_PDF_MB = 16


def corpus(bomb_bytes: int = 300 * MB, slow: bool = False) -> dict[str, bytes]:
    """Named hostile files (name with its extension → bytes); ``bomb_bytes`` sizes the
    zip bomb; ``slow`` adds files that take minutes unless a time limit stops them."""
    seed = seeds()
    files = {
        "nul_bytes.txt": SAMPLE_ZH.encode() + b"\x00" * 3 + SAMPLE_EN.encode(),
        "nul_utf16.txt": "\ufeff正文".encode("utf-16-le")[:-1],
        "mixed_utf8_gbk.txt": SAMPLE_ZH.encode() + SAMPLE_ZH.encode("gbk"),
        "bom_then_garbage.txt": b"\xef\xbb\xbf" + bytes(range(128, 256)),
        "utf16_odd_length.txt": b"\xff\xfe" + "正文".encode("utf-16-le") + b"\x00",
        "lone_surrogate.txt": b"text \xed\xa0\x80 more text",
        "controls_only.md": bytes(range(1, 32)) * 10,
        "bogus_charset.html": b"<meta charset='x-no-such-codec'><p>" + SAMPLE_ZH.encode("gbk") + b"</p>",
        "utf16_declared.html": b"<meta charset='utf-16'><p>" + SAMPLE_ZH.encode() + b"</p>",
        "unclosed_comment.html": b"<p>visible</p><!-- never closed " + b"x" * 10_000,
        "nested_2000.html": nested_html(2000),
        "nested_100000.html": nested_html(100_000),
        "nested_pre_5000.htm": nested_html(5000, "pre"),
        "pdf_as_docx.docx": seed[".pdf"],
        "docx_as_pdf.pdf": seed[".docx"],
        "html_as_txt.txt": seed[".html"],
        "docx_as_txt.txt": seed[".docx"],
        "not_a_zip.docx": b"PK\x03\x04" + b"\x00" * 100,
        "text_as_docx.docx": SAMPLE_EN.encode(),
        "truncated.docx": seed[".docx"][: len(seed[".docx"]) // 2],
        "zip_bomb.docx": zip_bomb_docx(bomb_bytes),
        "lying_zip.docx": lying_zip_docx(4 * MB),
        "encrypted.pdf": encrypted_pdf("secret"),
        "encrypted_empty_password.pdf": encrypted_pdf(""),
        "truncated.pdf": seed[".pdf"][: len(seed[".pdf"]) // 2],
        "header_only.pdf": b"%PDF-1.7\n",
        "page_tree_loop.pdf": pdf_page_tree_loop(),
        "nested_arrays.pdf": pdf_nested_arrays(100_000),
        "xref_loop.pdf": pdf_xref_loop(),
        "flate_bomb.pdf": pdf_flate_bomb(PDF_BOMB_MB),
    }
    if slow:
        files["slow_flate.pdf"] = pdf_flate_bomb(SLOW_PDF_MB)
    for i, unit in enumerate(LONG_LINE_UNITS):
        files[f"long_line_{i:02d}.txt"] = long_line(unit).encode()
    files["long_line.html"] = f"<p>{long_line(SAMPLE_ZH)}</p>".encode()
    files["long_line.md"] = long_line("**a ").encode()
    return files
