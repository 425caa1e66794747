"""Loading files into ``Document``s: discovery, decoding and text extraction.

Supported: plain text and Markdown (kept raw), HTML (visible text), PDF (pypdf)
and DOCX (python-docx). Every problem with a single file becomes an
``IngestError`` with a reason a person can act on; ``load_paths`` records it as
``Skipped`` and carries on with the other files.
"""

from __future__ import annotations

import codecs
import hashlib
import io
import logging
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from tqdm import tqdm

from ..errors import IngestError, InputError
from ..types import Document
from .normalize import convert

logger = logging.getLogger(__name__)

SUPPORTED: frozenset[str] = frozenset({".txt", ".md", ".html", ".htm", ".pdf", ".docx"})
TITLE_MAX = 80


@dataclass(frozen=True)
class Skipped:
    """A file that was not loaded, and why."""

    source: str
    reason: str


@dataclass(frozen=True)
class LoadResult:
    """Documents loaded by ``load_paths`` and the files it skipped."""

    documents: tuple[Document, ...]
    skipped: tuple[Skipped, ...]


# --- Encoding detection -----------------------------------------------------

# The most frequent simplified characters of modern Chinese (traditional forms are
# added at run time). Decoding Big5 bytes as GBK, or GBK as Big5, mostly yields
# rare characters, kana, symbols and private-use code points instead.
_COMMON_SIMPLIFIED = (
    "的一是不了在人有我他这个们中来上大为和国地到以说时要就出会可也你对生能而子那得于着下自之"
    "年过发后作里用道行所然家种事成方多经么去法学如都同现当没动面起看定天分还进好小部其些主样理"
    "心她本前开但因只从想实日军者意无力它与长把机十民第公此已工使情明性知全三又关点正业外将两高"
    "间由问很最重并物手应战向头文体政美相见被利什二等产或新己制身果加西斯月话合回特代内信表化老"
    "给世位次度门任常先海通教儿原东声提立及比员解水名真论处走义各入几口认条平系气题活尔更别打女"
    "变四神总何电数安少报才结反受目太量再感建务做接必场件计管期市直德资命山金指克许统区保至队形"
    "社便空决治展马科司五基眼书非则听白却界达光放强即像难且权思王象完设式色路记南品住告类求据程"
    "北边死张该交规万取拉格望觉术领共确传师观清今切院让识候带导争运笑飞风步改收根干造言联持组每"
    "济车亲极林服快办议往元英士证近失转夫令准布始怎呢存未远叫台单影具罗字爱击流备兵连调深商算质"
    "团集百需价花党华城石级整府离况亚请技际约示复病息究线似官火断精满支视消越器容照须九增研写称"
    "企八功吗包片史委乎查轻易早曾除农找装广显吧阿李标谈吃图念六引历首医局突专费号尽另周较注语仅"
    "考落青随选列武红响虽推势参希古众构房半节土投某案黑维革划敌致陈律足态护七兴派孩验责营星够章"
    "音跟志底站严巴例防族供效续施留讲型料终答紧黄绝奇察母京段依批群项故按河米围江织害斗双境客纪"
    "采举杀攻父苏密低朝友诉止细愿千值仍男钱破网热助倒育属坐帝限船脸职速刻乐否刚威毛状率甚独球般"
    "普怕弹校苦创假久错承印晚兰试股拿脑预谁益阳若哪微尼继送急血惊伤素药适波夜省初喜卫源食险待述"
    "陆习置居劳财环排福纳欢雷警获模充负云停木游龙树疑层冷洲冲射略范竟句室异激汉村哈策演简卡罪判"
)


@cache
def _common_chars() -> frozenset[str]:
    try:
        traditional = convert(_COMMON_SIMPLIFIED, "s2t")
    except Exception:  # a broken converter must not make GBK files unreadable
        logger.debug("opencc unavailable; scoring with simplified characters only")
        traditional = ""
    return frozenset(_COMMON_SIMPLIFIED + traditional)


def _is_odd(ch: str) -> bool:
    """Characters that real Chinese text rarely contains but mis-decodings produce."""
    o = ord(ch)
    return (
        0xE000 <= o <= 0xF8FF  # private use
        or 0x3400 <= o <= 0x4DBF  # CJK extension A
        or 0xF900 <= o <= 0xFAFF  # compatibility ideographs
        or 0x3040 <= o <= 0x30FF  # kana
        or 0x0370 <= o <= 0x04FF  # Greek, Cyrillic
        or 0x2500 <= o <= 0x257F  # box drawing (real text's ①, ■ and ★ are fine)
        or 0xFF61 <= o <= 0xFF9F  # half-width katakana
        or o == 0xFFFD
        or (o < 0x20 and ch not in "\t\n\r\f")
    )


def cjk_score(text: str) -> float:
    """Plausibility of ``text`` as Chinese: share of common characters minus odd ones."""
    common = _common_chars()
    han = sum(1 for c in text if "\u4e00" <= c <= "\u9fff")
    odd = sum(1 for c in text if _is_odd(c))
    hits = sum(1 for c in text if c in common)
    return (hits - 3 * odd) / max(1, han + odd)


_CANONICAL = {"gb2312": "gb18030", "gbk": "gb18030", "big5": "cp950"}


def _codec(name: str) -> str | None:
    """Python codec for a declared charset, widened to its usual superset."""
    try:
        canonical = codecs.lookup(name).name
    except LookupError:
        return None
    return _CANONICAL.get(canonical, canonical)


def _try(data: bytes, codec: str) -> str | None:
    try:
        return data.decode(codec)
    except (UnicodeDecodeError, LookupError):
        return None


def decode_text(data: bytes, declared: str | None = None) -> tuple[str, str]:
    """Decode bytes of a text format; returns ``(text, codec)`` or raises ``IngestError``.

    Order: a BOM, strict UTF-8, a declared charset (HTML meta), then GB18030 vs Big5
    by ``cjk_score``, then charset-normalizer for anything else.
    """
    for bom, codec in ((codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"),
                       (codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"),
                       (codecs.BOM_UTF16_BE, "utf-16")):
        if data.startswith(bom):
            text = _try(data, codec)
            if text is None:
                raise IngestError(f"not valid {codec} text despite its byte-order mark")
            return text, codec
    if b"\x00" in data:
        raise IngestError("binary file (contains NUL bytes), not text")
    text = _try(data, "utf-8")
    if text is not None:
        return text, "utf-8"
    if declared and (declared_codec := _codec(declared)) is not None:
        text = _try(data, declared_codec)
        if text is not None:
            return text, declared_codec
        logger.info("declared charset %s does not fit the bytes; detecting", declared)
    candidates = [(cjk_score(t), c, t) for c in ("gb18030", "cp950") if (t := _try(data, c)) is not None]
    if candidates:
        score, codec, text = max(candidates)
        # Below this, the "Chinese" is mostly noise: probably a Western code page.
        if score >= 0.2:
            return text, codec
    from charset_normalizer import from_bytes  # heavy import, rarely needed

    best = from_bytes(data).best()
    if best is None:
        raise IngestError("unknown text encoding (or not a text file)")
    return str(best), best.encoding


def _check_text(text: str) -> None:
    controls = sum(1 for c in text if ord(c) < 0x20 and c not in "\t\n\r\f")
    if controls > max(2, len(text) // 100):
        raise IngestError("binary file (control characters), not text")
    if not text.strip():
        raise IngestError("empty file (only whitespace)")


# --- Formats -----------------------------------------------------------------

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


def _first_line(text: str) -> str:
    line = next((ln.strip() for ln in text.splitlines() if ln.strip()), "")
    return line[:TITLE_MAX]


def _html_text(html: str) -> tuple[str, str]:
    """Visible text of an HTML page, one block per line, and its <title>."""
    from bs4 import BeautifulSoup, Comment, NavigableString, Tag

    soup = BeautifulSoup(html, "lxml")
    title = soup.title.get_text(" ", strip=True) if soup.title else ""
    for tag in soup.find_all(_DROP_TAGS):
        tag.decompose()
    for tag in soup.find_all(hidden=True):
        tag.decompose()
    out: list[str] = []

    def walk(node: Tag, pre: bool) -> None:
        for child in node.children:
            if isinstance(child, Comment):
                continue
            if isinstance(child, NavigableString):
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
                block = child.name in _BLOCK_TAGS
                out.append("\n" if block else "")
                walk(child, pre or child.name == "pre")
                out.append("\n" if block else "")

    walk(soup, False)
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


def _docx_text(data: bytes) -> tuple[str, str]:
    import docx
    from docx.table import Table

    try:
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
    except Exception as exc:  # zip, XML and package errors all mean "damaged"
        raise IngestError(f"corrupt or not a real .docx file ({type(exc).__name__})") from exc
    text = "\n".join(lines)
    if not text.strip():
        raise IngestError("empty document (no text)")
    return text, title.strip()


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except PermissionError as exc:
        raise IngestError("permission denied") from exc
    except IsADirectoryError as exc:
        raise IngestError("is a directory, not a file") from exc
    except FileNotFoundError as exc:
        raise IngestError("file not found") from exc
    except OSError as exc:
        raise IngestError(f"cannot read file ({exc.strerror or exc})") from exc


def load_file(path: Path) -> Document:
    """Read one file into a ``Document``; raises ``IngestError`` saying why it can't."""
    ext = path.suffix.lower()
    if ext not in SUPPORTED:
        raise IngestError(f"unsupported file type {ext or '(no extension)'!r}; "
                          f"supported: {', '.join(sorted(SUPPORTED))}")
    data = _read(path)
    if not data:
        raise IngestError("empty file (0 bytes)")
    encoding = "utf-8"
    if ext == ".pdf":
        text, title = _pdf_text(data)
    elif ext == ".docx":
        text, title = _docx_text(data)
    else:
        declared = None
        if ext in (".html", ".htm") and (m := _META_CHARSET.search(data[:4096])):
            declared = m.group(1).decode("ascii", "replace")
        raw, encoding = decode_text(data, declared)
        _check_text(raw)
        # One newline convention, so offsets into Document.text are unambiguous.
        raw = raw.replace("\r\n", "\n").replace("\r", "\n")
        if ext in (".html", ".htm"):
            text, title = _html_text(raw)
            if not text.strip():
                raise IngestError("HTML page has no visible text")
        else:
            text, title = raw, ""
            if ext == ".md":
                title = _first_line(text).lstrip("#").strip()
    return Document(
        doc_id=hashlib.sha256(data).hexdigest()[:16],
        source=str(path),
        text=text,
        title=(title or _first_line(text))[:TITLE_MAX],
        encoding=encoding,
        kind=ext[1:],
    )


# --- Discovery and batch loading ---------------------------------------------


def _walk(folder: Path) -> list[Path]:
    found: list[Path] = []
    for root, dirs, files in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(files):
            if not name.startswith(".") and Path(name).suffix.lower() in SUPPORTED:
                found.append(Path(root) / name)
    return found


def discover(paths: Sequence[Path | str]) -> list[Path]:
    """Expand folders (recursively, sorted, hidden entries skipped) to supported files.

    Files named explicitly are kept whatever their extension, so ``load_paths`` can
    report an unsupported one instead of silently ignoring it. A path that does not
    exist raises ``InputError``.
    """
    result: list[Path] = []
    seen: set[Path] = set()
    for given in paths:
        path = Path(given)
        if not path.exists():
            raise InputError(f"path does not exist: {path}")
        for found in _walk(path) if path.is_dir() else [path]:
            key = found.resolve()
            if key not in seen:
                seen.add(key)
                result.append(found)
    return result


def load_paths(paths: Sequence[Path | str], progress: bool = True) -> LoadResult:
    """Load every file under ``paths``; failures and duplicates become ``Skipped``."""
    documents: list[Document] = []
    skipped: list[Skipped] = []
    by_id: dict[str, str] = {}
    for path in tqdm(discover(paths), desc="Loading", unit="file", disable=not progress):
        try:
            doc = load_file(path)
        except IngestError as exc:
            logger.warning("Skipping %s: %s", path, exc)
            skipped.append(Skipped(str(path), str(exc)))
            continue
        if doc.doc_id in by_id:
            reason = f"duplicate of {by_id[doc.doc_id]}"
            logger.warning("Skipping %s: %s", path, reason)
            skipped.append(Skipped(str(path), reason))
            continue
        by_id[doc.doc_id] = doc.source
        documents.append(doc)
    return LoadResult(tuple(documents), tuple(skipped))
