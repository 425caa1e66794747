"""Cleaning rules on synthetic text and on the real corpus, and the offset map."""

from __future__ import annotations

import random
import re
from functools import cache
from pathlib import Path

import pytest

from assistant.ingest.clean import (
    CleanedText,
    clean,
    clean_stats,
    drop_repeated_lines,
    is_pinyin,
    join_broken_lines,
    normalise_whitespace,
    strip_boilerplate,
    strip_pdf_artefacts,
    strip_pinyin_glosses,
)

CORPUS = Path(__file__).resolve().parents[1].parent / "shared" / "corpus"
TONED = "āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜ"
GLOSS = re.compile(rf"[(（][a-zü{TONED}]*[{TONED}][a-zü{TONED}]*[)）]|\((?:de)\)")


@cache
def original(prefix: str) -> str:
    if not CORPUS.is_dir():
        pytest.skip("../shared/corpus is not beside the checkout")
    return next(CORPUS.glob(f"{prefix}_*.txt")).read_text(encoding="utf-8")


@cache
def cleaned(prefix: str) -> CleanedText:
    return clean(original(prefix))


PREFIXES = ["000", "001", "002", "003", "004"]


def _apply(rule, text: str) -> str:
    return rule(CleanedText.identity(text)).text


# --- rule 1: pinyin -------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("补上“人工智能(réngōngzhìnéng)”这堂课", "补上“人工智能”这堂课"),
        ("创办的(de)(de)红鲤文化", "创办的红鲤文化"),
        ("出现在（zài）广西", "出现在广西"),
        ("出现在(zai)广西", "出现在广西"),
        ("战略(zhànlüè)锚点", "战略锚点"),
        ("智平方(深圳(shēnzhèn))科技", "智平方(深圳)科技"),
        ("人工智能 (réngōngzhìnéng) 时代", "人工智能 时代"),
    ],
)
def test_pinyin_glosses_removed(text: str, expected: str) -> None:
    assert _apply(strip_pinyin_glosses, text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "《中國日報》推出 (National Vision, Local Action)高階訪談",
        "白皮书(2024年)",
        "生成式人工智能(AI)和(GDP)以及(ChatGPT)",
        "信息中心（广西壮族自治区大数据研究院）",
        "第三条(a)款",  # a single letter is an enumeration, not a syllable
        "生成式人工智能(app)",  # lowercase but not pinyin
        "he said (de facto) so",  # not after a Chinese character
    ],
)
def test_real_parentheses_kept(text: str) -> None:
    assert _apply(strip_pinyin_glosses, text) == text


def test_pinyin_validator() -> None:
    for word in ("zhuang", "xi'an", "réngōngzhìnéng", "zhànlüè", "yǒuxiàngōngsī", "de", "er"):
        assert is_pinyin(word), word
    for word in ("ChatGPT", "app", "National", "GDP", "xyz", "vision"):
        assert not is_pinyin(word), word


def test_no_gloss_left_in_any_corpus_file() -> None:
    for prefix in PREFIXES:
        assert GLOSS.findall(cleaned(prefix).text) == [], prefix
    assert len(GLOSS.findall(original("000"))) > 200  # the check does see them in the raw text


def test_corpus_real_parentheses_preserved() -> None:
    assert "(National Vision, Local Action)" in cleaned("002").text
    text_003 = cleaned("003").text
    assert "（广西壮族自治区大数据研究院）" in text_003
    assert "(2024年)" in text_003 and "（AIGC）" in text_003 and "（DDI）" in text_003
    for kept in ("(3.22万元)", "(6月30日)", "(武汉)", "(深圳)"):
        assert kept in cleaned("000").text
    assert "(南宁园区)" in cleaned("001").text


# --- rule 2: repeats ------------------------------------------------------------


def test_repeated_lines_synthetic() -> None:
    sentence = "广西人工智能产业发展迅速，企业数量持续增长。"
    text = f"大标题重复出现八字\n大标题重复出现八字\n{sentence}\n问\n答案。\n问\n{sentence}\n南宁市政协副主席\n南宁市政协副主席的话。\n南宁市政协副主席"
    out = _apply(drop_repeated_lines, text)
    assert out.count(sentence) == 1
    assert out.count("大标题重复出现八字") == 1  # repeated straight away: a duplicated title
    assert out.split("\n").count("问") == 2  # short lines are kept
    assert out.split("\n").count("南宁市政协副主席") == 2  # a recurring label, not prose


def test_000_duplicate_article_appears_once() -> None:
    sentence = "南A中心于4月3日开工后不久"
    assert original("000").count(sentence) == 2
    assert cleaned("000").text.count(sentence) == 1
    title = "“文化走亲东盟行”再赴越南 广西邕剧粤韵展魅力"
    assert original("000").count(title) == 3 and cleaned("000").text.count(title) == 1
    assert cleaned("000").text.startswith(title)
    # The short "反过来..." question is part of the repeated block and goes too.
    assert cleaned("000").text.count("反过来,东盟能否提供足够的支撑?") == 1


def test_004_speaker_labels_and_questions_kept() -> None:
    text = cleaned("004").text
    assert text.count("广西金庚科技有限责任公司董事长") == original("004").count("广西金庚科技有限责任公司董事长") == 2
    assert text.split("\n").count("问") == original("004").split("\n").count("问") == 9


# --- rule 3: boilerplate --------------------------------------------------------


def test_boilerplate_synthetic() -> None:
    body = "正文第一段内容，讲述广西人工智能的发展。\n" * 4
    text = f"标题\n创始人\n2026-03-11 19:02:23\n0\n图片来源:摄图网_500434112\n{body}南A中心 图片来源:南宁市融媒体中心\n文字(图片来源:新华社)继续。\n来源:中国日报\n相关推荐\n另一篇文章标题\n评论列表"
    out = _apply(strip_boilerplate, text)
    assert out == f"标题\n{body}文字继续。\n"


def test_related_heading_early_in_document_is_not_a_trailer() -> None:
    text = "相关推荐\n" + "这是正文，不是推荐列表。\n" * 10
    assert _apply(strip_boilerplate, text) == text


def test_corpus_boilerplate_gone() -> None:
    for marker in ("图片来源", "摄图网", "相关推荐", "评论列表", "暂无评论", "发表评论"):
        assert marker in original("000") and marker not in cleaned("000").text, marker
    for marker in ("创始人", "2026-03-11 19:02:23", "相关内容", "热门资讯", "羽毛球价格回调", "心身共治守尊严"):
        assert marker in original("001") and marker not in cleaned("001").text, marker
    assert "\n0\n" not in cleaned("001").text
    assert cleaned("001").text.endswith("正为构建更为紧密的中国—东盟命运共同体注入新动能。")
    assert "來源:中國日報" not in cleaned("002").text
    assert "記者:石睿鵬 鄒碩 張莉" in cleaned("002").text  # a byline, kept


# --- rule 4: PDF artefacts --------------------------------------------------------


def test_pdf_artefacts_synthetic() -> None:
    text = (
        "目 录\n第一章 总体情况 .......... 5\n第二章 重点企业 ………… 12\n"
        "产业发展迅速[1]，规模扩大¹²。面积100m²。\n- 12 -\n图 3 广西企业区域分布情况\n"
        "图3显示，企业集中在南宁。\n**重点**内容。\n¹² 赛迪顾问：《研究报告》\n第 3 页"
    )
    out = _apply(strip_pdf_artefacts, text)
    assert out == "产业发展迅速，规模扩大。面积100m²。\n图3显示，企业集中在南宁。\n重点内容。\n"


def test_tab_toc_needs_a_run_of_entries() -> None:
    toc = "前 言\tII\n一、现状\t1\n（一）政策\t1\n（二）规模\t3\n"
    assert _apply(strip_pdf_artefacts, "目 录\n\n" + toc + "正文。") == "\n正文。"
    assert _apply(strip_pdf_artefacts, "产值\t5080\n正文。") == "产值\t5080\n正文。"


def test_003_pdf_artefacts_gone() -> None:
    raw, text = original("003"), cleaned("003").text
    assert re.search("[⁰¹²³⁴⁵⁶⁷⁸⁹]", raw) and not re.search("[⁰¹²³⁴⁵⁶⁷⁸⁹]", text)
    assert "\t" in raw and "\t" not in text
    assert "目 录" in raw and "目 录" not in text and "目录" not in text
    assert "**" in raw and "**" not in text
    assert not re.search(r"^图\s*\d", text, re.MULTILINE)
    assert "赛迪顾问：《中国人工智能区域竞争力研究（2024）》" not in text  # footnote lines
    assert "据不完全统计，截至2024年3月底，全国31个省" in text  # marker "发展¹。" removed around it
    assert "人工智能产业发展。据不完全统计" in text
    assert "存续人工智能相关企业2447家" in text  # "企业⁹2447家"


# --- rule 5: broken lines -----------------------------------------------------------


def test_join_broken_lines_synthetic() -> None:
    long_prefix = "具有地方特色的政策加速跟进，各地围绕中央和国家顶层设计进行差异化探索，把握新机遇，因地制宜制定人工智能发"
    assert _apply(join_broken_lines, f"{long_prefix}\n\n展相关政策。") == f"{long_prefix}展相关政策。"
    title = "中国与东盟如何共拓人工智能新蓝海代表委员热议"
    assert _apply(join_broken_lines, f"{title}\n正文开始。") == f"{title}\n正文开始。"
    done = long_prefix + "。"
    assert _apply(join_broken_lines, f"{done}\n下一段。") == f"{done}\n下一段。"
    english = "The delegation also signed landmark deals on cross-border logistics and"
    assert _apply(join_broken_lines, f"{english}\ndata flows.") == f"{english} data flows."
    assert _apply(join_broken_lines, f"{english} inter-\nnational.") == f"{english} international."
    assert _apply(join_broken_lines, f"{long_prefix}\n1. 列表项") == f"{long_prefix}\n1. 列表项"


def test_003_and_004_broken_sentences_joined() -> None:
    text = cleaned("003").text
    for joined in ("因地制宜制定人工智能发展相关政策", "人工智能在制造、医疗", "有来自23所高校的1270支队伍", "同比增长22.81%"):
        assert joined in text, joined
    assert "健康管理系统的研发" in cleaned("004").text


# --- rule 6: whitespace -------------------------------------------------------------


def test_whitespace_synthetic() -> None:
    text = "  前 言 \r\n2023 年 产值达 12.1%，第 22 届\t\t会议。\n\n\n\n第一章 总体情况\n1 引言\n石睿鵬 鄒碩\u3000张莉  \n"
    out = _apply(normalise_whitespace, text)
    assert out == "前言\n2023年 产值达12.1%，第22届 会议。\n\n第一章 总体情况\n1 引言\n石睿鵬 鄒碩 张莉"


# --- offsets --------------------------------------------------------------------------


def _check_offsets(orig: str, ct: CleanedText) -> None:
    assert len(ct.offsets) == len(ct.text) + 1
    assert all(a < b for a, b in zip(ct.offsets[:-2], ct.offsets[1:-1], strict=True))
    if ct.text:
        assert ct.offsets[-1] == ct.offsets[-2] + 1
    for i, ch in enumerate(ct.text):
        src = orig[ct.offsets[i]]
        # Kept characters are identical; only whitespace may become " " or "\n".
        assert src == ch or (ch.isspace() and src.isspace()), (i, ch, src)


def test_offsets_map_every_char_on_corpus() -> None:
    for prefix in PREFIXES:
        _check_offsets(original(prefix), cleaned(prefix))


def test_to_original_random_spans_on_corpus() -> None:
    rng = random.Random(42)
    for prefix in PREFIXES:
        orig, ct = original(prefix), cleaned(prefix)
        for _ in range(300):
            s = rng.randrange(len(ct.text))
            e = rng.randrange(s + 1, min(len(ct.text), s + 200) + 1)
            o_s, o_e = ct.to_original(s, e)
            span = orig[o_s:o_e]
            assert span[0] == ct.text[s] or span[0].isspace()
            assert span[-1] == ct.text[e - 1] or span[-1].isspace()
            # The cleaned span is the original span with characters taken out.
            it = iter(span)
            assert all(any(c == o or (c.isspace() and o.isspace()) for o in it) for c in ct.text[s:e])


def test_to_original_identity_and_edges() -> None:
    ct = clean("前 言\n\n正文(zhèngwén)内容。")
    assert ct.text == "前言\n\n正文内容。"
    orig = "前 言\n\n正文(zhèngwén)内容。"
    assert orig[slice(*ct.to_original(0, 2))] == "前 言"
    assert orig[slice(*ct.to_original(4, 8))] == "正文(zhèngwén)内容"
    assert ct.to_original(3, 3) == (ct.offsets[3], ct.offsets[3])
    assert ct.to_original(len(ct.text), len(ct.text)) == (len(orig), len(orig))
    for bad in ((-1, 2), (3, 2), (0, len(ct.text) + 1)):
        with pytest.raises(ValueError):
            ct.to_original(*bad)
    assert clean("") == CleanedText("", (0,))
    assert clean(" \n\t ") == CleanedText("", (0,))
    plain = "没有需要清理的内容。"
    assert clean(plain) == CleanedText.identity(plain)


def test_clean_stats_accounts_for_every_removed_char() -> None:
    for prefix in PREFIXES:
        orig = original(prefix)
        stats = clean_stats(orig, cleaned(prefix))
        removed = sum(v for k, v in stats.items() if k.startswith("removed_"))
        assert stats["original_chars"] - stats["cleaned_chars"] == removed
    assert clean_stats(original("000"))["removed_pinyin"] > 1000
    with pytest.raises(ValueError):
        clean_stats("abc", CleanedText.identity("xyz"))
