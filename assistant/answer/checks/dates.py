"""When-questions: the answer must write the part of the date asked, from a line that dates it.

A small model asked when something happened copies a date from the evidence,
whichever it finds. Three checks hold the date to the question:

- **the year asked** (``year_mismatch``): a figure the answer gives must come
  from an evidence line that also holds every year the question names; asked
  about 2024, a figure stated for 2023 (the same measure a year earlier) is
  not an answer;
- **the part asked** (``lacks_date_part``): a question asking for a year, a
  month or a day needs one the question does not already give ("滕氏在孙皓去世后
  去世" answers no 哪一年去世; "2023年成立" answers no 2023年几月成立);
- **the event asked** (``event_year``): asked which year a general was born
  (李成栋是哪一年出生的), the model gives the 1648年 of the line on his revolt;
  asked when a company was founded, the year its process was invented. A year
  answering for a birth, a death, a founding, an opening, a first holding or a
  closing (``DATED_EVENTS``) must stand in a sentence with a word of that event
  or, for a birth or a death, in a life span (701年-762年).

Any finding turns the answer into a refusal (``ground.is_grounded``).

One repair comes before them (``date_as_written``): the model puts a year of its own
before a month or a time of year the evidence dates relatively (今年9月 → "2021年9月";
3月11日电 → "2021-03-11"; 今年春节期间 → "2021年春节期间"); the date is given as the
evidence writes it instead.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..forms import (
    FIGURE,
    SENTENCE_END,
    YEAR,
    compare_form,
    has_number,
    new_figures,
    sentence_at,
    source_form,
)

# A clause dating an event the asked measure follows (1991年皮纳图博火山大爆发后，): its
# year dates the event, not the measure, so the measure's line need not repeat it.
_EVENT_BEFORE = re.compile(r"[^，,；;？?。]*(?:19|20)\d{2}年[^，,；;？?。]*(?:之后|以后|后)[，,]")


def year_mismatch(answer: str, question: str, evidence: str) -> list[str]:
    """Years the question names that no evidence line holding the answer's figure states.

    A near-miss question asks for a measure in a year the documents do not
    report (截至2024年4月底 … 算力总规模 when only 2023年底 is given); the small
    model then copies the figure of the other year. The answer's new figures
    (numbers the question did not give) must each sit in an evidence line
    (one passage's sentences with its heading) that also holds every year of
    the question, and not only in a sentence dating another year
    (``_dated_otherwise``: 2015年失联的那艘飞船 answered with the launch date of the
    line's first ship, 1978年1月20日). Answers without a new figure, and
    questions without a year, pass.
    """
    years = set(YEAR.findall(_EVENT_BEFORE.sub("", question)))
    if not years:
        return []
    asked = compare_form(question)
    figures = {f for f in FIGURE.findall(compare_form(answer)) if f not in years and not has_number(f, asked)}
    if not figures:
        return []
    lines = [source_form(line) for line in evidence.splitlines() if line.strip()]
    missing: set[str] = set()
    for figure in figures:
        holding = [line for line in lines if has_number(figure, line)]
        if holding and not any(all(y in line for y in years) for line in holding):
            missing |= {y for y in years if not any(y in line for line in holding)}
        elif holding and all(_dated_otherwise(figure, line, years) for line in holding):
            missing |= years
    return sorted(missing)


def _dated_otherwise(figure: str, line: str, years: set[str]) -> bool:
    """Whether every sentence of ``line`` holding ``figure`` lacks a year of ``years``
    and states another: the line of a passage holds the asked year (美国空军于2015年5月3日
    确认…失联), but the sentence giving the figure dates another event (1978年1月20日，
    第一艘进步号飞船发射升空). A sentence stating no year (投票率为55.64%) takes the year
    of its line."""
    sentences = [t for t in SENTENCE_END.split(line) if has_number(figure, t)]
    return bool(sentences) and all(
        not all(y in t for y in years) and set(_STATED_YEAR.findall(t)) - years for t in sentences)


# What a when-question asks for, and how an answer writes it: a year (哪一年, 何年, in
# what year, in which month and year: a number before 年 or of three or four digits, Chinese numerals before 年 as in
# 乾隆十八年 and 二〇〇八年, or 元年),
# a month (几月, which month), a day (哪一天, on what date).
_ASKS_YEAR = re.compile(r"哪一?年|何年|年份|\b(?:what|which) (?:(?:month|day|date) and )?year\b", re.I)
# A year is a number before 年 or a number of three or four digits not before 月/日/%: the
# 5 of "5月" writes a month, not the year a 哪一年 question asks.
_YEAR_WRITTEN = re.compile(r"\d+\s*年|(?<![\d.])\d{3,4}(?!\d|\.\d|\s*[月日号%])|[〇零一二三四五六七八九十百千]+年|元年")
_ASKS_MONTH = re.compile(r"几月|哪一?个?月|\b(?:what|which) month\b", re.I)
_MONTH_WRITTEN = re.compile(r"\d{1,2}\s*月|[一二三四五六七八九十正腊冬]+月|"
                            r"\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\b")
_ASKS_DAY = re.compile(r"几号|几日|哪一?天|哪日|\b(?:what|which) (?:day|date)\b", re.I)
_DAY_WRITTEN = re.compile(r"\d{1,2}\s*[日号]|[一二三四五六七八九十廿卅]+[日号]|(?<![\d.])\d{1,2}(?![\d.月年])")
DATE_PARTS: tuple[tuple[re.Pattern[str], re.Pattern[str]], ...] = (
    (_ASKS_YEAR, _YEAR_WRITTEN), (_ASKS_MONTH, _MONTH_WRITTEN), (_ASKS_DAY, _DAY_WRITTEN))
# A decade (1990年代, 八十年代, the 1990s) writes no year, month or day.
_DECADE = re.compile(r"\d+\s*年代|[〇零一二三四五六七八九十]+年代|\b\d{4}s\b")


def lacks_date_part(answer: str, question: str) -> bool:
    """True when ``question`` asks for a year, a month or a day and ``answer`` writes
    none that the question does not already give ("滕氏在孙皓去世后去世" answers no
    哪一年去世; "2023年成立" answers no 2023年几月成立; "1990年代结束" answers no 哪一年结束)."""
    asked, body = compare_form(question), _DECADE.sub(" ", compare_form(answer))
    for asks, written in DATE_PARTS:
        if asks.search(asked):
            given = set(written.findall(asked))
            if not any(w not in given for w in written.findall(body)):
                return True
    return False


@dataclass(frozen=True)
class DatedEvent:
    """An event a when-question asks about, and the words sources date it by."""

    asked: re.Pattern[str]  # the question asks for it (in ``compare_form``)
    dated: re.Pattern[str]  # a sentence dates it (in ``source_form``)
    life: bool = False  # a birth or a death: a life span (701年-762年) dates it too


def _words(words: str) -> str:
    return "|".join(words.split())


# 生 that dates a birth (生于, 出生, 1936年生), not a word that only holds the character:
# 学生, 先生, 医生, 发生, 产生, 人生, 生产, 生活, 生态, 生物, 生命, 生涯, 生效, 生成 ("2000年的第一部…
# 作品…获得…学生电影…奖" dates no birth).
_BORN = "(?<![学先医考师发产卫人众书招研])生(?![产活态物命意涯效成长])"


# Events a when-question asks about whose date a source writes beside a word of the
# event: a birth, a death, a founding, a building finished or opened, a first holding,
# a closing. Other events (爆发, 被定为首都, 拿到设计奖) are worded too freely to judge.
DATED_EVENTS: tuple[DatedEvent, ...] = (
    DatedEvent(re.compile(r"出生|生于|诞生|生日|生年|\bborn\b|\bbirth", re.I),
               re.compile(rf"{_BORN}|\bborn\b|\bbirth|\bb\.", re.I), life=True),
    DatedEvent(re.compile(r"去世|逝世|死|卒|过世|辞世|\bdied\b|\bdeath\b|\bdie\b", re.I),
               re.compile(r"逝|死|卒|殁|薨|崩|亡|去世|过世|辞世|\bdied\b|\bdeath\b|\bd\.", re.I), life=True),
    DatedEvent(re.compile(_words("成立 创立 创建 创办 创刊 建立 组建 始创 founded established"), re.I),
               re.compile(_words("成立 创立 创建 创办 创刊 建立 组建 设立 始创 创于 建于 founded established"), re.I)),
    DatedEvent(re.compile(_words("建成 落成 竣工 完工 启用 开通 通车 开业 投入使用 投用 opened completed"), re.I),
               re.compile(_words("建成 落成 竣工 完工 启用 开通 通车 开业 开幕 投入使用 投用 建于 筑成 opened completed"),
                          re.I)),
    DatedEvent(re.compile(r"开始举办|首次举办|首届|第一届|first held", re.I),
               re.compile(_words("举办 举行 首届 第一届 创办 开办 held"), re.I)),
    DatedEvent(re.compile(_words("停止营运 停运 停办 关闭 倒闭 解散 废站 closed"), re.I),
               re.compile(_words("停止 停运 停办 关闭 倒闭 解散 废 结束 closed"), re.I)),
)
# A question asking when (a year, a day), not how long or how many.
_ASKS_WHEN = re.compile(r"哪一?年|何年|年份|什么时候|何时|哪一?天|哪月|几月|几号|\bwhen\b|"
                        r"\b(?:what|which) (?:year|date|day)\b", re.I)
# A life span in brackets after a name, (701年-762年) or (Ernest Solvay, 1838-1922): its
# years date a birth and a death. A term of office (任期由1929年至1936年) is none.
_DAY = r"\d{3,4}年?(?:\d{1,2}月)?(?:\d{1,2}日)?"
_LIFE_SPAN = re.compile(rf"[(（](?:[^\u3400-\u9fff()（）\d]{{0,40}}|生卒年?[:：]?|公元前?)\s*"
                        rf"{_DAY}\s*[-–—~～至到]\s*{_DAY}\s*[)）]")


def _dates_event(source: str, place: re.Match[str], events: list[DatedEvent]) -> bool:
    """Whether the figure at ``place`` dates one of ``events``: its sentence names
    the event, or the figure stands in a life span."""
    start, sentence = sentence_at(source, place.start())
    if any(e.dated.search(sentence) for e in events):
        return True
    at = place.start() - start
    return (any(e.life for e in events)
            and any(m.start() <= at < m.end() for m in _LIFE_SPAN.finditer(sentence)))


def event_year(answer: str, question: str, evidence: str) -> list[str]:
    """Figures of ``answer`` to a question asking when something of ``DATED_EVENTS``
    happened (出生, 创立, 建成启用) that no evidence sentence writes beside a word of
    that event (or, for a birth or a death, in a life span): the evidence dates
    something else (李成栋 … 1648年 … 兵变; 1997年初 … 批出土地兴建). Figures the
    question gives, or the evidence does not hold, are left to the other checks."""
    asked = compare_form(question)
    events = [e for e in DATED_EVENTS if e.asked.search(asked)]
    if not events or not _ASKS_WHEN.search(asked):
        return []
    source = source_form(evidence)
    return [figure for figure, places in new_figures(answer, question, source)
            if places and not any(_dates_event(source, p, events) for p in places)]


# A year in digits as a date writes it (1500–2099).
_FULL_YEAR = r"(?:1[5-9]|20)\d{2}"
# A year a sentence states (1978年; not the 2000 of 2000万).
_STATED_YEAR = re.compile(rf"(?<![\d.])({_FULL_YEAR})\s*年")
# A date the model writes with its year: 2021年9月, 2021年3月11日, 2021-03-11 (ISO).
_DATED = re.compile(rf"(?<![\d.])({_FULL_YEAR})\s*(?:年\s*(\d{{1,2}})\s*月(?:\s*(\d{{1,2}})\s*[日号])?"
                    r"|-(\d{1,2})-(\d{1,2})(?![\d.]))")
# The year the evidence writes just before a month (2019年9月).
_YEAR_BEFORE = re.compile(rf"({_FULL_YEAR})\s*年\s*$")
_YEAR_LOOKBACK = 8  # characters before a month searched for its year
# A year before a time of year that is no month (2021年春节期间, 2021年上半年), and the words
# an evidence line dates it by relative to its own time (今年春节期间).
_RELATIVE_YEARS = "今年|去年|明年|前年|当年"
_RELATIVE_DATED = re.compile(rf"(?<![\d.])({_FULL_YEAR})\s*年([\u3400-\u9fff]{{2}})")


def date_as_written(answer: str, question: str, evidence: str) -> str:
    """``answer`` with each dated month, or time of year, written as the evidence writes
    it, when the answer's year is nowhere in the evidence and the question does not ask
    for a year.

    The evidence writes 今年9月 or 3月11日电 and the model answers "2021年9月" or
    "2021-03-11": the year is its own. Where every place the evidence writes that
    month (and day) puts one year before it, that year is written; where it puts
    none, the date stands without a year ("9月", "3月11日"); otherwise (the
    evidence dates the month in two years, or does not write it) the answer is
    left for the checks, which refuse the year the evidence lacks. A time of year
    that is no month (2021年春节期间) takes the one word the evidence dates it by
    relative to its own time (今年春节期间).
    """
    if _ASKS_YEAR.search(question) or not (_DATED.search(answer) or _RELATIVE_DATED.search(answer)):
        return answer
    source = source_form(evidence)

    def written(m: re.Match[str]) -> str:
        year, month, day = m.group(1), m.group(2) or m.group(4), m.group(3) or m.group(5)
        if has_number(year, source):
            return m.group(0)
        date = f"{int(month)}月" + (f"{int(day)}日" if day else "")
        places = re.finditer(rf"(?<![\d.]){date}" if day else rf"(?<![\d.]){date}(?![\d.])", source)
        years = {b.group(1) if (b := _YEAR_BEFORE.search(source[max(0, p.start() - _YEAR_LOOKBACK): p.start()])) else ""
                 for p in places}
        if len(years) != 1:
            return m.group(0)
        (evidence_year,) = years
        return (f"{evidence_year}年" if evidence_year else "") + date

    def relative(m: re.Match[str]) -> str:
        year, after = m.group(1), m.group(2)
        if has_number(year, source):
            return m.group(0)
        said = {w.group(1) for w in re.finditer(rf"({_RELATIVE_YEARS})\s*{re.escape(after)}", source)}
        return f"{said.pop()}{after}" if len(said) == 1 else m.group(0)

    return _RELATIVE_DATED.sub(relative, _DATED.sub(written, answer))
