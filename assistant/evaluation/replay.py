"""Replay threshold-0 runs under today's answer checks and a calibration.

A run made with ``--set answer_threshold=0`` answers every question that has
evidence and records the answerability signals, the model's raw answer and the
evidence block. The decision to answer is taken before generation and
generation is deterministic (temperature 0), so a row's outcome under another
threshold, calibration or answer check is recomputed exactly, without the
model (latency aside). ``eval/calibrate.py`` fits on such replays and
``eval/ablate.py`` switches parts off.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from ..answer.answerability import SIGNAL_DEFAULTS, SIGNALS, Calibration, Signals
from ..answer.cite import MARKER
from ..answer.pipeline import check_answer, cite_checked, present
from ..answer.prompting import ANSWER_LANGUAGES, Prompts, answer_language
from ..settings import Settings
from ..types import Chunk, Hit
from .metrics import answer_correct

Row = Mapping[str, Any]


def load_prompts(settings: Settings | None = None) -> list[Prompts]:
    """The answer prompts of every language (their refusal sentences)."""
    folder = (settings or Settings()).prompts_dir
    return [Prompts.load(folder, lang) for lang in ANSWER_LANGUAGES]


def load_run(run: Path) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """(rows without errors, config) of a run folder."""
    rows = [json.loads(line) for line in (run / "results.jsonl").read_text(encoding="utf-8").splitlines()]
    config = json.loads((run / "summary.json").read_text(encoding="utf-8"))["config"]
    return [r for r in rows if not r.get("error")], config


def row_signals(row: Row) -> Signals | None:
    """The answerability signals of a row (None without evidence). Signals added
    after the row was recorded take ``SIGNAL_DEFAULTS``; ``english`` is derived
    from the question."""
    sig = dict(row.get("signals") or {})
    if not sig:
        return None
    sig.setdefault("english", 1.0 if answer_language(str(row["question"])) == "en" else 0.0)
    return Signals(**{k: float(sig.get(k, SIGNAL_DEFAULTS.get(k, 0.0))) for k in SIGNALS})


def confidence(row: Row, cal: Calibration) -> float:
    """The row's confidence under ``cal`` (0 when there was no evidence to score)."""
    signals = row_signals(row)
    return cal.confidence(signals) if signals else 0.0


def checked_answer(row: Row, prompts: Sequence[Prompts]) -> str | None:
    """The answer the checks let through for this row, or None for a refusal
    (``check_answer``, then ``cite_checked`` over the row's passages)."""
    if not row.get("signals"):
        return None
    question, evidence = str(row["question"]), str(row.get("evidence_text", ""))
    cleaned = check_answer(str(row.get("raw_answer", "")), question, evidence, prompts)
    if cleaned is None or cite_checked(cleaned, question, evidence, row_hits(row), {}) is None:
        return None
    return present(MARKER.sub("", cleaned), question, evidence)


_EVIDENCE_LINE = re.compile(r"^\[(\d+)\]\s*(.*)$", re.M)


def row_hits(row: Row) -> list[Hit]:
    """The passages a row's markers refer to, rebuilt from its recorded ``passages``
    (rows recorded before 2026-11-30 have only the ``retrieved`` ranking, the same
    passages for a question without a second hop); a passage numbered past them is
    its evidence line."""
    retrieved = list(row.get("passages") or row.get("retrieved") or [])
    lines = {int(m.group(1)): m.group(2) for m in _EVIDENCE_LINE.finditer(str(row.get("evidence_text", "")))}
    hits = []
    for n in range(1, max([len(retrieved), *lines]) + 1):
        r = retrieved[n - 1] if n <= len(retrieved) else {}
        text = str(r.get("text", lines.get(n, "")))
        doc = str(r.get("source", f"passage-{n}"))
        chunk = Chunk(chunk_id=str(n), doc_id=doc, source=doc, ordinal=n,
                      text=text, search_text=text, start=0, end=len(text))
        hits.append(Hit(chunk=chunk, score=float(r.get("score") or 0.0)))
    return hits


def outcome(row: Row, answer: str | None, refuse: bool) -> tuple[bool, bool]:
    """(refused, correct) for a row answered with ``answer`` unless ``refuse``."""
    refused = refuse or answer is None
    return refused, (not refused) and bool(row["answerable"]) and answer_correct(answer or "", row["gold_answers"])


def rates(outcomes: Sequence[tuple[Row, tuple[bool, bool]]]) -> dict[str, float]:
    """Accuracy, refusal of unanswerable and false refusal of answerable questions."""
    ans = [o for r, o in outcomes if r["answerable"]]
    un = [o for r, o in outcomes if not r["answerable"]]
    return {
        "n": float(len(outcomes)),
        "accuracy": sum(c for _, c in ans) / max(1, len(ans)),
        "refusal": sum(ref for ref, _ in un) / max(1, len(un)),
        "false_refusal": sum(ref for ref, _ in ans) / max(1, len(ans)),
    }
