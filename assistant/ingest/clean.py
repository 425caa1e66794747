"""Cleaning of decoded document text, keeping a map back to the original offsets.

Citations must quote the *original* text, so cleaning never rewrites characters
freely: every pass only deletes characters or turns whitespace into a plain space
or newline. ``CleanedText.offsets`` records, for each kept character, where it
came from; kept non-whitespace characters are always identical to the original.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cache

logger = logging.getLogger(__name__)

Edit = tuple[int, int, str]  # (start, end, replacement) in the current text


@dataclass(frozen=True)
class CleanedText:
    """Cleaned text plus, per character, its index in the original text.

    ``len(offsets) == len(text) + 1``; the extra last entry is the original end of
    the last kept character (0 for an empty text), so spans map half-open.
    """

    text: str
    offsets: tuple[int, ...]

    def __post_init__(self) -> None:
        if len(self.offsets) != len(self.text) + 1:
            raise ValueError("offsets must have exactly len(text) + 1 entries")

    @classmethod
    def identity(cls, text: str) -> CleanedText:
        """Wrap ``text`` unchanged (every character maps to itself)."""
        return cls(text, tuple(range(len(text) + 1)))

    def to_original(self, start: int, end: int) -> tuple[int, int]:
        """Map the cleaned half-open span ``[start, end)`` to an original one."""
        if not 0 <= start <= end <= len(self.text):
            raise ValueError(f"span ({start}, {end}) outside cleaned text of length {len(self.text)}")
        if end == start:
            return self.offsets[start], self.offsets[start]
        return self.offsets[start], self.offsets[end - 1] + 1


def _apply(ct: CleanedText, edits: Iterable[Edit]) -> CleanedText:
    """Apply non-insertion edits; overlapping edits are clipped to what is left."""
    text, offs = ct.text, ct.offsets
    chars: list[str] = []
    new_offs: list[int] = []
    pos = 0
    for start, end, rep in sorted(edits):
        start = max(start, pos)
        if start >= end:
            continue
        chars.append(text[pos:start])
        new_offs.extend(offs[pos:start])
        chars.append(rep)
        # A same-length replacement keeps per-char origins; others all point at the start.
        new_offs.extend(offs[start:end] if len(rep) == end - start else [offs[start]] * len(rep))
        pos = end
    chars.append(text[pos:])
    new_offs.extend(offs[pos : len(text)])
    sentinel = new_offs[-1] + 1 if new_offs else 0
    return CleanedText("".join(chars), (*new_offs, sentinel))


def _delete(ct: CleanedText, pattern: re.Pattern[str]) -> CleanedText:
    """Delete every match of ``pattern``."""
    return _apply(ct, ((m.start(), m.end(), "") for m in pattern.finditer(ct.text)))


def _lines(text: str) -> list[tuple[int, int]]:
    """(start, end) of every line, newline excluded."""
    starts = [0, *(m.end() for m in re.finditer("\n", text))]
    ends = [*(s - 1 for s in starts[1:]), len(text)]
    return list(zip(starts, ends, strict=True))


def _drop_lines(ct: CleanedText, spans: list[tuple[int, int]], drop: Iterable[int]) -> CleanedText:
    """Delete the given lines together with their newline."""
    edits: list[Edit] = []
    for i in drop:
        s, e = spans[i]
        # The last line has no newline after it, so take the one before instead.
        edits.append((s, e + 1, "") if e < len(ct.text) else (max(s - 1, 0), e, ""))
    return _apply(ct, edits)


def _is_han(ch: str) -> bool:
    return "\u4e00" <= ch <= "\u9fff" or "\u3400" <= ch <= "\u4dbf" or ch == "〇"


_TERMINAL = set("。！？!?；;：:…」』）)】]》\"”’.")

# --- Rule 1: inline pinyin glosses -------------------------------------------
# Every standard Mandarin syllable as "initial:finals" (ü written as v, "-" = none).
_SYLLABLE_TABLE = """
-:a,ai,an,ang,ao,e,ei,en,eng,er,o,ou b,p,m:a,ai,an,ang,ao,ei,en,eng,i,ian,iao,ie,in,ing,o,u
p,m,f:ou m:e,iu f:a,an,ang,ei,en,eng,o,u w:a,ai,an,ang,ei,en,eng,o,u
d,t,n,l:a,ai,an,ang,ao,e,eng,i,ian,iao,ie,ing,ong,ou,u,uan,un,uo d,n,l:ei,iu d,t:ui d,n:en d,l:ia
n,l:iang,in,v,ve,ue l:o g,k,h,zh,sh:ei g,k,h,zh,ch:ong sh,zh,ch,r,z,c,s:i z:ei
g,k,h,zh,ch,sh:a,ai,an,ang,ao,e,en,eng,ou,u,ua,uai,uan,uang,ui,un,uo
j,q,x:i,ia,ian,iang,iao,ie,in,ing,iong,iu,u,uan,ue,un
r:an,ang,ao,e,en,eng,ong,ou,u,ua,uan,ui,un,uo z,c,s:a,ai,an,ang,ao,e,en,eng,ong,ou,u,uan,ui,un,uo
y:a,an,ang,ao,e,i,in,ing,o,ong,ou,u,uan,ue,un
"""
_TONED = "āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜńňǹḿ"
_GLOSS = re.compile(rf"[(（]([a-zü{_TONED}' ]{{2,60}})[)）]", re.IGNORECASE)


@cache
def _syllables() -> frozenset[str]:
    pairs = [group.split(":") for group in _SYLLABLE_TABLE.split()]
    return frozenset(i.strip("-") + f for inits, fins in pairs for i in inits.split(",") for f in fins.split(","))


def _plain_pinyin(word: str) -> str:
    """Lowercase ``word`` with tone marks removed and ü written as v."""
    decomposed = unicodedata.normalize("NFD", word.lower()).replace("u\u0308", "v")
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def is_pinyin(word: str) -> bool:
    """True when ``word`` (tone marks, spaces and apostrophes allowed) splits into syllables."""
    syllables = _syllables()
    for piece in re.split(r"[' ]+", _plain_pinyin(word)):
        if not piece.isascii() or not piece.isalpha():
            return False
        ok = [True] + [False] * len(piece)
        for i in range(1, len(piece) + 1):
            ok[i] = any(ok[j] and piece[j:i] in syllables for j in range(max(0, i - 6), i))
        if not ok[-1]:
            return False
    return True


def strip_pinyin_glosses(ct: CleanedText) -> CleanedText:
    """Remove parenthesised pinyin after Chinese words: ``人工智能(réngōngzhìnéng)``.

    A gloss must parse as pinyin syllables and either carry a tone mark, or be
    all-lowercase and directly follow a Han character (or another gloss, as in
    ``的(de)(de)``). Acronyms like ``(AI)`` and English phrases never qualify.
    """
    text, edits = ct.text, []
    last_end = -1
    for m in _GLOSS.finditer(text):
        body, start = m.group(1), m.start()
        # A space between the word and its gloss goes with the gloss.
        if start > 1 and text[start - 1] == " " and _is_han(text[start - 2]):
            start -= 1
        after_han = start > 0 and (_is_han(text[start - 1]) or start == last_end)
        toned = any(c in _TONED for c in body.lower())
        plain_ok = body.islower() and len(body.strip()) >= 2 and after_han
        if (toned or plain_ok) and body.strip() and is_pinyin(body.strip()):
            edits.append((start, m.end(), ""))
            last_end = m.end()
    return _apply(ct, edits)


def without_pinyin_glosses(text: str) -> str:
    """``text`` with its pinyin glosses removed (``strip_pinyin_glosses`` on a plain string)."""
    return strip_pinyin_glosses(CleanedText.identity(text)).text


# --- Rule 2: repeated lines ---------------------------------------------------


def drop_repeated_lines(ct: CleanedText, min_chars: int = 8) -> CleanedText:
    """Drop whole lines that already occurred earlier (scraped pages repeat articles).

    Only lines of ``min_chars`` or more are candidates, and a repeat must look like
    prose (20+ chars or ending in sentence punctuation) or repeat the line right
    before it: short labels such as a speaker's job title legitimately recur.
    """
    spans = _lines(ct.text)
    seen: set[str] = set()
    drop: list[int] = []
    previous = ""
    for i, (s, e) in enumerate(spans):
        norm = " ".join(ct.text[s:e].split())
        if not norm:
            continue
        prose = len(norm) >= 20 or norm[-1] in _TERMINAL
        if norm in seen and len(norm) >= min_chars and (prose or norm == previous):
            drop.append(i)
        seen.add(norm)
        previous = norm
    return _drop_lines(ct, spans, drop)


# --- Rule 3: site boilerplate -------------------------------------------------
_TRAILER = re.compile(r"(相关推荐|相關推薦|评论列表|評論列表|相关内容|相關內容|热门资讯|熱門資訊|"
                      r"相关阅读|相關閱讀|相关文章|猜你喜欢|推荐阅读|延伸阅读)\s*")
_BOILER_LINE = re.compile(
    r"(?:.{0,20}?(?:图片来源|圖片來源|图源|圖源)\s*[:：].{0,60}"
    r"|(?:摄图网|視覺中國|视觉中国|图虫创意|东方IC)[_\s]*\d*"
    r"|(?:责任编辑|責任編輯|编辑|編輯|校对|审核)\s*[:：].{0,30}"
    r"|(?:来源|來源|稿件来源|文章来源)\s*[:：].{0,40}"
    r"|(?:分享到|分享|点赞|點讚|举报|舉報|收藏|打赏|转发|评论|返回顶部|阅读原文|创始人)[\s:：\d()（）]*"
    r"|(?:扫码|扫一扫|微信扫一扫|长按识别|打开APP).{0,30}|暂无评论.{0,20}|.{0,6}发表评论[:：]?"
    r"|\d{4}-\d{2}-\d{2}(?:\s+\d{2}:\d{2}(?::\d{2})?)?)"
)
_COUNTER = re.compile(r"\d{1,6}")
_INLINE_CREDIT = re.compile(r"[(（]\s*(?:图片来源|圖片來源|图源|圖源)[^()（）\n]{0,60}[)）]")


def strip_boilerplate(ct: CleanedText) -> CleanedText:
    """Remove web-page furniture: image credits, share/like widgets, author
    widgets with timestamps and counters, ``来源:`` lines, and a trailing
    related-articles / comments section (``相关推荐`` etc. alone on a line in the
    second half of the document, dropped through to the end)."""
    ct = _delete(ct, _INLINE_CREDIT)
    # Only in the second half: early on, the same words are more likely a heading.
    cut = next((s for s, e in _lines(ct.text)
                if s >= len(ct.text) // 2 and _TRAILER.fullmatch(ct.text[s:e].strip())), len(ct.text))
    ct = _apply(ct, [(cut, len(ct.text), "")])
    spans = _lines(ct.text)
    stripped = [ct.text[s:e].strip() for s, e in spans]
    widget = [bool(t) and _BOILER_LINE.fullmatch(t) is not None for t in stripped]
    # A bare number is a like/comment counter only next to widget lines.
    near = [any(widget[max(i - 1, 0) : i + 2]) for i in range(len(widget))]
    drop = [i for i, t in enumerate(stripped) if widget[i] or (near[i] and _COUNTER.fullmatch(t))]
    return _drop_lines(ct, spans, drop)


# --- Rule 4: PDF artefacts ----------------------------------------------------
_SUPERSCRIPTS = "⁰¹²³⁴⁵⁶⁷⁸⁹"
_FOOTNOTE_LINE = re.compile(rf"[{_SUPERSCRIPTS}]+\s*\S.*")
_FOOTNOTE_MARK = re.compile(rf"(?<=\S)(?:[{_SUPERSCRIPTS}]+|\[\d{{1,3}}\](?!\())")
# A bold span is a phrase or a heading; the bound keeps a line of unclosed ``**``
# linear (unbounded, a 1M-character line of "**a " took hours: eval/fuzz_loaders.py).
_BOLD_MAX = 500
_BOLD = re.compile(rf"\*\*(?=\S)[^\n]{{1,{_BOLD_MAX}}}?(?<=\S)\*\*")
_CAPTION = re.compile(
    r"(?:(?:图|表|图表|圖|Figure|Fig\.|Table)\s*\d+(?:[-.．]\d+)*[\s:：.、]+[^。！？\n]{1,55}"
    r"|(?:图表来源|资料来源|数据来源|圖表來源|資料來源|Source)\s*[:：].{0,80})",
    re.IGNORECASE,
)
_TOC_DOTS = re.compile(r"\S.{0,80}?\s*[.．·…⋯]{4,}\s*(?:\d{1,4}|[IVXLC]{1,7})", re.IGNORECASE)
_TOC_TAB = re.compile(r"\S.{0,80}?\t+ *(?:\d{1,4}|[IVXLC]{1,7})", re.IGNORECASE)
_TOC_HEAD = re.compile(r"目\s*[录錄次]|(?:table of )?contents", re.IGNORECASE)
_PAGE_NO = re.compile(
    r"(?:[-—–]\s*)?\d{1,4}(?:\s*[-—–])?|第\s*\d{1,4}\s*页(?:\s*[/／,，]?\s*共\s*\d{1,4}\s*页)?"
    r"|(?:page|p\.)\s*\d{1,4}(?:\s*(?:of|/)\s*\d{1,4})?|\d{1,4}\s*/\s*\d{1,4}",
    re.IGNORECASE,
)


def _toc_lines(stripped: list[str]) -> set[int]:
    """Dotted-leader lines, runs of 3+ tab-and-page-number lines, and their heading."""
    toc = {i for i, t in enumerate(stripped) if _TOC_DOTS.fullmatch(t)}
    tabbed = [i for i, t in enumerate(stripped) if _TOC_TAB.fullmatch(t)]
    # Group tab lines separated only by blank lines; one alone is likely a table row.
    runs: list[list[int]] = []
    for i in tabbed:
        if runs and not any(stripped[runs[-1][-1] + 1 : i]):
            runs[-1].append(i)
        else:
            runs.append([i])
    toc.update(i for run in runs if len(run) >= 3 for i in run)
    for i in sorted(toc):
        prev = next((j for j in range(i - 1, -1, -1) if stripped[j]), None)
        if prev is not None and _TOC_HEAD.fullmatch(stripped[prev]):
            toc.add(prev)
    return toc


def strip_pdf_artefacts(ct: CleanedText) -> CleanedText:
    """Remove what PDF extraction leaves behind: footnote lines and markers
    (``产业¹``, ``产业[1]``), ``**bold**`` markers of the converter, figure/table
    captions and source lines, table-of-contents entries, bare page numbers."""
    spans = _lines(ct.text)
    stripped = [ct.text[s:e].strip(" ") for s, e in spans]  # keep the TOC's tabs
    drop = _toc_lines(stripped)
    artefacts = (_FOOTNOTE_LINE, _CAPTION, _PAGE_NO)
    drop.update(i for i, t in enumerate(stripped) if any(p.fullmatch(t.strip()) for p in artefacts))
    ct = _drop_lines(ct, spans, sorted(drop))
    edits: list[Edit] = [(m.start(), m.end(), "") for m in _FOOTNOTE_MARK.finditer(ct.text)
                         if not (m.group() in ("²", "³") and ct.text[m.start() - 1] == "m")]  # m², km³
    for m in _BOLD.finditer(ct.text):
        edits += [(m.start(), m.start() + 2, ""), (m.end() - 2, m.end(), "")]
    return _apply(ct, edits)


# --- Rule 5: lines broken inside a sentence -------------------------------------
_BREAK = re.compile(r"(?P<prev>[^\n]*[^\s])(?P<gap>[ \t\u3000\xa0]*\n\s*)(?=(?P<next>\S))")
_LIST_START = re.compile(r"\d{1,3}[.、)）]\s")


def join_broken_lines(ct: CleanedText, min_line: int = 40) -> CleanedText:
    """Re-join a sentence that a page or line break cut in two.

    The line before must read as prose (long, or containing a full stop; titles
    are neither) and not end in sentence punctuation. Chinese continuations join
    with nothing in between, English ones with one space (hyphenation removed).
    """
    text, edits = ct.text, []
    pos = 0
    while pos < len(text):
        # Anchored per line: a search would retry the rest of a line that has no
        # break at every position (quadratic: a 1M-character line took hours), and
        # if the line fails from ``pos`` it fails from any later position too.
        if (m := _BREAK.match(text, pos)) is None:
            pos = text.find("\n", pos) + 1 or len(text)
            continue
        pos = m.end("gap")
        prev, nxt = m.group("prev").strip(), m.group("next")
        if not (len(prev) >= min_line or "。" in prev) or prev[-1] in _TERMINAL:
            continue
        if _is_han(prev[-1]) or prev[-1].isdigit() or prev[-1] in "，、“《（":
            list_item = _LIST_START.match(text, m.start("next"))
            if _is_han(nxt) or nxt in "，、。；：！？）》」』”" or (nxt.isdigit() and not list_item):
                edits.append((m.start("gap"), m.end("gap"), ""))
        elif nxt.islower() and nxt.isascii():
            if prev.endswith("-") and prev[-2:-1].isalpha():
                edits.append((m.start("gap") - 1, m.end("gap"), ""))
            elif prev[-1].isalpha() or prev[-1] in ",;":
                gap_start = m.start("gap")
                edits += [(gap_start, gap_start + 1, " "), (gap_start + 1, m.end("gap"), "")]
    return _apply(ct, edits)


# --- Rule 6: whitespace ---------------------------------------------------------
_CR = re.compile(r"\r+(?=(\n)?)")
_HSPACE_RUN = re.compile(r"[ \t\u3000\xa0\f\v]+")
_LINE_EDGE_SPACE = re.compile(r"^ +| +$", re.MULTILINE)
_HAN = r"\u3400-\u4dbf\u4e00-\u9fff"
_HAN_SPACE_DIGIT = re.compile(rf"(?<=[{_HAN}]) (?=[0-9])")
# A number starts after no digit, dot or digit-comma (without the last, a long
# "1,2,3,..." run is rescanned from every comma: quadratic).
_NUMBER_SPACE_HAN = re.compile(rf"(?<![\d.])(?<![\d.,],)\d[\d.,]*%? (?=[{_HAN}])")
_SECTION_NO = re.compile(r"\d{1,2}(?:\.\d{1,2})* ")
_SPACED_TITLE = re.compile(rf"^(?:[{_HAN}] ){{1,4}}[{_HAN}]$", re.MULTILINE)
_MANY_NEWLINES = re.compile(r"(?<=\n\n)\n+")


def _cjk_number_spaces(ct: CleanedText) -> CleanedText:
    """Drop the space PDF extraction puts around numbers in Chinese (``2023 年``).

    Section numbers (``2.1 产业规模``) keep theirs, and so do spaces between two
    Chinese characters, which separate names (``石睿鵬 鄒碩``) or a chapter from its
    title (``第一章 总体情况``); only letter-spaced titles like ``前 言`` close up."""
    text = ct.text
    edits: list[Edit] = [(m.start(), m.end(), "") for m in _HAN_SPACE_DIGIT.finditer(text)]
    for m in _NUMBER_SPACE_HAN.finditer(text):
        at_line_start = m.start() == 0 or text[m.start() - 1] == "\n"
        if not (at_line_start and _SECTION_NO.fullmatch(m.group())):
            edits.append((m.end() - 1, m.end(), ""))
    for m in _SPACED_TITLE.finditer(text):
        edits += [(m.start() + i, m.start() + i + 1, "") for i in range(1, len(m.group()), 2)]
    return _apply(ct, edits)


def normalise_whitespace(ct: CleanedText) -> CleanedText:
    """Collapse space runs to one space, trim lines, allow at most one blank line,
    and close up PDF-style spaces around numbers in Chinese (``2023 年`` becomes
    ``2023年``, which is what searches match)."""
    # CR before LF goes; a lone CR (old Mac) becomes the newline it means.
    ct = _apply(ct, ((m.start(), m.end(), "" if m.group(1) else "\n") for m in _CR.finditer(ct.text)))
    edits: list[Edit] = []
    for m in _HSPACE_RUN.finditer(ct.text):
        run, start = m.group(), m.start()
        keep = max(run.find(" "), 0)  # keep an existing space: kept chars stay identical
        edits += [(start + i, start + i + 1, " " if i == keep else "") for i in range(len(run))
                  if i != keep or run[i] != " "]
    ct = _apply(ct, edits)
    ct = _cjk_number_spaces(_delete(ct, _LINE_EDGE_SPACE))
    ct = _delete(ct, _MANY_NEWLINES)
    text = ct.text
    return _apply(ct, [(0, len(text) - len(text.lstrip()), ""), (len(text.rstrip()), len(text), "")])


# --- Pipeline ---------------------------------------------------------------------
RULES: tuple[tuple[str, Callable[[CleanedText], CleanedText]], ...] = (
    ("pinyin", strip_pinyin_glosses),
    ("repeats", drop_repeated_lines),
    ("boilerplate", strip_boilerplate),
    ("pdf_artefacts", strip_pdf_artefacts),
    ("broken_lines", join_broken_lines),
    ("whitespace", normalise_whitespace),
)


def _run(text: str, stats: dict[str, int]) -> CleanedText:
    ct = CleanedText.identity(text)
    for name, rule in RULES:
        before = len(ct.text)
        ct = rule(ct)
        stats[f"removed_{name}"] = before - len(ct.text)
    return ct


def clean(text: str) -> CleanedText:
    """Clean ``text`` with every rule in ``RULES``, in order, keeping offsets."""
    return _run(text, {})


def clean_stats(original: str, cleaned: CleanedText | None = None) -> dict[str, int]:
    """Characters removed by each rule (``removed_<rule>``) on ``original``, plus totals.

    The rules are re-run to attribute removals; ``cleaned``, if given, must be
    ``clean(original)`` (checked, so stats never describe other text).
    """
    stats = {"original_chars": len(original)}
    result = _run(original, stats)
    if cleaned is not None and cleaned.text != result.text:
        raise ValueError("cleaned is not the result of clean(original)")
    return {**stats, "cleaned_chars": len(result.text)}
