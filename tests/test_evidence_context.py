"""What an evidence sentence carries from the question's and the passage's context.

- A question may describe its subject in a first sentence before asking about it in
  its last ("城市进化论文章提到…；据白皮书，…是什么？"): the terms only the describing
  sentence holds weigh ``Settings.evidence_described_weight`` in the evidence choice.
- A sentence cut at a semicolon or clause mark keeps its opening date on the later piece
  ("（截至2024年4月底）全区算力总规模达668 PFlops").
"""

from __future__ import annotations

import pytest

from assistant.answer.evidence.selection import select_evidence
from assistant.answer.evidence.sentences import MAX_SENTENCE_CHARS, passage_sentences
from assistant.settings import Settings
from assistant.types import Chunk, Hit


def _hit(text: str, n: int = 0) -> Hit:
    chunk = Chunk(chunk_id=f"d-{n}", doc_id=f"d{n}", source=f"d{n}.txt", ordinal=n, text=text,
                  search_text=text, start=0, end=len(text), heading="")
    return Hit(chunk=chunk, score=1.0 / (n + 1), dense_score=0.5)


QUESTION = "城市进化论文章提到广西在2018年出台了《加快数字广西建设若干措施》。据白皮书，广西同一年出台的人工智能规划实施文件叫什么？"
HITS = [
    _hit("城市进化论文章说，2018年广西出台《加快数字广西建设若干措施》，提出25条措施。", 0),
    _hit("白皮书指出，2018年广西出台《关于贯彻落实新一代人工智能发展规划的实施意见》，这是广西唯一的人工智能规划实施文件。", 1),
]


def _shown(weight: float) -> str:
    return select_evidence([QUESTION], HITS, len, budget=200, max_sentences=1, described_weight=weight).format()


def test_terms_of_the_describing_sentence_weigh_less_in_the_evidence_choice() -> None:
    """Every term weighing alike, the line restating the first sentence (城市进化论, 加快数字广西
    建设若干措施) wins the one place; weighed down, the line the asking sentence is about."""
    assert "贯彻落实" not in _shown(1.0)
    assert "贯彻落实" in _shown(0.1)


def test_a_one_sentence_question_is_scored_as_before() -> None:
    question = ["广西2018年出台的人工智能规划实施文件叫什么？"]
    alike = select_evidence(question, HITS, len, budget=200, max_sentences=2)
    weighed = select_evidence(question, HITS, len, budget=200, max_sentences=2, described_weight=0.1)
    assert alike == weighed


def test_the_describing_weight_is_validated() -> None:
    with pytest.raises(ValueError, match="evidence_described_weight"):
        Settings(evidence_described_weight=1.5)


def test_the_later_piece_of_a_cut_sentence_shows_the_date_it_opens_with() -> None:
    opening = "截至2024年4月底，我区公共数据开放总量达77.56亿条，"
    middle = "开放树林指数全国排名第七位，" * 8
    text = f"数据增长迅速。{opening}{middle}数据发展水平指数超出全国平均水平；全区算力总规模达668 PFlops，为人工智能发展提供支撑。"
    assert len(text) > MAX_SENTENCE_CHARS
    pieces = passage_sentences([_hit(text)])
    last = pieces[-1]
    assert last.prompt_text.startswith("（截至2024年4月底）全区算力总规模达668 PFlops")
    assert last.text.startswith("全区算力总规模")  # the citation still points at the source's words
    assert "（" not in pieces[1].prompt_text[:2]  # the piece holding the date shows it once


@pytest.mark.parametrize("text", [
    "2023年，广西人工智能核心产业规模增长迅速。全区算力总规模达668 PFlops。",  # a whole sentence of its own
    "广西人工智能核心产业规模增长迅速，" * 10 + "全区算力总规模达668 PFlops。",  # the sentence opens with no date
])
def test_a_sentence_without_a_cut_date_is_shown_as_written(text: str) -> None:
    assert not any(s.prompt_text.startswith("（") for s in passage_sentences([_hit(text)]))


def test_an_asking_sentence_that_names_nothing_is_not_scored_on_its_own() -> None:
    """"…其中一个涉及物流数据跨境流动。另一个涉及什么？" names its subject only before:
    scored on its own words (一个, 涉及), a line about another matter would win."""
    question = ["广西代表团访问越南期间首次签署了两个领域的协议，其中一个涉及物流数据跨境流动。另一个涉及什么？"]
    hits = [_hit("广西代表团访问越南期间，首次签署物流数据跨境流动、数据交易所合作组建运营等方面协议。", 0),
            _hit("另一个项目涉及的资金还在筹措。", 1)]
    weighed = select_evidence(question, hits, len, budget=200, max_sentences=1, described_weight=0.1)
    assert "数据交易所" in weighed.format()
    assert weighed == select_evidence(question, hits, len, budget=200, max_sentences=1)
