"""Text extraction, one extractor per file type, chosen by extension from ``EXTRACTORS``.

An extractor turns a file's bytes into an ``Extracted`` (text, title, encoding)
or raises ``IngestError`` with a reason a person can act on. To support a new
format, write one function here and add it to ``EXTRACTORS``: discovery,
uploads and the chat UI's file picker all read the list from there.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import NamedTuple

from ..errors import IngestError
from ..settings import Settings
from .decode import check_text, decode_text

TITLE_MAX = 80
MB = 1024 * 1024
# Zip members are inflated in pieces of this size while counting their real bytes.
_INFLATE_PIECE = MB


@dataclass(frozen=True)
class Limits:
    """Per-file bounds on loading, from ``Settings`` (``max_file_mb`` and friends).

    Extractors enforce ``unzipped_bytes`` themselves; the loader checks the file
    size and the worker process (``isolate``) the time and memory.
    """

    file_bytes: int
    unzipped_bytes: int
    seconds: float
    memory_bytes: int

    @classmethod
    def from_settings(cls, settings: Settings) -> Limits:
        """The limits named in ``settings``."""
        return cls(int(settings.max_file_mb * MB), int(settings.max_unzipped_mb * MB),
                   settings.max_file_seconds, int(settings.max_file_memory_mb * MB))


class Extracted(NamedTuple):
    """What an extractor returns: the text, its title ('' for none) and the codec used."""

    text: str
    title: str
    encoding: str


_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.IGNORECASE)
_DROP_TAGS = ("script", "style", "nav", "footer", "header", "aside", "noscript", "template",
              "iframe", "svg", "head")
# A source line break between two Chinese characters renders as nothing (CSS
# segment-break rules), not as the space it would be between English words.
_BREAK_MARK = "\x1f"  # stands for a source line break until we know its neighbours
_CJK_BREAK = re.compile(rf"(?<=[\u4e00-\u9fff，。、；：！？”）]) *{_BREAK_MARK}[ {_BREAK_MARK}]*(?=[\u4e00-\u9fff“（])")
_BLOCK_TAGS = frozenset({
    "p", "div", "section", "article", "main", "h1", "h2", "h3", "h4", "h5", "h6", "li", "ul",
    "ol", "tr", "table", "thead", "tbody", "tfoot", "blockquote", "pre", "dl", "dt", "dd",
    "figure", "figcaption", "form", "hr", "address", "caption", "body", "details", "summary",
})


def first_line(text: str) -> str:
    """The first non-blank line of ``text``, cut to ``TITLE_MAX`` characters."""
    line = next((ln.strip() for ln in text.splitlines() if ln.strip()), "")
    return line[:TITLE_MAX]


def _html_text(html: str) -> tuple[str, str]:
    """Visible text of an HTML page, one block per line, and its <title>."""
    from bs4 import BeautifulSoup, Comment, NavigableString, PageElement, Tag

    soup = BeautifulSoup(html, "lxml")
    title = soup.title.get_text(" ", strip=True) if soup.title else ""
    for tag in soup.find_all(_DROP_TAGS):
        tag.decompose()
    for tag in soup.find_all(hidden=True):
        tag.decompose()
    out: list[str] = []
    # Depth-first with an explicit stack: pages nest thousands of tags deep
    # (broken generators, hostile files), far past Python's recursion limit.
    # Each entry: the node's remaining children, inside <pre>, text to add after it.
    stack: list[tuple[Iterator[PageElement], bool, str]] = [(iter(soup.children), False, "")]
    while stack:
        children, pre, after = stack[-1]
        child = next(children, None)
        if child is None:
            stack.pop()
            out.append(after)
        elif isinstance(child, Comment):
            continue
        elif isinstance(child, NavigableString):
            # Only real text nodes; Doctype/CData are NavigableString subclasses.
            if type(child) is NavigableString:
                text = str(child)
                if not pre:
                    text = re.sub(r"\s+", lambda m: _BREAK_MARK if "\n" in m.group() else " ", text)
                out.append(text)
        elif isinstance(child, Tag):
            if child.name == "br":
                out.append("\n")
                continue
            if child.name in ("td", "th"):
                out.append(" | ")  # cell separator; never a tab, which reads as a TOC
            block = "\n" if child.name in _BLOCK_TAGS else ""
            out.append(block)
            stack.append((iter(child.children), pre or child.name == "pre", block))
    joined = _CJK_BREAK.sub("", "".join(out)).replace(_BREAK_MARK, " ")
    lines = (re.sub(r" {2,}", " ", ln).strip(" |") for ln in joined.split("\n"))
    return "\n".join(ln for ln in lines if ln), title


def _pdf_text(data: bytes) -> tuple[str, str]:
    from pypdf import PdfReader

    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            try:
                # Many PDFs are "encrypted" with an empty user password only.
                opened = reader.decrypt("")
            except Exception as exc:  # pypdf raises several types for unsupported crypto
                raise IngestError(f"encrypted PDF that cannot be opened ({exc})") from exc
            if not opened:
                raise IngestError("encrypted PDF (password required)")
        if len(reader.pages) == 0:
            raise IngestError("unreadable PDF (no pages found)")
        pages = [page.extract_text() or "" for page in reader.pages]
        meta_title = reader.metadata.title if reader.metadata else None
    except IngestError:
        raise
    except Exception as exc:  # pypdf signals damage with many exception types
        raise IngestError(f"unreadable PDF ({type(exc).__name__}: {exc})") from exc
    text = "\n\n".join(p.strip("\n") for p in pages)
    if not text.strip():
        raise IngestError("no extractable text (scanned?)")
    title = meta_title.strip() if isinstance(meta_title, str) else ""
    return text, title


def _too_big(size: int, limit: int, at_least: str = "") -> IngestError:
    return IngestError(f"DOCX expands to {at_least}{size / MB:.0f} MB when unzipped, over the "
                       f"max_unzipped_mb limit of {limit / MB:g} MB (a zip bomb?); raise "
                       f"max_unzipped_mb to index it if you trust the file")


def check_unzipped_size(data: bytes, limit: int) -> None:
    """Refuse a zip that expands to more than ``limit`` bytes, with an ``IngestError``.

    First by the sizes its directory declares, then by inflating every member and
    counting the real bytes (a crafted zip can declare small sizes), so no more than
    ``limit`` bytes are ever inflated, and those one piece at a time.
    """
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        members = archive.infolist()
        declared = sum(info.file_size for info in members)
        if declared > limit:
            raise _too_big(declared, limit)
        inflated = 0
        for info in members:
            with archive.open(info) as member:
                while piece := member.read(_INFLATE_PIECE):
                    inflated += len(piece)
                    if inflated > limit:
                        raise _too_big(inflated, limit, "at least ")


def _docx_text(data: bytes, unzipped_limit: int) -> tuple[str, str]:
    import docx
    from docx.table import Table

    try:
        check_unzipped_size(data, unzipped_limit)
        document = docx.Document(io.BytesIO(data))
        lines: list[str] = []
        for block in document.iter_inner_content():
            if isinstance(block, Table):
                for row in block.rows:
                    cells: list[str] = []
                    for cell in row.cells:
                        # Merged cells repeat the same text once per grid column.
                        if not cells or cell.text != cells[-1]:
                            cells.append(cell.text)
                    lines.append(" | ".join(c.strip() for c in cells))
            else:
                lines.append(block.text)
        title = document.core_properties.title or ""
    except IngestError:
        raise
    except Exception as exc:  # zip, XML and package errors all mean "damaged"
        raise IngestError(f"corrupt or not a real .docx file ({type(exc).__name__})") from exc
    text = "\n".join(lines)
    if not text.strip():
        raise IngestError("empty document (no text)")
    return text, title.strip()


def _decoded(data: bytes, declared: str | None = None) -> tuple[str, str]:
    """Decoded text with one newline convention (offsets into ``Document.text``
    must be unambiguous), and the codec."""
    raw, encoding = decode_text(data, declared)
    check_text(raw)
    return raw.replace("\r\n", "\n").replace("\r", "\n"), encoding


def extract_txt(data: bytes, limits: Limits) -> Extracted:
    """Plain text, kept as it is."""
    text, encoding = _decoded(data)
    return Extracted(text, "", encoding)


def extract_md(data: bytes, limits: Limits) -> Extracted:
    """Markdown, kept raw; its first line (without ``#``) is the title."""
    text, encoding = _decoded(data)
    return Extracted(text, first_line(text).lstrip("#").strip(), encoding)


def extract_html(data: bytes, limits: Limits) -> Extracted:
    """The visible text of an HTML page, in its declared charset when that fits."""
    declared = None
    if m := _META_CHARSET.search(data[:4096]):
        declared = m.group(1).decode("ascii", "replace")
    raw, encoding = _decoded(data, declared)
    text, title = _html_text(raw)
    if not text.strip():
        raise IngestError("HTML page has no visible text")
    return Extracted(text, title, encoding)


def extract_pdf(data: bytes, limits: Limits) -> Extracted:
    """The text layer of a PDF (pypdf), pages separated by a blank line."""
    return Extracted(*_pdf_text(data), "utf-8")


def extract_docx(data: bytes, limits: Limits) -> Extracted:
    """Paragraphs and tables of a DOCX, in document order."""
    return Extracted(*_docx_text(data, limits.unzipped_bytes), "utf-8")


# Every extractor takes the file's bytes and the limits (most ignore them).
Extractor = Callable[[bytes, Limits], Extracted]

# The supported file types: extension → extractor. The one list of formats.
EXTRACTORS: dict[str, Extractor] = {
    ".txt": extract_txt,
    ".md": extract_md,
    ".html": extract_html,
    ".htm": extract_html,
    ".pdf": extract_pdf,
    ".docx": extract_docx,
}
SUPPORTED: frozenset[str] = frozenset(EXTRACTORS)
