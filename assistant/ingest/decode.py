"""Decoding the bytes of a text file: BOMs, UTF-8, declared charsets, GB18030 vs Big5.

Chinese files arrive in GBK, Big5, UTF-16 and mislabelled mixtures; both CJK
codecs decode most byte strings without error, so the candidates are scored by
how much their text looks like real Chinese (``cjk_score``).
"""

from __future__ import annotations

import codecs
import logging
from functools import cache

from ..errors import IngestError
from .normalize import convert

logger = logging.getLogger(__name__)

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


def check_text(text: str) -> None:
    """Refuse binary or empty text with an ``IngestError`` saying which."""
    controls = sum(1 for c in text if ord(c) < 0x20 and c not in "\t\n\r\f")
    if controls > max(2, len(text) // 100):
        raise IngestError("binary file (control characters), not text")
    if not text.strip():
        raise IngestError("empty file (only whitespace)")
