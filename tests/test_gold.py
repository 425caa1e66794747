"""Sanity checks for the gold question sets ``eval/gold/corpus.jsonl``,
``eval/gold/blind1.jsonl`` to ``eval/gold/blind4.jsonl`` (the blind held-out sets)
and ``eval/gold/corpus-extra.jsonl`` (a tuning set): all checked the same way, but the counts and
required question are the main set's alone. The tuning sets over the cmrc2018 documents
(``cmrc-extra.jsonl``, ``cmrc-extra2.jsonl``, ``cmrc-extra3.jsonl``) are checked against those documents.

The source documents live outside the repository, in ``../shared/corpus``
(relative to the repository root); the corpus-dependent checks are skipped
when that directory is missing.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
GOLD_PATH = REPO_ROOT / "eval" / "gold" / "corpus.jsonl"
BLIND_PATH = REPO_ROOT / "eval" / "gold" / "blind1.jsonl"
BLIND2_PATH = REPO_ROOT / "eval" / "gold" / "blind2.jsonl"
BLIND3_PATH = REPO_ROOT / "eval" / "gold" / "blind3.jsonl"
BLIND4_PATH = REPO_ROOT / "eval" / "gold" / "blind4.jsonl"
CORPUS_EXTRA_PATH = REPO_ROOT / "eval" / "gold" / "corpus-extra.jsonl"
CORPUS_DIR = REPO_ROOT.parent / "shared" / "corpus"

DOC_NAMES = (
    "000_cdb5508d85be492d.txt",
    "001_7e0d1ae2f8f72497.txt",
    "002_1e0a3a35bf03c506.txt",
    "003_6cee9852937b394f.txt",
    "004_970d2f80bdecefd7.txt",
)
TRADITIONAL_DOC = "002_1e0a3a35bf03c506.txt"
TYPES = {"number", "date", "name", "entity", "list", "multi_doc", "unanswerable"}
LANGS = {"zh", "en", "zh-Hant"}
REQUIRED_KEYS = {"id", "question", "answers", "doc", "evidence", "type", "lang", "answerable"}
OPTIONAL_KEYS = {"evidence2", "note"}
MAX_EVIDENCE_CHARS = 130
REQUIRED_QUESTION = "广西今年2月设立的人工智能产业基金规模是多少？"

# Inline pinyin glosses such as "人工智能(réngōngzhìnéng)" or "的(de)".
PINYIN_GLOSS_RE = re.compile(r"\([a-zāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜü]+\)")

Normalizer = Callable[[str], str]


def _load_gold(path: Path = GOLD_PATH) -> list[dict]:
    rows = []
    with path.open(encoding="utf-8") as fh:
        for lineno, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                rows.append(json.loads(line))
            except json.JSONDecodeError as exc:  # pragma: no cover - reported as failure
                pytest.fail(f"{path.name}:{lineno}: invalid JSON ({exc})")
    return rows


def _docs_of(row: dict) -> list[str]:
    return row["doc"].split("|")


@pytest.fixture(scope="module", params=[GOLD_PATH, BLIND_PATH, BLIND2_PATH, BLIND3_PATH, BLIND4_PATH,
                                        CORPUS_EXTRA_PATH],
                ids=["corpus", "blind1", "blind2", "blind3", "blind4", "corpus-extra"])
def gold(request: pytest.FixtureRequest) -> list[dict]:
    path: Path = request.param
    assert path.is_file(), f"missing {path}"
    return _load_gold(path)


@pytest.fixture(scope="module")
def main_gold() -> list[dict]:
    """The main set only (its counts and required question)."""
    return _load_gold()


@pytest.fixture(scope="module")
def corpus() -> dict[str, str]:
    if not CORPUS_DIR.is_dir():
        pytest.skip(f"source corpus not found at {CORPUS_DIR}; gold evidence checks skipped")
    texts = {}
    for name in DOC_NAMES:
        path = CORPUS_DIR / name
        if not path.is_file():
            pytest.skip(f"source document {path} missing; gold evidence checks skipped")
        texts[name] = path.read_text(encoding="utf-8")
    return texts


@pytest.fixture(scope="module")
def normalize() -> Normalizer:
    from assistant.evaluation.metrics import normalize_answer

    return normalize_answer


@pytest.fixture(scope="module")
def normalized_corpus(corpus: dict[str, str], normalize: Normalizer) -> dict[str, tuple[str, str]]:
    """Each document normalised both raw and with pinyin glosses stripped."""
    return {
        name: (normalize(text), normalize(PINYIN_GLOSS_RE.sub("", text)))
        for name, text in corpus.items()
    }


# --------------------------------------------------------------------------- 1. format


def test_schema_and_allowed_values(gold: list[dict]) -> None:
    ids = [row.get("id") for row in gold]
    dupes = [i for i, n in Counter(ids).items() if n > 1]
    assert not dupes, f"duplicate ids: {dupes}"
    for row in gold:
        rid = row.get("id")
        missing = REQUIRED_KEYS - row.keys()
        assert not missing, f"{rid}: missing keys {missing}"
        extra = row.keys() - REQUIRED_KEYS - OPTIONAL_KEYS
        assert not extra, f"{rid}: unexpected keys {extra}"
        assert isinstance(rid, str) and re.fullmatch(r"[cbx]\d{3,}", rid), f"bad id {rid!r}"
        assert isinstance(row["question"], str) and row["question"].strip(), rid
        assert row["type"] in TYPES, f"{rid}: bad type {row['type']!r}"
        assert row["lang"] in LANGS, f"{rid}: bad lang {row['lang']!r}"
        assert isinstance(row["answerable"], bool), rid
        assert isinstance(row["answers"], list), rid
        assert all(isinstance(a, str) and a.strip() for a in row["answers"]), rid
        docs = _docs_of(row)
        assert all(d in DOC_NAMES for d in docs), f"{rid}: unknown doc in {row['doc']!r}"
        assert len(set(docs)) == len(docs), f"{rid}: repeated doc"
        if row["answerable"]:
            assert row["type"] != "unanswerable", rid
            assert row["answers"], f"{rid}: answerable question without answers"
            assert row["evidence"], f"{rid}: answerable question without evidence"
            assert len(row["evidence"]) <= MAX_EVIDENCE_CHARS, f"{rid}: evidence too long"
            if "evidence2" in row:
                assert len(docs) >= 2, f"{rid}: evidence2 needs a second doc"
                assert 0 < len(row["evidence2"]) <= MAX_EVIDENCE_CHARS, rid
        else:
            assert row["type"] == "unanswerable", rid
            assert row["evidence"] == "", f"{rid}: unanswerable question with evidence"
            assert "evidence2" not in row, rid
            assert row.get("note", "").strip(), f"{rid}: unanswerable question needs a note"
        if row["type"] == "multi_doc":
            assert len(docs) >= 2, f"{rid}: multi_doc question needs two docs"
        elif len(docs) > 1:
            pytest.fail(f"{rid}: several docs but type {row['type']!r}")


def test_minimum_counts(main_gold: list[dict]) -> None:
    gold = main_gold
    types = Counter(row["type"] for row in gold)
    langs = Counter(row["lang"] for row in gold)
    assert len(gold) >= 130, len(gold)
    assert langs["en"] >= 18, langs
    en_on_chinese = [r for r in gold if r["lang"] == "en" and TRADITIONAL_DOC not in r["doc"]]
    assert len(en_on_chinese) >= 18, "need >= 18 English questions about Chinese-only documents"
    assert langs["zh-Hant"] >= 4, langs
    zh_on_002 = [r for r in gold if r["lang"] == "zh" and TRADITIONAL_DOC in r["doc"]]
    assert len(zh_on_002) >= 8, "need >= 8 simplified-Chinese questions about doc 002"
    assert types["multi_doc"] >= 10, types
    assert types["unanswerable"] >= 22, types
    covered = {d for row in gold for d in _docs_of(row)}
    assert covered == set(DOC_NAMES), f"uncovered docs: {set(DOC_NAMES) - covered}"


@pytest.mark.parametrize("path", [BLIND_PATH, BLIND2_PATH, BLIND3_PATH, BLIND4_PATH],
                         ids=["blind1", "blind2", "blind3", "blind4"])
def test_blind_set_has_its_near_misses_and_bridges(path: Path) -> None:
    types = Counter(row["type"] for row in _load_gold(path))
    assert types["unanswerable"] >= 15 and types["multi_doc"] >= 12, types
    earlier = {row["question"] for p in (GOLD_PATH, BLIND_PATH, BLIND2_PATH, BLIND3_PATH, BLIND4_PATH,
                                         CORPUS_EXTRA_PATH) if p != path
               for row in _load_gold(p)}
    assert not earlier & {row["question"] for row in _load_gold(path)}


def test_required_question_present(main_gold: list[dict]) -> None:
    gold = main_gold
    rows = [r for r in gold if r["question"] == REQUIRED_QUESTION]
    assert len(rows) == 1
    assert rows[0]["doc"] == TRADITIONAL_DOC
    assert "100亿元" in rows[0]["answers"]


# --------------------------------------------------------------------------- 2. evidence


def test_evidence_is_verbatim(gold: list[dict], corpus: dict[str, str]) -> None:
    problems = []
    for row in gold:
        if not row["answerable"]:
            continue
        docs = _docs_of(row)
        if row["evidence"] not in corpus[docs[0]]:
            problems.append(f"{row['id']}: evidence not in {docs[0]}")
        if "evidence2" in row and row["evidence2"] not in corpus[docs[1]]:
            problems.append(f"{row['id']}: evidence2 not in {docs[1]}")
    assert not problems, "\n".join(problems)


# --------------------------------------------------------------------------- 3. answers


def test_answers_are_not_trivially_loose(gold: list[dict], normalize: Normalizer) -> None:
    problems = []
    for row in gold:
        for ans in row["answers"]:
            norm = normalize(ans)
            if len(norm) < 2 or re.fullmatch(r"\d", norm):
                problems.append(f"{row['id']}: answer {ans!r} normalises to {norm!r}")
    assert not problems, "\n".join(problems)


def test_answerable_answers_found_in_source(
    gold: list[dict],
    normalize: Normalizer,
    normalized_corpus: dict[str, tuple[str, str]],
) -> None:
    problems = []
    for row in gold:
        if not row["answerable"]:
            continue
        haystacks = []
        for key in ("evidence", "evidence2"):
            if key in row:
                haystacks.append(normalize(row[key]))
                haystacks.append(normalize(PINYIN_GLOSS_RE.sub("", row[key])))
        for doc in _docs_of(row):
            haystacks.extend(normalized_corpus[doc])
        answers = [normalize(a) for a in row["answers"]]
        if not any(a and a in hay for a in answers for hay in haystacks):
            problems.append(f"{row['id']}: no answer of {row['answers']} found in evidence/doc")
    assert not problems, "\n".join(problems)


# --------------------------------------------------------------------------- 4. unanswerable


def test_unanswerable_decoys_absent_from_corpus(
    gold: list[dict],
    normalize: Normalizer,
    normalized_corpus: dict[str, tuple[str, str]],
) -> None:
    problems = []
    for row in gold:
        if row["answerable"]:
            continue
        for ans in row["answers"]:
            norm = normalize(ans)
            hits = [d for d, texts in normalized_corpus.items() if any(norm in t for t in texts)]
            if hits:
                problems.append(f"{row['id']}: decoy {ans!r} occurs in {hits}")
    assert not problems, "\n".join(problems)


CMRC_EXTRA_PATH = REPO_ROOT / "eval" / "gold" / "cmrc-extra.jsonl"
CMRC_EXTRA2_PATH = REPO_ROOT / "eval" / "gold" / "cmrc-extra2.jsonl"
CMRC_EXTRA3_PATH = REPO_ROOT / "eval" / "gold" / "cmrc-extra3.jsonl"
CMRC_EXTRA_PATHS = (CMRC_EXTRA_PATH, CMRC_EXTRA2_PATH, CMRC_EXTRA3_PATH)
CMRC_DOCS = REPO_ROOT.parent / "shared" / "evalsets" / "cmrc2018" / "docs.jsonl"


@pytest.mark.parametrize(("path", "answerable", "near_miss"), [
    (CMRC_EXTRA_PATH, 30, 30), (CMRC_EXTRA2_PATH, 20, 40), (CMRC_EXTRA3_PATH, 36, 24)],
    ids=["cmrc-extra", "cmrc-extra2", "cmrc-extra3"])
def test_cmrc_tuning_set_rows_hold_in_their_documents(path: Path, answerable: int, near_miss: int) -> None:
    """The tuning sets over the cmrc2018 documents: answerable rows whose answers are
    verbatim in their document, near-miss rows with no answer, no document used twice
    or by the cmrc2018 questions."""
    rows = _load_gold(path)
    assert len({r["id"] for r in rows}) == len(rows) == answerable + near_miss
    assert Counter(r["type"] for r in rows) == {"answerable": answerable, "near_miss": near_miss}
    assert len({r["doc_ids"][0] for r in rows}) == len(rows)
    for r in rows:
        assert r["answerable"] is (r["type"] == "answerable") and bool(r["answers"]) is r["answerable"]
        assert r["question"].endswith("？") and len(r["doc_ids"]) == 1
    if not CMRC_DOCS.is_file():
        pytest.skip("../shared/evalsets/cmrc2018 is not beside the checkout")
    docs = {d["doc_id"]: d["title"] + "\n" + d["text"]
            for d in map(json.loads, CMRC_DOCS.read_text(encoding="utf-8").splitlines())}
    asked = {d for q in map(json.loads, (CMRC_DOCS.parent / "questions.jsonl").read_text(encoding="utf-8").splitlines())
             for d in q["doc_ids"]}
    for r in rows:
        text = docs[r["doc_ids"][0]]
        assert all(a in text for a in r["answers"]), r["id"]
        assert r["doc_ids"][0] not in asked, r["id"]


def test_the_cmrc_tuning_sets_share_no_document() -> None:
    docs = [{r["doc_ids"][0] for r in _load_gold(p)} for p in CMRC_EXTRA_PATHS]
    assert sum(map(len, docs)) == len(set().union(*docs))
