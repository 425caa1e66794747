"""The answering step's parts with deterministic inputs: evidence, grounding, calibration."""

from __future__ import annotations

import json
import math
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest
from fakes import EchoGenerator, HashEmbedder

from assistant import Assistant, Settings
from assistant.answer.answerability import SIGNALS, Calibration, Signals
from assistant.answer.checks.dates import date_as_written, lacks_date_part, year_mismatch
from assistant.answer.checks.ground import (
    adds_nothing,
    is_grounded,
    lacks_amount,
    restated_gaps,
    unsupported_facts,
    written_name,
)
from assistant.answer.cite import MARKER_OPEN
from assistant.answer.evidence.selection import (
    QuestionKind,
    asked_chars,
    dense_similarity,
    question_kind,
    select_evidence,
)
from assistant.answer.evidence.sentences import passage_sentences
from assistant.answer.pipeline import check_answer, cite_checked, present
from assistant.answer.prompting import answer_language, is_refusal
from assistant.answer.support import (
    MIN_SUBJECT_COVERAGE,
    PARTIAL_TERM_CREDIT,
    asked_sentence,
    char_share,
    complete_figures,
    missing_glosses,
    missing_identifiers,
    subject_coverage,
    supporting_passages,
    term_share,
    unnamed_people,
)
from assistant.errors import InputError
from assistant.evaluation.replay import load_prompts
from assistant.search.terms import key_terms, rarity, split_names, subject_terms
from assistant.types import Chunk, Hit


def _hit(text: str, n: int = 0, heading: str = "") -> Hit:
    chunk = Chunk(chunk_id=f"d-{n}", doc_id="d", source="d.txt", ordinal=n, text=text,
                  search_text=text, start=0, end=len(text), heading=heading)
    return Hit(chunk=chunk, score=1.0 / (n + 1), dense_score=0.5)


PASSAGES = [
    _hit("广西加快发展人工智能产业。今年2月，广西设立规模100亿元的人工智能产业基金。基金重点投向算力和模型。", 0),
    _hit("南A中心于2024年开工建设。首批16家东盟企业签约入驻南A中心。", 1),
    _hit("会议还讨论了数字经济。与会代表来自多个国家。", 2),
]


@pytest.mark.parametrize(("question", "kind"), [
    ("基金规模是多少？", QuestionKind.NUMBER),
    ("首批有几家企业入驻？", QuestionKind.NUMBER),
    ("南A中心哪年开工？", QuestionKind.DATE),
    ("When did construction start?", QuestionKind.DATE),
    ("东博会是在哪个月举办的？", QuestionKind.DATE),
    ("In which month was the course held?", QuestionKind.DATE),
    ("How many companies moved in?", QuestionKind.NUMBER),
    ("谁担任董事长？", QuestionKind.PERSON),
    ("Who is the chairman of Qi An Xin?", QuestionKind.PERSON),
    ("奇安信是哪类企业？", QuestionKind.OTHER),
])
def test_question_kind(question: str, kind: QuestionKind) -> None:
    assert question_kind(question) is kind


def test_key_terms_drop_question_words_and_keep_years() -> None:
    terms = key_terms("2023年广西人工智能产业基金规模是多少？")
    assert "多少" not in terms and "是" not in terms
    assert any("2023" in t for t in terms) and "基金" in terms
    # 什么时候 asks for a date; 时候 alone can be part of what is asked.
    assert "时候" not in key_terms("北土城站什么时候投入使用？")
    assert "时候" in key_terms("生濑胜久跃於戏剧圈时候的艺名叫什么？")


def test_key_terms_join_names_jieba_cuts_into_single_characters() -> None:
    """A fish jieba does not know comes out as 颊|鳞|雀|鲷 (each dropped as too short) or
    班卡雀|鲷: the name is joined again. Verbs (叫), adverbs (只), numerals (多) and
    adjectives (深) stay apart."""
    assert "颊鳞雀鲷" in key_terms("颊鳞雀鲷的俗名叫什么？")
    assert "班卡雀鲷" in key_terms("班卡雀鲷的体长最长能达到多少？")
    assert "榅桲" in key_terms("榅桲什么时候开花？")
    assert "交叉笛鲷" in key_terms("交叉笛鲷民间的俗称叫什么？")
    assert split_names("白尾雀鲷一般栖息在多深的水里？") == ["白尾雀鲷"]
    assert split_names("到1970年之前，克什米尔马鹿只剩下了多少头？") == []
    assert "俗名叫" not in key_terms("颊鳞雀鲷的俗名叫什么？")


def test_a_sentence_carries_the_subject_its_passage_named_before_it() -> None:
    """An encyclopedia passage names its fish once; the depth sentence after it does not.
    Scored on its own words it loses to another fish's line; with the passage's context
    (its earlier sentences, or the heading a continued passage carries) it is chosen."""
    question = ["白尾雀鲷一般栖息在多深的水里？"]
    other = _hit("黑尾雀鲷一般栖息在珊瑚礁附近的浅水里。", 0)
    own = _hit("白尾雀鲷，又称金尾雀鲷，为雀鲷科的一种。本鱼分布于印度洋和太平洋。水深0.5至3公尺。", 1)

    def shown(hits: list[Hit], context: float) -> str:
        return select_evidence(question, hits, len, budget=200, max_sentences=3, context=context).format()

    assert "水深" not in shown([other, own], 0.0)
    credit = Calibration.load(Settings().generator).evidence_context
    assert credit > 0
    with_context = shown([other, own], credit)
    assert "水深0.5至3公尺" in with_context and "印度洋" not in with_context  # no number: no form bonus
    continued = _hit("水深0.5至3公尺。幼鱼背鳍末端有一黑色斑。", 1, heading="白尾雀鲷")
    head = _hit("白尾雀鲷，又称金尾雀鲷，为雀鲷科的一种。", 2)
    assert "水深" not in shown([other, continued, head], 0.0)
    assert "水深0.5至3公尺" in shown([other, continued, head], credit)
    with pytest.raises(ValueError, match="evidence_context"):
        Settings(evidence_context=1.5)


def test_evidence_picks_the_answering_sentence_first_and_stays_in_budget() -> None:
    ev = select_evidence(["广西人工智能产业基金规模是多少？"], PASSAGES, len, budget=60, max_sentences=4)
    assert ev.sentences[0].text.startswith("今年2月")
    assert sum(len(s.text) + 2 for s in ev.sentences) <= 60
    block = ev.format()
    assert block.startswith("[1] ") and "100亿元" in block
    assert ev.coverage > 0.6


def test_evidence_for_two_part_question_covers_both_parts() -> None:
    ev = select_evidence(["广西产业基金规模多少，南A中心首批有几家东盟企业入驻？"], PASSAGES, len,
                         budget=200, max_sentences=3)
    numbers = {s.passage for s in ev.sentences}
    assert {1, 2} <= numbers  # one sentence from each passage
    assert "[1]" in ev.format() and "[2]" in ev.format()


def test_rival_sentences_are_shown_when_asked_for() -> None:
    """A generic sentence with the same terms ranks first; the fund's own sentence is a rival."""
    hits = [_hit("各地通过设立人工智能产业主题基金等举措推动产业发展。", 0),
            _hit("今年2月，广西设立规模100亿元的人工智能产业基金。", 1),
            _hit("会议还讨论了数字经济。", 2)]
    question = ["人工智能产业基金是哪个地区设立的？"]
    alone = select_evidence(question, hits, len, budget=200, max_sentences=5)
    assert [s.passage for s in alone.sentences] == [1]
    both = select_evidence(question, hits, len, budget=200, max_sentences=5, alternatives=2)
    assert [s.passage for s in both.sentences] == [1, 2]  # the unrelated sentence is no rival
    tight = select_evidence(question, hits, len, budget=40, max_sentences=5, alternatives=2)
    assert [s.passage for s in tight.sentences] == [1]  # rivals only within the budget


def test_a_who_question_prefers_the_sentence_that_names_someone() -> None:
    """Both sentences hold the question's words and the first ranks higher; only the
    second names a person, so a who-question gets it, and a how-many question does not."""
    hits = [_hit("奇安信董事长出席了签约仪式。", 0),
            _hit("奇安信董事长齐向东出席了签约仪式。", 1)]
    ev = select_evidence(["奇安信的董事长是谁？"], hits, len, budget=30, max_sentences=1)
    assert "齐向东" in ev.format()
    assert ev.form_found  # a name is not a form the grounding checks judge
    numbers = select_evidence(["奇安信的董事长有几位？"], hits, len, budget=30, max_sentences=1)
    assert "齐向东" not in numbers.format()


@pytest.mark.parametrize(("answer", "question", "evidence", "expected"), [
    # the evidence dates the month relatively (今年9月): the model's year goes
    ("2021年9月", "那一届东博会是在哪个月举办的？", "[4] 今年9月，广西将举办第22届东博会。", "9月"),
    ("2021-03-11 [4]", "On what date was the report filed?", "[4] 3月11日，《中国日报》旗舰版。", "3月11日 [4]"),
    # the evidence writes the month in one year: that year is written
    ("2021年9月", "东博会在哪个月举办？", "[1] 2019年9月举办第16届东博会。", "2019年9月"),
    # the evidence writes the month in two years, or not at all: left for the checks
    ("2021年9月", "东博会在哪个月举办？", "[1] 2019年9月举办，2020年9月也举办。", "2021年9月"),
    ("2021年10月", "东博会在哪个月举办？", "[1] 今年9月举办。", "2021年10月"),
    # a time of year the evidence dates relative to itself: its word is written (今年)
    ("2021年春节期间", "大模型是在什么时候横空出世的？", "[1] 今年春节期间，大模型横空出世。", "今年春节期间"),
    ("2021年上半年", "什么时候发布的？", "[1] 去年上半年发布一版，今年上半年发布一版。", "2021年上半年"),
    # the year is asked, or the evidence writes the model's year: nothing changes
    ("2021年9月", "东博会是哪一年哪个月举办的？", "[1] 今年9月举办。", "2021年9月"),
    ("2021年9月", "In which month and year was the expo held?", "[1] 今年9月举办。", "2021年9月"),
    ("2019年9月", "东博会在哪个月举办？", "[1] 2019年9月举办。", "2019年9月"),
])
def test_a_year_the_evidence_does_not_write_is_dropped_from_a_date(
        answer: str, question: str, evidence: str, expected: str) -> None:
    assert date_as_written(answer, question, evidence) == expected


def test_a_pronoun_starting_a_line_shows_whom_it_names() -> None:
    """她 opens a new paragraph: the last person named before it is shown with it, so the
    sentence says who proposed what; 他们 names no one person."""
    text = "杨英认为，广西的人工智能不在于拼算力。\n\n她建议，政策支持可以从给优惠向给场景转变。\n他们表示赞同。"
    hits = [_hit(text, 0)]
    ev = select_evidence(["哪位委员建议政策支持从给优惠向给场景转变？"], hits, len, budget=60, max_sentences=1)
    assert ev.format() == "[1] 她（杨英）建议，政策支持可以从给优惠向给场景转变。"
    assert "她建议" in ev.sentences[0].text  # the citation still points at the source's words
    shown = [s.prompt_text for s in passage_sentences(hits)]
    assert "他们表示赞同。" in shown


def test_a_heading_that_repeats_the_question_is_never_evidence() -> None:
    """The white paper's title scores every key term but cannot hold its editor's name."""
    hits = [_hit("广西人工智能产业 发展白皮书", 0),
            _hit("本白皮书由广西壮族自治区信息中心主编，多家高校参编。", 1)]
    ev = select_evidence(["《广西人工智能产业发展白皮书（2024年）》的主编单位是哪家？"], hits, len,
                         budget=200, max_sentences=3)
    assert [s.passage for s in ev.sentences] == [2]


def test_dense_similarity_brings_in_the_sentence_that_says_it_in_other_words() -> None:
    """The national figure shares more of the question's words; the region's own
    figure ("全区") is the answer, and only its dense similarity keeps it."""
    hits = [_hit("到2023年底，我国算力总规模达到了230EFLOPS。", 0),
            _hit("截至2024年5月底，全区人工智能相关专利申请量累计为1788件。", 1),
            _hit("全区算力总规模达668 PFlops。", 2)]
    question = ["截至2024年4月底，广西全区算力总规模达到多少？"]
    words = select_evidence(question, hits, len, budget=200, max_sentences=5)
    assert "668" not in words.format()

    def similarity(texts: Sequence[str]) -> list[float]:
        return [0.9 if "全区算力" in t else 0.3 for t in texts]

    dense = select_evidence(question, hits, len, budget=200, max_sentences=5, similarity=similarity,
                            dense_weight=0.2)
    assert "668" in dense.format()
    off = select_evidence(question, hits, len, budget=200, max_sentences=5, similarity=similarity,
                          dense_weight=0.0)
    assert off.format() == words.format()


# The character weight measured live (Settings.evidence_char_weight, off by default).
MEASURED_CHAR_WEIGHT = 1.2


def test_characters_of_what_is_asked_find_the_paraphrased_answer() -> None:
    """The question asks 外形…像 and names its lake; the answer sentence says 形状像 and
    does not name it. On words alone the line that names the lake wins (像 is a single
    character, no key term; 外形 is not 形状); the shared characters of what is asked (形,
    像), not those of the subject the heading names, bring in the answer, and only for
    lines about that subject."""
    hits = [_hit("青螺湖是一个咸水湖，位于高原北部的断陷盆地内。湖面海拔4100米，形状像一只葫芦。", 0,
                 heading="青螺湖"),
            _hit("从高处看，湖的外形像一弯新月。", 1, heading="白沙湖"),
            _hit("青螺湖流域的牧民以放牧为生。青螺湖的湖水含盐量高。", 2, heading="青螺湖"),
            _hit("白沙湖是一个淡水湖，这个湖的东西两岸多沙丘。", 3, heading="白沙湖")]
    question = ["从外形上看，青螺湖这个湖像什么东西？"]
    settings = Settings()

    def shown(weight: float) -> str:
        return select_evidence(question, hits, len, settings.evidence_tokens, settings.evidence_sentences,
                               context=Calibration.load(settings.generator).evidence_context,
                               char_weight=weight).format()

    assert "葫芦" not in shown(0.0)
    assert "葫芦" in shown(MEASURED_CHAR_WEIGHT)
    # another lake's line shares more of the asked characters (and 外形), but is not about 青螺湖
    assert "新月" not in shown(MEASURED_CHAR_WEIGHT)
    assert asked_chars(question[0], "青螺湖") == {"外", "形", "看", "像", "东", "西"}  # not 从, 这, 个, 什么, 湖
    assert "的" not in asked_chars("青螺湖的形状像什么？", "") and "像" in asked_chars("青螺湖的形状像什么？", "")
    with pytest.raises(ValueError, match="evidence_char_weight"):
        Settings(evidence_char_weight=-1)


def test_a_common_character_counts_less_than_a_rare_one() -> None:
    """Every line shares two characters of what is asked with the question; 只 and 一, which
    many lines hold, count less than 重, which only the weight line holds (counted alike,
    the first line with a number would win)."""
    hits = [_hit("这种鸟常见一只或两只结伴。每群约有10只。幼鸟3只一窝。", 0, heading="灰冠鸟"),
            _hit("成鸟重约650克。", 1, heading="灰冠鸟")]
    ev = select_evidence(["一只灰冠鸟的体重大约是多少？"], hits, len, budget=200, max_sentences=1,
                         char_weight=MEASURED_CHAR_WEIGHT)
    assert "650克" in ev.format()


def test_dense_similarity_takes_the_closest_phrasing() -> None:
    score = dense_similarity(HashEmbedder(), ["广西算力规模是多少？", "How large is the computing power?"])
    same, other = score(["广西算力规模是多少？", "南A中心首批签约入驻"])
    assert same == pytest.approx(1.0, abs=1e-5) and other < 0.5
    assert list(dense_similarity(HashEmbedder(), [])(["x"])) == [0.0]
    assert list(score([])) == []


def test_evidence_says_whether_it_holds_the_asked_form() -> None:
    """A how-many question over sentences without any number lacks the answer's form."""
    hits = [_hit("会议还讨论了数字经济。与会代表来自东盟国家。", 0)]
    assert not select_evidence(["与会代表来自多少个东盟国家？"], hits, len, 200, 3).form_found
    assert select_evidence(["南A中心首批有几家东盟企业入驻？"], PASSAGES, len, 200, 3).form_found
    assert select_evidence(["与会代表来自哪里？"], hits, len, 200, 3).form_found  # no form asked


def test_near_miss_question_reports_the_missing_term() -> None:
    ev = select_evidence(["南A中心的建筑面积是多少平方米？"], PASSAGES, len, budget=200, max_sentences=3)
    assert "建筑面积" in ev.missing or "面积" in ev.missing
    assert ev.coverage < 0.7


def test_grounding_catches_invented_figures_names_and_echoes() -> None:
    ev = " ".join(h.chunk.text for h in PASSAGES)
    assert is_grounded("广西设立规模100亿元的人工智能产业基金[1]。", "基金规模？", ev)
    assert unsupported_facts("基金规模为200亿元[1]。", "基金规模？", ev) == ["200", "200亿"]
    # A number the question gave is the user's own, not an invented one.
    assert is_grounded("2024年开工的南A中心首批有16家东盟企业签约入驻[2]。",
                       "2024年开工的南A中心首批有几家东盟企业入驻？", ev)
    # The unit decides: "2月" is in the evidence, "2日" is not.
    assert not is_grounded("2日[1]", "哪天设立？", ev)
    assert not is_grounded("由广西壮族自治区人民政府担任基金管理人[1]。", "基金管理人是谁？", ev)
    assert adds_nothing("南A中心哪年开工？", "南A中心哪年开工？")
    assert not is_grounded("南A中心哪年开工", "南A中心哪年开工？", ev)


def test_grounding_reads_traditional_evidence_in_both_simplified_forms() -> None:
    """The search form turns 高階 into the mainland phrase 高端; the answer, converted
    character by character, says 高阶: both must count as the evidence's wording."""
    ev = "[1] 《中國日報》推出“中國式現代化的地方實踐”高階訪談欄目。"
    assert is_grounded("栏目叫“中国式现代化的地方实践”高阶访谈栏目[1]。", "《中国日报》推出的高端访谈栏目叫什么？", ev)


def test_english_number_words_must_be_in_the_evidence() -> None:
    ev = "[1] 3月1日,陈刚就曾赴北京考察多家人工智能有关企业。"
    question = "How many AI companies did Chen Gang visit in Beijing on March 1?"
    assert unsupported_facts("Two [1]", question, ev) == ["two"]
    assert is_grounded("Two [1]", question, ev + "其中两家已签约。")
    assert is_grounded("Three [1]", question, "[1] 考察了3家企业。")


def test_a_figure_of_another_year_is_no_answer() -> None:
    """Asked about 2024, the figure the evidence gives for 2023 is refused."""
    ev = ("[1] 到2023年底，我国算力总规模达到了230EFLOPS，智能算力规模达到了70EFLOPS。\n"
          "[2] 截至2024年5月底，全区人工智能相关专利申请量累计为1788件。")
    question = "截至2024年4月底，广西全区算力总规模达到多少？"
    assert year_mismatch("70EFLOPS[1]", question, ev) == ["2024"]
    assert not is_grounded("70EFLOPS[1]", question, ev)
    # The same figure is an answer when the question's year is on its line.
    assert year_mismatch("1788件[2]", "截至2024年5月底专利申请量是多少？", ev) == []
    # English questions name years the same way; questions without a year pass.
    assert year_mismatch("70 EFLOPS", "What was the computing power in 2024?", ev) == ["2024"]
    assert year_mismatch("70EFLOPS[1]", "智能算力规模达到多少？", ev) == []


def test_a_year_that_dates_an_event_before_the_measure_need_not_be_on_its_line() -> None:
    """"1991年…爆发后" dates the eruption; the cooling after it is stated without the year."""
    ev = ("[1] 火山又对平流层注入大量的气溶胶，全球平均气温下降约0.5摄氏度。\n"
          "[2] 1991年6月，皮纳图博火山爆发。")
    question = "1991年皮纳图博火山大爆发后，全球平均气温大约降低了多少？"
    assert year_mismatch("约0.5摄氏度[1]", question, ev) == []
    assert is_grounded("全球平均气温下降约0.5摄氏度。[1]", question, ev)
    # the year of the measure itself is still asked of its line
    assert year_mismatch("约0.5摄氏度[1]", "1991年全球平均气温降低了多少？", ev) == ["1991"]


def test_a_count_of_days_may_be_written_with_either_unit() -> None:
    ev = "[1] 这套历法将一年分为20旬，一旬13日。"
    assert unsupported_facts("每一旬有13天。[1]", "每一旬有多少天？", ev) == []
    assert "14天" in unsupported_facts("每一旬有14天。[1]", "每一旬有多少天？", ev)


def test_a_month_and_year_question_asks_the_year() -> None:
    assert lacks_date_part("May (5月)[1]", "In which month and year did the two firms sign?")
    assert not lacks_date_part("May 2024 (2024年5月)[1]", "In which month and year did the two firms sign?")


def test_a_count_asked_with_one_counter_may_be_written_with_another() -> None:
    """Asked 几根羽毛, the model counts with 根 what the evidence counts with 条."""
    ev = "[1] 剃刀嘴凤冠雉是一种大型鸟类，且有14条淡褐色的尾羽。"
    assert unsupported_facts("尾巴上长有14根羽毛。[1]", "尾巴上长有几根羽毛？", ev) == []
    assert "15根" in unsupported_facts("尾巴上长有15根羽毛。[1]", "尾巴上长有几根羽毛？", ev)
    # a counter the question did not ask with is still held to the evidence's
    assert "14根" in unsupported_facts("尾巴上长有14根羽毛。[1]", "尾巴上长有多少羽毛？", ev)


def test_calibration_is_monotonic_and_validated(tmp_path: Path) -> None:
    cal = Calibration(weights={"p_refuse": -4.0, "coverage": 4.0}, bias=0.0, threshold=0.5)
    sure = cal.confidence(Signals(p_refuse=0.01, coverage=1.0, missing=0.0, top_dense=0.5))
    unsure = cal.confidence(Signals(p_refuse=0.9, coverage=0.3, missing=1.0, top_dense=0.5))
    assert 0.0 < unsure < 0.5 < sure < 1.0
    cal.save("m1", tmp_path / "c.json")
    cal.save("m2", tmp_path / "c.json")
    assert Calibration.load("m1", tmp_path / "c.json") == cal
    with pytest.raises(InputError, match="no answerability calibration for 'm3'"):
        Calibration.load("m3", tmp_path / "c.json")
    with pytest.raises(InputError, match="unknown signals"):
        Calibration(weights={"nope": 1.0}, bias=0.0, threshold=0.5)
    (tmp_path / "bad.json").write_text(json.dumps({"weights": {}}), encoding="utf-8")
    with pytest.raises(InputError, match="calibrate.py"):
        Calibration.load("m1", tmp_path / "bad.json")


def test_shipped_calibration_covers_both_generators() -> None:
    for generator in (Settings().generator, Settings().fast_generator):
        cal = Calibration.load(generator)
        assert 0.0 <= cal.threshold < 1.0 and cal.weights and cal.source


def test_settings_validate_and_parse_overrides() -> None:
    with pytest.raises(ValueError, match="top_k"):
        Settings(top_k=0)
    with pytest.raises(ValueError, match="language"):
        Settings(language="fr")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="evidence_dense_weight"):
        Settings(evidence_dense_weight=-0.1)
    assert Settings.parse_override("answer_threshold=0") == ("answer_threshold", 0.0)
    assert Settings.parse_override("answer_threshold=none") == ("answer_threshold", None)
    assert Settings.parse_override("bm25-weight=2.5") == ("bm25_weight", 2.5)
    assert Settings.parse_override("translate_queries=false") == ("translate_queries", False)
    with pytest.raises(ValueError, match="NAME=VALUE"):
        Settings.parse_override("nonsense=1")


def _bot(tmp_path: Path, gen: EchoGenerator, **changes: object) -> Assistant:
    docs = tmp_path / "docs"
    docs.mkdir(exist_ok=True)
    (docs / "fund.txt").write_text(PASSAGES[0].chunk.text, encoding="utf-8")
    (docs / "center.txt").write_text(PASSAGES[1].chunk.text, encoding="utf-8")
    bot = Assistant(Settings(index_root=tmp_path / "i", progress=False, **changes),  # type: ignore[arg-type]
                    embedder=HashEmbedder(), generator=gen)
    bot.index([docs])
    return bot


def test_low_confidence_refuses_without_generating(tmp_path: Path) -> None:
    gen = EchoGenerator(refuse_if="16家")  # the scoring step says "refuse" for the centre passage
    bot = _bot(tmp_path, gen)
    answer = bot.ask("南A中心首批有多少家东盟企业入驻？")
    threshold = Calibration.load(bot.settings.generator).threshold
    assert answer.refused and answer.confidence is not None and answer.confidence < threshold
    assert answer.signals["p_refuse"] == pytest.approx(0.95, abs=1e-3)
    assert answer.completion_tokens == 0  # decided before any text was generated
    assert all(len(c) == 2 for c in gen.calls)  # only scoring calls, no stream


def test_confident_answer_is_cited_and_carries_signals(tmp_path: Path) -> None:
    bot = _bot(tmp_path, EchoGenerator())
    answer = bot.ask("广西人工智能产业基金规模是多少？")
    assert not answer.refused and "100亿元" in answer.text
    assert answer.confidence is not None
    assert answer.confidence >= Calibration.load(bot.settings.generator).threshold
    assert set(answer.signals) == set(SIGNALS)
    assert math.isclose(answer.signals["p_refuse"], 0.02, abs_tol=1e-3)
    assert answer.evidence.startswith("[1] ")
    assert answer.citations and answer.citations[0].source.endswith("fund.txt")


def test_threshold_override_forces_an_answer(tmp_path: Path) -> None:
    bot = _bot(tmp_path, EchoGenerator(refuse_if="16家"))
    answer = bot.ask("南A中心首批有多少家东盟企业入驻？", answer_threshold=0.0)
    # The echo double still writes its refusal sentence; a model's own refusal is respected.
    assert answer.refused and answer.completion_tokens > 0


def test_a_count_in_chinese_numerals_supports_the_same_count_in_digits() -> None:
    ev = "[1] 圍繞“五大願景”,開展“十項行動”。"
    assert is_grounded("开展10项行动[1]。", "围绕“五大愿景”开展多少项行动？", ev)
    assert unsupported_facts("开展12项行动[1]。", "开展多少项行动？", ev) == ["12", "12项"]


def test_an_answer_that_joins_question_characters_anew_adds_something() -> None:
    """Every character of 银汉鱼科 is in the question, but 鱼科 is not written there;
    a reordering that only adds function characters (型据) still adds nothing."""
    assert not adds_nothing("银汉鱼科", "凡氏下银汉鱼是什么科的鱼类？")
    assert not adds_nothing("广西人工智能产业发展白皮书", "广西信息中心发布了哪份人工智能白皮书？")
    question = "哪一家据白皮书在2023年4月发布了通义千问大模型？"
    assert adds_nothing("通义千问大模型据白皮书在2023年4月发布了。", question)
    assert adds_nothing("华为盘古大模型形成的三个层级体系被称为什么？", "华为盘古大模型形成的三个层级体系被称为什么？")
    # Citation markers where the names should be leave only function characters (和).
    assert adds_nothing("文末署名的记者有[1]和[2]。", "文末署名的记者有哪几位？")


def test_an_english_answer_that_restates_the_question_adds_nothing() -> None:
    question = "What mentoring system does the Guangxi AI College use in talent cultivation?"
    assert adds_nothing("Guangxi AI College uses a mentoring system in talent cultivation. [1]", question)
    assert not adds_nothing("The dual-mentor system [1]", question)
    cities = "Which six Guangxi cities rank in the top six by number of AI-related companies?"
    assert adds_nothing("Guangxi cities rank in the top six by number of AI-related companies (see Figure 3).", cities)
    assert not adds_nothing("Nanning, Liuzhou and Guilin rank in the top six.", cities)


def test_a_how_many_question_needs_an_amount_beyond_the_question() -> None:
    question = "2024年一季度广西IT/技术类人才供给数量是多少？"
    assert lacks_amount("2024年一季度广西IT/技术类人才供给数量呈现持续增长趋势。", question)
    assert not lacks_amount("19245人[1]", question)
    assert not lacks_amount("近一半[1]", "美中两国占全球AI企业的多少？")
    assert not lacks_amount("Two [1]", "How many companies?")
    assert not lacks_amount("南宁、柳州[1]", "哪几家企业入驻？")  # 哪几 asks for names


def test_a_figure_beside_a_measure_the_evidence_lacks_is_no_answer() -> None:
    """Asked for patents granted, the evidence gives patents applied for."""
    ev = "[1] 截至2024年5月底，全区人工智能相关专利申请量累计为1788件；"
    question = "截至2024年5月底，广西人工智能相关专利授权量累计是多少件？"
    assert "授权量" in restated_gaps("广西人工智能相关专利授权量累计是1788件。", question, ev)
    assert not is_grounded("广西人工智能相关专利授权量累计是1788件。", question, ev)
    # Restating what the evidence has, or the source the question cites, is fine.
    assert restated_gaps("专利申请量累计为1788件[1]。", "据白皮书，专利申请量累计是多少件？", ev) == []
    assert restated_gaps("据白皮书，专利申请量为1788件[1]。", "据白皮书，专利申请量累计是多少件？", ev) == []
    # A demonstrative phrase (这一属) points back at the subject: it is no measure.
    fossil = "[1] 牠们生存于300-50万年前的上新世晚期至更新世中期。"
    assert restated_gaps("这一属生活在距今300-50万年前。", "硕齿兽这一属生活在距今多少年前？", fossil) == []


def test_an_answer_is_attributed_to_the_fewest_lines_that_hold_it() -> None:
    ev = ("[1] 南A中心于4月3日开工,首批签约入驻40个项目,投资合作金额超79亿元。\n"
          "[2] 会议还讨论了数字经济。\n"
          "[3] 今年2月广西又设立了100亿元人民币的人工智能产业基金。")
    assert supporting_passages("79亿元", "投资合作金额是多少？", ev) == [1]
    # Facts of two documents joined in one sentence: both lines, nothing else.
    assert supporting_passages("投资超79亿元，小于100亿元的基金。", "哪个更大？", ev) == [1, 3]
    # Only single new characters (在“边”): attributed by those characters.
    assert supporting_passages("最大的机遇在“边”。", "最大的机遇在哪里？",
                               "[1] 会议。\n[2] 广西最大的机遇在“边”。") == [2]
    assert supporting_passages("泽鹿", "叫什么？", ev) == []


def test_an_answer_copied_from_a_line_about_something_else_is_refused() -> None:
    """The only date in the evidence is another bus route's: grounded figure, wrong subject."""
    ev = ("[1] 九龙巴士41R线\n"
          "[2] 2010年2月27日起投入服务，主要服务元朗洪水桥及蓝地的乘客。")
    question = "九龙巴士41R线是什么时候投入的服务？"
    assert missing_identifiers("2010年2月27日", question, ev) == ["41r"]
    assert not is_grounded("2010年2月27日", question, ev)
    # An English question's words are not identifiers to look for.
    assert missing_identifiers("2010", "When did route 41R enter service?", ev) == []
    ev = "[1] 梁修身，台湾男演员，曾获得金钟奖男演员奖。\n[2] 迟子建凭借小说获得第七届茅盾文学奖。"
    coverage = subject_coverage("第七届茅盾文学奖", "梁修身曾经获得过什么奖项？", ev)
    assert coverage is not None and coverage < MIN_SUBJECT_COVERAGE
    assert not is_grounded("第七届茅盾文学奖", "梁修身曾经获得过什么奖项？", ev)
    assert is_grounded("金钟奖男演员奖", "梁修身曾经获得过什么奖项？", ev)


def test_an_answer_from_a_line_about_another_person_is_refused() -> None:
    """The line holding the year names another director, and the asked one is on another
    line; its other words cover the question well enough for the subject check."""
    ev = ("[1] 2008年周文杰在电视剧中饰演警察而打开知名度。\n"
          "[2] 李海川，台湾男演员、导演，出生于高雄，于1970年加入电视台为演员。")
    question = "台湾导演周文杰是哪一年出生的？"
    assert unnamed_people("1970年[2]", question, ev) == ["周文杰"]
    assert not is_grounded("1970年[2]", question, ev)
    # a line that names the person, or names nobody (their own words), is judged on its facts
    assert unnamed_people("1970年[1]", question, "[1] 周文杰，台湾导演，生于1970年。") == []
    assert unnamed_people("制造在南宁[1]", "周文杰建议打造“研发在东部、制造在哪里”的产业链？",
                          "[1] 要打造研发在东部、制造在南宁的产业链。") == []
    # a name no evidence line writes is no person of the evidence (jieba tags 白皮书 as a name)
    assert unnamed_people("1970年[2]", question, ev.replace("周文杰", "张明远")) == []
    # a name only describing what a question of several clauses asks about is not judged
    assert unnamed_people("1970年[2]", "周文杰任教的那所学校，是哪一年建校的？", ev) == []
    # a quoted title is no person
    assert unnamed_people("1970年[2]", "“周文杰”号帆船是哪一年下水的？", ev) == []


@pytest.mark.parametrize(("answer", "missing"), [
    ("由两大部分组成。", ["两大部分"]),  # the evidence counts four
    ("来自两个国家。", ["两个"]),
    ("由四个部分组成。", []),  # parts with or without 大 or 个
    ("来自六个国家的十六家企业。", []),  # digits in the evidence
    ("提出一个判断。", []),  # a lone 一 counts nothing
    ("十月开幕。", []),  # a month is no count
])
def test_a_count_in_chinese_numerals_must_be_in_the_evidence(answer: str, missing: list[str]) -> None:
    ev = "[1] 本白皮书由四大部分组成。\n[2] 首批6个国家的16家企业入驻，十月开幕。"
    assert unsupported_facts(answer, "白皮书由几部分组成？", ev) == missing


def test_a_glossed_english_answer_may_name_what_the_evidence_writes_in_characters() -> None:
    """The Chinese gloss makes the answer's Latin words facts; Wuhan is the reading of
    武汉 in the evidence, Shanghai is not there."""
    ev = "[1] 南宁金融集团与何猷君创办的红鲤文化传播(武汉)有限公司签署投资合作协议。"
    question = "He Youjun founded Hongli Culture (红鲤文化). In which city is it registered?"
    assert unsupported_facts("Hongli Culture (红鲤文化) is registered in Wuhan. [1]", question, ev) == []
    assert unsupported_facts("Hongli Culture (红鲤文化) is registered in Shanghai. [1]", question, ev) == ["shanghai"]


def test_the_subject_is_judged_on_the_sentence_that_asks() -> None:
    """A question that first describes the bay area (one document) and then asks what the
    white paper says of it (another): the line holding the answer covers the asking
    sentence, not the description."""
    ev = ("[1] 我们觉得应该依托粤港澳大湾区制造优势，打造“研发在东部、制造在南宁、应用在东盟”的产业链；\n"
          "[2] 深化与粤港澳大湾区合作，引进和培育一批数据商和专业服务机构。")
    question = ("潘永钟建议依托某个湾区的制造优势，打造“研发在东部、制造在南宁、应用在东盟”的产业链。"
                "白皮书在数据要素部分建议广西深化与这个湾区的合作，引进和培育一批什么？")
    assert asked_sentence(question).startswith("白皮书")
    assert is_grounded("数据商和专业服务机构[2]", question, ev)
    assert asked_sentence("梁修身曾经获得过什么奖项？") == "梁修身曾经获得过什么奖项？"


@pytest.mark.parametrize(("question", "ev", "answer"), [
    ("雷鸟5系的整车是在德国哪座城市组装出厂的？", "[1] 雷鸟5系是一款中型轿车，该车系在德国莱比锡装配。", "德国莱比锡"),
    ("东湖站什么时候投入使用？", "[1] 东湖站于2009年5月1日随着3号线通车投入运营。", "2009年5月1日"),
])
def test_a_paraphrased_question_is_about_the_line_that_keeps_its_characters(question: str, ev: str,
                                                                           answer: str) -> None:
    """组装出厂 / 装配, 投入使用 / 投入运营: the holding line drops the question's word and
    keeps half its characters, which count for half of a word; word by word, the line
    held a third of the question and the right answer was refused."""
    coverage = subject_coverage(answer, question, ev)
    assert coverage is not None and coverage >= MIN_SUBJECT_COVERAGE
    assert is_grounded(answer, question, ev)
    assert term_share({"投入使用": 4.0, "东湖": 2.0}, "东湖站投入运营", partial=PARTIAL_TERM_CREDIT) == pytest.approx(
        (2.0 + PARTIAL_TERM_CREDIT * 4.0 * 0.5) / 6.0)


def test_characters_of_another_thing_make_no_subject() -> None:
    """Another station's line shares only 投入 with the question: half of 投入使用 counts
    for a quarter of its weight, no character of 西湖 is there, and one character of four
    (口 of 入口税率) counts for nothing."""
    ev = "[1] 东山站于2009年5月1日随着3号线通车投入运营。"
    assert not is_grounded("2009年5月1日", "西湖站什么时候投入使用？", ev)
    assert char_share("西湖", "东湖站") == 0.5 and char_share("AI", "东湖") == 0.0
    assert term_share({"入口税率": 2.0}, "进口", partial=PARTIAL_TERM_CREDIT) == 0.0  # 1 of 4 characters


def test_common_words_of_another_article_make_no_subject() -> None:
    """Another article's line holds 开始, 小说 and half of 杂志 and 刊登, none of the novel
    the question names: weighted by length those made 42% of the question and the
    year of that line was answered; weighted by rarity (``rarity``) they make 28%."""
    question = "《九命奇冤》是在哪一年开始在《新小说》杂志上刊登的？"
    other = "[1] 他曾于1915年出家，后来开始创作推理小说，投稿专门志并荣登佳作。"
    assert rarity("开始") < rarity("小说") < rarity("百济") < rarity("流花湖")  # 流花湖: not in the table
    assert (subject_coverage("1915年[1]", question, other) or 1.0) < MIN_SUBJECT_COVERAGE
    assert not is_grounded("1915年[1]", question, other)
    own = "[1] 《九命奇冤》于1906年起在《新小说》杂志连载刊登。"
    assert is_grounded("1906年[1]", question, own)


@pytest.mark.parametrize(("question", "answer", "evidence"), [
    ("《城市访谈》中主持人带观众参观的那一届博览会，据李华的《南方日报》专访是在哪个月举办的？", "9月",
     "[4] （省委书记李华）今年9月，本省将以人工智能为主题举办第22届博览会。"),
    ("全国政协委员王芳任副校长的那所高校，据白皮书已明确了人工智能的什么研究方向？", "硕士研究方向",
     "[2] 江南师范大学已明确人工智能硕士研究方向。"),
])
def test_a_clause_naming_the_source_is_about_the_subject_alone(question: str, answer: str, evidence: str) -> None:
    """What comes before "据<source>" describes the subject from another document (the
    host, the visitors, the vice-president): the line holding the answer is judged on the
    clause that asks from the source on, too."""
    assert (subject_coverage(answer, question, evidence) or 0.0) >= MIN_SUBJECT_COVERAGE
    assert is_grounded(answer, question, evidence)


def test_words_that_ask_are_no_part_of_the_subject() -> None:
    """jieba makes key terms of a question word and what follows it (哪部, 哪一篇, 几颗牙):
    no evidence writes them, so they only lowered the share of the question a line about
    its subject holds, and right answers to paraphrased questions were refused."""
    terms = subject_terms("某兽嘴里一共长着几颗牙？")
    assert not any(t.startswith("几") for t in terms) and any(t.startswith("几") for t in key_terms("某兽嘴里一共长着几颗牙？"))
    assert "哪部" not in subject_terms("《子不语》的另一个书名典出哪部古籍的哪一篇？")
    assert "哪吒" in subject_terms("哪吒的父亲是谁？")  # a name jieba knows stays
    ev = "[1] 《子不语》成书后，作者改用书名《新齐谐》，取自《庄子·逍遥游》。"
    question = "《子不语》的另一个书名典出哪部古籍的哪一篇？"
    assert (subject_coverage("《庄子·逍遥游》[1]", question, ev) or 0.0) >= MIN_SUBJECT_COVERAGE
    assert is_grounded("《庄子·逍遥游》[1]", question, ev)


def test_a_numbered_route_the_holding_line_lacks_is_another_route() -> None:
    """Asked where route 86线 runs, a line about route 87线 answers nothing."""
    ev = "[1] 九龙巴士87线是来往象山邨及九龙站的巴士路线。"
    assert missing_identifiers("九龙巴士86线是通往象山邨的。[1]", "九龙巴士86线是通往哪里的？", ev) == ["86"]
    assert not is_grounded("九龙巴士86线是通往象山邨的。[1]", "九龙巴士86线是通往哪里的？", ev)
    assert missing_identifiers("象山邨[1]", "九龙巴士87线是通往哪里的？", ev) == []
    # a line about the first phase answers nothing about the second
    phase = "[1] 柳州车联网先导区已建成一期项目，完成125个路口升级改造。"
    assert missing_identifiers("125个路口[1]", "柳州车联网先导区二期项目计划改造多少个路口？", phase) == ["二期项目"]
    assert missing_identifiers("125个路口[1]", "柳州车联网先导区一期项目改造了多少个路口？", phase) == []
    # a count of routes is no route number
    assert missing_identifiers("48条[1]", "钦州港有多少条集装箱航线？", "[1] 挂靠钦州港的集装箱航线48条。") == []


class _BareGenerator(EchoGenerator):
    """Answers with a bare figure and no marker, as the 1.5B model often does."""

    banned: tuple[str, ...] = ()

    def stream_chat(self, messages: Sequence[dict[str, str]], max_tokens: int,
                    ban_first: tuple[str, ...] = ()) -> Iterator[str]:
        self.calls.append(list(messages))
        self.banned = ban_first
        self.last_usage = {"prompt_tokens": len(messages[-1]["content"]), "completion_tokens": 3}
        yield "16家"


def test_an_unmarked_grounded_answer_cites_the_passage_holding_it(tmp_path: Path) -> None:
    bot = _bot(tmp_path, _BareGenerator())
    answer = bot.ask("南A中心首批有多少家东盟企业入驻？")
    assert not answer.refused
    assert [c.source for c in answer.citations] == [str(tmp_path / "docs" / "center.txt")] or \
        [c.source.rsplit("/", 1)[-1] for c in answer.citations] == ["center.txt"]
    assert answer.citations[0].added and answer.text == f"16家[{answer.citations[0].marker}]"
    assert "16家" in answer.citations[0].quote


def test_an_answer_may_start_with_neither_the_refusal_nor_a_citation_marker(tmp_path: Path) -> None:
    """Once the decision to answer is taken, a reply of only "[1]" is not allowed either."""
    gen = _BareGenerator()
    _bot(tmp_path, gen).ask("南A中心首批有多少家东盟企业入驻？")
    assert gen.banned == ("资料中没有找到该问题的答案。", MARKER_OPEN)


def test_figures_are_written_as_the_evidence_writes_them() -> None:
    ev = "[1] 岛屿面积约4万平方米。成员共有220个来自115个国家的组织。\n[2] 投资超过79亿元，另有79亿元贷款。"
    assert complete_figures("220", "成员一共有多少个？", ev) == "220个"
    assert complete_figures("面积为4万平方米[1]。", "面积多少？", ev) == "面积为约4万平方米[1]。"
    assert complete_figures("115个", "多少个国家？", ev) == "115个"  # already has its unit
    # 79亿元 is written once with 超过 and once without: no single way to complete it.
    assert complete_figures("79亿元", "投资多少？", ev) == "79亿元"
    assert complete_figures("220", "How many members?", ev) == "220"  # English: units are words
    ev = "[1] 全国31个省出台了100多份政策文件。"
    assert complete_figures("100", "How many policy documents?", ev) == "more than 100"
    assert complete_figures("over 100", "How many policy documents?", ev) == "over 100"
    assert complete_figures("100份", "出台了多少份？", ev) == "100多份"
    assert complete_figures("100", "出台了多少份？", ev) == "100多份"
    # A bare figure of an English answer gets the English word the evidence counts with it.
    ev = "[2] Guangxi has hosted 21 editions of the China-ASEAN Expo and four AI summits."
    assert complete_figures("21[2]", "How many editions of the expo (东博会)?", ev) == "21 editions[2]"
    assert complete_figures("It hosted 21 [2]", "How many editions?", ev) == "It hosted 21 [2]"  # not bare
    assert complete_figures("21", "How many editions?", ev + "\n[3] Of the 21 of them, …") == "21"  # disagree
    # a noun of two words, up to the first word that is not part of it
    ev = "[2] As of September, ASEAN had 489 data centres in operation; 16 companies signed up."
    assert complete_figures("489[2]", "How many data centres did ASEAN have?", ev) == "489 data centres[2]"
    assert complete_figures("16", "How many companies signed?", ev) == "16 companies"
    # A Chinese scale an English answer dropped is the value itself: 2.13 of 2.13万个 is 21,300.
    ev = "[2] 全区累计建成圆池2.13万个，其他国家均不到10%。"
    q = "How many round tanks had Guangxi built?"
    assert complete_figures("2.13 [2]", q, ev) == "2.13万个 [2]"
    assert present("2.13 [2]", q, ev) == "21,300 (2.13万个) [2]"
    assert complete_figures("2.13 million", q, ev) == "2.13 million"  # a scale of its own
    assert complete_figures("10%", "What share do other countries hold?", ev) == "less than 10%"
    assert complete_figures("10%", "其他国家占比多少？", ev) == "不到10%"


def test_an_english_question_naming_chinese_terms_is_answered_in_english(tmp_path: Path) -> None:
    question = "How many ASEAN companies moved into the Nan-A Center (南A中心) first?"
    assert answer_language(question) == "en"
    assert answer_language("南A中心首批有多少家企业？") == "zh"
    gen = EchoGenerator()
    bot = _bot(tmp_path, gen)
    bot.ask(question)
    english = bot.prompts("en").system
    assert any(call[0]["content"] == english for call in gen.calls if len(call) == 2)


def test_a_citation_marker_is_not_a_figure() -> None:
    """[2] stays [2], not [2月], though the evidence writes 2 only as 2月."""
    ev = "[2] 今年2月广西又设立了100亿元人民币的人工智能产业基金。"
    assert complete_figures("100亿元[2]", "基金规模是多少？", ev) == "100亿元[2]"
    assert complete_figures("[2] 100亿元【2】", "基金规模是多少？", ev) == "[2] 100亿元【2】"


def test_a_gloss_of_an_english_question_must_be_in_the_lines_holding_the_answer() -> None:
    """Asked who chairs Qi An Xin (奇安信), a caption naming another company's chairman
    is no answer, though it holds "chairman"; the line about 奇安信 is."""
    q = "Who is the chairman of Qi An Xin (奇安信), the data-security company?"
    ev = ("[1] 而后的5月12日,奇安信与广西签署合作协议。\n[2] 奇安信是北京首批企业。其董事长齐向东表示,将加快推进。\n"
          "[4] 自治区政协委员 南宁市青联副主席 广西金庚科技有限责任公司董事长")
    wrong = "Qi An Xin's chairman is Guangxi Goldeng Technology Limited Company's Chairman. [4]"
    assert missing_glosses(wrong, q, ev) == ["奇安信"]
    assert not is_grounded(wrong, q, ev)
    assert missing_glosses("Qi Xiangdong [2]", q, ev) == []
    assert missing_glosses("Qi Xiangdong [2, 4]", q, ev) == []  # one cited line holds it
    # Traditional evidence holds a simplified gloss; a Chinese question is not judged.
    assert missing_glosses("Qi Xiangdong [1]", q, "[1] 奇安信董事長齊向東") == []
    assert missing_glosses("齐向东[4]", "奇安信的董事长是谁？", ev) == []
    # An answer held by English lines only is not judged.
    assert missing_glosses("21 editions [1]", "How many editions of the expo (东博会)?",
                           "[1] Guangxi has hosted 21 editions of the China-ASEAN Expo.") == []


def test_a_sentence_opening_with_a_pronoun_comes_with_the_one_before() -> None:
    """"其董事长齐向东表示…" is about 奇安信 only read after the sentence naming it."""
    text = ("奇安信是北京首批“隐形冠军”企业。其董事长齐向东表示,将加快推进研究院建设。此外,双方还签了协议。\n"
            "该中心已投入使用。\n其次是人才。")
    shown = [s.text for s in passage_sentences([_hit(text)])]
    assert shown[0] == "奇安信是北京首批“隐形冠军”企业。其董事长齐向东表示,将加快推进研究院建设。"
    assert "此外,双方还签了协议。" in shown  # 此外 is a connective, not a pronoun
    assert "该中心已投入使用。" in shown  # the sentence before it is on another line
    assert "其次是人才。" in shown
    ev = select_evidence(["奇安信的董事长是谁？"], [_hit(text)], len, 200, 1)
    assert "齐向东" in ev.format() and "奇安信" in ev.format()


def test_a_card_of_short_lines_is_one_sentence() -> None:
    """A speaker's caption (name / post / post, one line each) reads as one evidence
    sentence, so "which vice-president" finds the name beside the post; a blank line
    or a punctuated line ends the card, and a lone short line stays as it was."""
    text = ("我们接下来请刘委员来介绍一下学院的相关情况。\n刘建明\n自治区政协委员\n桂林电子科技大学副校长\n"
            "民建桂林市委副主委\n广西人工智能学院于今年成立，致力打造教科产融合基地。\n问\n人才是第一资源。")
    sentences = passage_sentences([_hit(text)])
    card = [s for s in sentences if "刘建明" in s.text]
    assert len(card) == 1
    assert card[0].prompt_text == "刘建明 自治区政协委员 桂林电子科技大学副校长 民建桂林市委副主委"
    assert text[card[0].start:card[0].end] == card[0].text  # offsets still point at the source
    assert not any(s.text == "问" for s in sentences)  # a lone short line is no card (and too short)
    # a line holding only spaces ends a card; a run never starts mid-line; quoted speech is no card
    spaced = passage_sentences([_hit("自治区政协委员会\n \n桂林电子科技大学\n")])
    assert [s.prompt_text for s in spaced] == ["自治区政协委员会", "桂林电子科技大学"]
    mid = passage_sentences([_hit("会议由张三主持。李四王五赵六\n孙七周八吴九\n")])
    assert "会议由张三主持。" in [s.text for s in mid]
    assert not any(s.text.startswith("李四") and "孙七" in s.text for s in mid)
    quotes = passage_sentences([_hit("“我们会继续努力。”\n“谢谢大家的支持。”\n")])
    assert len(quotes) == 2
    apart = passage_sentences([_hit("刘建明\n\n自治区政协委员会议在南宁召开\n")])
    assert [s.prompt_text for s in apart] == ["自治区政协委员会议在南宁召开"]  # "刘建明" alone is too short
    ev = select_evidence(["桂林电子科技大学哪位副校长介绍了广西人工智能学院？"], [_hit(text)], len, 200, 3)
    assert "刘建明" in ev.format()


@pytest.mark.parametrize(("text", "refused"), [
    ("This question is not answered by the given passages.", True),
    ("The documents do not contain the answer to this question.", True),
    ("资料中没有找到该问题的答案。", True),
    ("The fund is 10 billion yuan [1].", False),
    ("The plan was announced in the given year [1].", False),
])
def test_refusals_in_other_words_are_refusals(text: str, refused: bool) -> None:
    assert is_refusal(text, load_prompts()) is refused


@pytest.mark.parametrize(("question", "answer", "lacking"), [
    ("吴末帝孙皓的皇后滕氏是在哪一年去世的？", "滕氏在三国时东吴末帝孙皓去世后去世。[1]", True),
    ("In which year was the conference held?", "It was held in Nanning. [1]", True),
    ("2021年的会议在哪一年之后举办？", "2021年之后[1]", True),  # the question's own year
    ("这个鲤鱼门天后庙建于哪一年？", "清乾隆十八年（1753年）[1]", False),
    ("这个鲤鱼门天后庙建于哪一年？", "乾隆十八年[1]", False),
    ("What year was it founded?", "2023 [1]", False),
    ("南A中心位于哪里？", "南宁[1]", False),  # no year asked
    # a month or a day asked: the year alone, or the month alone, is no answer
    ("中国-东盟产业合作区是2023年几月成立的？", "中国-东盟产业合作区是2023年成立的。[1]", True),
    ("In which month was the course held?", "In 2023. [1]", True),
    ("奇安信与广西签署合作协议是在哪一天？", "2023年5月[1]", True),
    ("中国-东盟产业合作区是2023年几月成立的？", "5月[1]", False),
    ("In which month was the course held?", "March 2023 [1]", False),
    ("奇安信与广西签署合作协议是在哪一天？", "5月12日[1]", False),
    ("On what date was the report filed?", "March 11 [1]", False),
    # a decade is no year
    ("他的总统任期在哪一年结束？", "他的总统任期在1990年代结束。[1]", True),
    ("In which year did his term end?", "In the 1990s. [1]", True),
    ("他的总统任期在哪一年结束？", "1990年代末的1998年[1]", False),
    # the 5 of 5月 writes a month, not the year asked
    ("额亦都是在哪一年去世的？", "5月[1]", True),
    ("额亦都是在哪一年去世的？", "5月12日[1]", True),
    ("额亦都是在哪一年去世的？", "1621年5月[1]", False),
    ("额亦都是在哪一年去世的？", "天命六年[1]", False),
    ("In which year did he die?", "In 1621. [1]", False),
])
def test_a_when_question_needs_the_part_it_asks(question: str, answer: str, lacking: bool) -> None:
    assert lacks_date_part(answer, question) is lacking
    if lacking:
        assert not is_grounded(answer, question, "[1] 会议于2023年在南宁举办。滕氏，孙皓之妻。")


def test_a_length_question_needs_an_amount() -> None:
    assert lacks_amount("白尾雀鲷一般栖息在低潮线下有碎礁或圆石之海底。[1]", "白尾雀鲷一般栖息在多深的水里？")
    assert not lacks_amount("水深0.5至3公尺[1]", "白尾雀鲷一般栖息在多深的水里？")


def test_a_rank_question_needs_a_rank_and_one_of_is_none() -> None:
    """排名第几 is answered by a number (第26名, 第四大); "…之一" (one of) names none."""
    rank = "广西招收东盟国家留学生的数量在全国各省份中排名第几？"
    assert lacks_amount("广西是全国招收东盟国家留学生的数量最多的省份之一。[1]", rank)
    assert not lacks_amount("全国第二位[1]", rank)
    assert not lacks_amount("港北区成为全国第四大电动车生产基地。[1]", "港北区成为全国第几大电动车生产基地？")
    assert lacks_amount("南宁是东盟留学生最多的城市之一。[1]", "广西有多少名东盟留学生？")
    assert not lacks_amount("南宁[1]", "广西哪座城市的东盟留学生最多？")  # no amount asked


def test_a_title_alone_names_no_one() -> None:
    question = "福林德斯大学的首任校长叫什么名字？"
    assert adds_nothing("福林德斯大学的首任校长叫爵士。[1]", question)
    assert not adds_nothing("福林德斯大学的首任校长叫彼得·卡尔斯爵士。[1]", question)
    assert adds_nothing("The first vice-chancellor was Sir. [1]", "Who was the first vice-chancellor?")
    assert not adds_nothing("爵士乐[1]", "这家酒吧演奏什么音乐？")  # no name asked
    # the name given is the question's own (the university's, not its president's)
    assert adds_nothing("海滨大学的首任校长叫海滨。[1]", "海滨大学的首任校长叫什么名字？")
    assert not adds_nothing("海滨大学的首任校长叫陈有杰。[1]", "海滨大学的首任校长叫什么名字？")


def test_an_answer_no_passage_supports_is_not_grounded() -> None:
    """An English answer naming no figure or Chinese name that the Chinese passages
    hold (an invented post) gets no citation, so it becomes a refusal; one whose
    figure a line holds (9,000 for 9万, checked as the evidence writes it) is cited."""
    passage = "青联副主席李宇生表示，广西金耕科技将加快推进。发布一周年其系列产品已服务业务用户超过9万家。"
    hits = [_hit(passage, 0)]
    ev = f"[1] {passage}"
    prompts = load_prompts()
    post = "Besides chairing Guangxi Jingeng Technology, what youth-organisation post does Li Yusheng hold?"
    invented = check_answer("Li Yusheng holds the post of Youth-Organisation Secretary. [1]", post, ev, prompts)
    assert invented is not None  # no check sees it ...
    assert cite_checked(invented, post, ev, hits, {}) is None  # ... but nothing cites it
    users = "By its first anniversary, how many business users had the products served?"
    checked = check_answer("The products had served 9,000 business users. [1]", users, ev, prompts)
    assert checked is not None and "9万" in checked
    cited = cite_checked(checked, users, ev, hits, {})
    assert cited is not None and [c.marker for c in cited[1]] == [1]
    assert present(cited[0], users, ev) == "The products had served more than 90,000 (9万) business users.[1]"
    chinese = check_answer("李宇生任青联副主席。", "李宇生担任什么青联职务？", ev, prompts)
    assert chinese is not None and cite_checked(chinese, "李宇生担任什么青联职务？", ev, hits, {}) is not None


def test_a_bare_figure_is_judged_as_the_evidence_writes_it() -> None:
    """A bare figure is checked with the unit the evidence gives it (what the user
    sees): 1780 of 1780万只控制器 counts controllers, so it answers no question
    about output value, in Chinese or in English; the figure with its unit is
    judged the same."""
    ev = "[1] 截至2024年5月，柳州汽车建成电子电控1780万只控制器的产业规模。"
    prompts = load_prompts()
    for question in ("柳州电子电控产业的产值是多少？", "How much revenue did Liuzhou's electronic-control industry earn?"):
        assert check_answer("1780 [1]", question, ev, prompts) is None
    assert check_answer("1780万只[1]", "柳州电子电控产业的产值是多少？", ev, prompts) is None
    assert check_answer("1780 [1]", "柳州有多少只电子电控控制器？", ev, prompts) == "1780 [1]"


def test_a_replay_cites_over_the_passages_the_row_recorded() -> None:
    """``replay.checked_answer`` applies the citation rule too, over the row's
    recorded passages: the same row is answered or refused by what they hold."""
    from assistant.evaluation.replay import checked_answer

    question = "Besides chairing Guangxi Jingeng Technology, what youth-organisation post does Li Yusheng hold?"
    passage = "青联副主席李宇生表示，广西金耕科技将加快推进。"
    row = {"question": question, "signals": {"p_refuse": 0.1}, "evidence_text": f"[1] {passage}",
           "raw_answer": "Li Yusheng holds the post of Youth-Organisation Secretary. [1]",
           "passages": [{"source": "a.txt", "text": passage}]}
    assert checked_answer(row, load_prompts()) is None
    row["raw_answer"] = "李宇生任青联副主席。[1]"
    assert checked_answer(row, load_prompts()) == "李宇生任青联副主席。"


def test_a_lookup_step_accepts_a_name_the_evidence_writes() -> None:
    """The first step of a two-step answer only finds a name (``steps.plan.AnswerOne``):
    a name the evidence writes is accepted even where the whole-answer checks reject it
    (here the line holds too few of the question's words); a name the evidence does not
    write, one the question itself writes, or a sentence, is not."""
    ev = "[1] 名单中还包括智平方(深圳)科技有限公司、北京百奥几何生物科技有限公司。"
    question = "陈刚会见的企业中有一家属于具身智能领域，其名称里标明了所在城市，这座城市是哪座城市？"
    prompts = load_prompts()
    assert check_answer("深圳", question, ev, prompts) is None
    assert check_answer("深圳", question, ev, prompts, lookup=True) == "深圳"
    assert written_name("深圳[1]。", question, ev)
    assert written_name("北京百奧幾何[1]", question, ev)  # any script
    assert not written_name("广州[1]", question, ev)  # not written so
    assert not written_name("北京[1]", "名单上排在北京百奥之后的是哪家企业？", ev)  # the question writes it
    assert not written_name("在他会见的企业名单中,还包括具身智能领域的智平方(深圳)科技有限公司", question, ev)  # a sentence
