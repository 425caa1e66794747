"""Run a gold question set through the assistant and write a scored run folder.

A run folder holds ``results.jsonl`` (one scored row per question),
``summary.json`` (headline metrics + the run's configuration) and
``report.html``. Two gold formats are read:

- the project's own ``.jsonl`` (``id, question, answers, doc, evidence, type,
  lang, answerable``) over a document folder (``--docs``);
- an external evalset folder (``docs.jsonl`` + ``questions.jsonl``, as in
  ``../shared/evalsets/cmrc2018``), whose documents get their own index.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import logging
import platform
import resource
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol, TypeVar, runtime_checkable

from tqdm import tqdm

from ..assistant import Assistant
from ..errors import InputError
from ..settings import Settings
from ..types import Document, Hit
from .compare import compare_runs
from .metrics import metrics, score_row, summarize
from .report import dig, write_report
from .splits import half_of

logger = logging.getLogger(__name__)
RANK_DEPTH = 10
# The CI slice of a gold set: every CI_SLICE_STEP-th question from index CI_SLICE_START.
CI_SLICE_START = 8
CI_SLICE_STEP = 11
CI_SLICE_SIZE = 20
KIB_PER_MIB = 1024


@runtime_checkable
class PromptSpeedMeter(Protocol):
    """A generator that can measure this host's raw prompt speed (tokens/s)."""

    def prompt_speed(self) -> float:
        """Tokens/s evaluating a fixed prompt with nothing cached."""
        ...


@dataclass(frozen=True)
class GoldItem:
    """One gold question."""

    id: str
    question: str
    answers: tuple[str, ...]
    docs: tuple[str, ...]
    evidence: str
    type: str
    lang: str
    answerable: bool


def load_gold(path: Path) -> list[GoldItem]:
    """Read the project's gold ``.jsonl`` format."""
    items = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        r = json.loads(line)
        items.append(GoldItem(
            id=r["id"], question=r["question"], answers=tuple(r.get("answers", [])),
            docs=tuple(d for d in str(r.get("doc", "")).split("|") if d),
            evidence=r.get("evidence", "") or "", type=r.get("type", ""),
            lang=r.get("lang", ""), answerable=bool(r.get("answerable", True)),
        ))
    return items


def load_evalset(folder: Path, questions_file: str | Path = "questions.jsonl") -> tuple[list[Document], list[GoldItem]]:
    """Read an external evalset: ``docs.jsonl`` (doc_id, title, text) + questions
    (a file name inside ``folder``, or a ``Path`` anywhere: a question set of our
    own over the evalset's documents)."""
    docs = []
    for line in (folder / "docs.jsonl").read_text(encoding="utf-8").splitlines():
        if line.strip():
            r = json.loads(line)
            title = r.get("title", "")
            # The title leads the text: passages then carry their subject (most
            # cmrc2018 questions name the article's subject, not its words).
            docs.append(Document(doc_id=r["doc_id"], source=r["doc_id"], title=title,
                                 text=f"{title}\n{r['text']}" if title else r["text"]))
    items = []
    questions = questions_file if isinstance(questions_file, Path) else folder / questions_file
    for line in questions.read_text(encoding="utf-8").splitlines():
        if line.strip():
            r = json.loads(line)
            items.append(GoldItem(
                id=r["id"], question=r["question"], answers=tuple(r.get("answers", [])),
                docs=tuple(r.get("doc_ids", [])), evidence="",
                type="answerable" if r.get("answerable", True) else "unanswerable",
                lang=r.get("lang", "zh"), answerable=bool(r.get("answerable", True)),
            ))
    return docs, items


T = TypeVar("T")


def ci_slice(items: Sequence[T]) -> list[T]:
    """The 20-question CI slice of a gold set: ``items[8::11][:20]``.

    Every 11th question starting at the 9th: a systematic sample across
    documents, types and languages of ``eval/gold/corpus.jsonl``. Of the 11
    possible offsets, this is the one whose current outcomes survive one flipped
    question in each metric (20 questions move a metric by 5–33 points each), so
    the CI floor catches regressions rather than noise.
    """
    return list(items[CI_SLICE_START::CI_SLICE_STEP][:CI_SLICE_SIZE])


def peak_rss_mb() -> float:
    """Peak resident memory of this process so far, in MB (``ru_maxrss`` is KiB on Linux)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / KIB_PER_MIB


def measure_prompt_speed(bot: Assistant) -> float | None:
    """``bot.generator.prompt_speed()`` in tokens/s, or ``None`` when it has no such method."""
    generator = bot.generator
    return generator.prompt_speed() if isinstance(generator, PromptSpeedMeter) else None


def _passages(hits: Sequence[Hit]) -> list[tuple[str, str]]:
    return [(h.chunk.source, h.chunk.text) for h in hits]


def evaluate_item(bot: Assistant, item: GoldItem, retrieval_only: bool = False) -> dict[str, Any]:
    """Run one question: three rankings, then (unless ``retrieval_only``) an answer; score it."""
    row: dict[str, Any] = {
        "id": item.id, "half": half_of(item.id), "question": item.question, "lang": item.lang,
        "type": item.type,
        "answerable": item.answerable, "gold_answers": list(item.answers),
        "gold_docs": list(item.docs), "evidence": item.evidence,
        "answer": "", "notes": [], "refused": False, "confidence": None, "citations": [],
        "retrieved": [],
        "timings": {}, "prompt_tokens": 0, "completion_tokens": 0, "peak_rss_mb": 0.0, "error": None,
    }
    cite_for_scoring: list[dict[str, Any]] = []
    if not retrieval_only:
        try:
            answer = bot.ask(item.question)
            by_id = {h.chunk.chunk_id: h.chunk for h in answer.hits}
            row.update(
                # Scored without the notes on disagreeing evidence (they are not the answer).
                answer=answer.main_text, notes=list(answer.notes),
                refused=answer.refused, confidence=answer.confidence,
                signals=answer.signals, evidence_text=answer.evidence, raw_answer=answer.raw_text,
                # The passages the markers [n] number, so a replay cites as the answer did.
                passages=[{"source": h.chunk.source, "text": h.chunk.text} for h in answer.hits],
                timings=answer.timings,
                prompt_tokens=answer.prompt_tokens, completion_tokens=answer.completion_tokens,
                citations=[dataclasses.asdict(c) for c in answer.citations],
            )
            # Score citations on the cleaned passage the model saw (the quote is raw text).
            cite_for_scoring = [{"source": c.source, "quote": by_id[c.chunk_id].text}
                                for c in answer.citations]
        except Exception as exc:  # one broken question must not end a long run
            logger.exception("question %s failed", item.id)
            row["error"] = f"{type(exc).__name__}: {exc}"
    # Rankings come after the answer, so the answer's timings include every cold
    # cost (e.g. the query translation) that these searches would otherwise warm.
    rankings = {mode: bot.search(item.question, k=RANK_DEPTH, mode=mode)
                for mode in ("dense", "bm25", "hybrid")}
    row["retrieved"] = [
        {"chunk_id": h.chunk.chunk_id, "source": h.chunk.source, "text": h.chunk.text,
         "score": h.score, "dense_rank": h.dense_rank, "bm25_rank": h.bm25_rank}
        for h in rankings["hybrid"]
    ]
    scored = score_row(
        answer=row["answer"], refused=row["refused"], citations=cite_for_scoring,
        rankings={m: _passages(h) for m, h in rankings.items()}, answerable=item.answerable,
        gold_answers=item.answers, gold_docs=item.docs, evidence=item.evidence, k=RANK_DEPTH,
    )
    for c, s in zip(row["citations"], scored["citations"], strict=True):
        c["relevant"] = s["relevant"]
    row["metrics"] = scored["metrics"]
    row["ranks"] = scored["ranks"]
    row["peak_rss_mb"] = peak_rss_mb()
    return row


def run_eval(bot: Assistant, items: Sequence[GoldItem], out: Path, config: dict[str, Any],
             retrieval_only: bool = False, progress: bool = True) -> dict[str, Any]:
    """Evaluate ``items`` with an indexed ``bot``; write the run folder; return the summary.

    Unless ``retrieval_only``, the host's raw prompt speed is measured first (when
    the generator offers ``prompt_speed``) and recorded as ``prompt_speed_tps``.
    """
    out.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    measured: dict[str, Any] = {}
    if not retrieval_only and (speed := measure_prompt_speed(bot)) is not None:
        measured["prompt_speed_tps"] = round(speed, 1)
    rows = []
    with (out / "results.jsonl").open("w", encoding="utf-8") as f:
        for item in tqdm(items, desc="evaluating", unit="q", disable=not progress):
            row = evaluate_item(bot, item, retrieval_only)
            rows.append(row)
            f.write(json.dumps(row, ensure_ascii=False) + "\n")
            f.flush()  # a killed run still leaves every finished row
    summary = summarize(rows)
    summary["config"] = {**config, **measured, "retrieval_only": retrieval_only,
                         "run_seconds": round(time.perf_counter() - t0, 1)}
    (out / "summary.json").write_text(json.dumps(summary, ensure_ascii=False, indent=2), encoding="utf-8")
    write_report(out)
    return summary


def prepare(bot: Assistant, gold: str | None, docs: Path | None, evalset: Path | None
            ) -> tuple[list[GoldItem], dict[str, Any]]:
    """Index the collection a gold set needs and load its questions."""
    if evalset is not None:
        name = gold if gold and gold.endswith(".jsonl") else "questions.jsonl"
        # A file of the evalset's folder by name, else a question file of our own by path.
        inside = evalset / Path(name).name
        questions = inside if inside.is_file() or not Path(name).is_file() else Path(name)
        documents, items = load_evalset(evalset, questions)
        report = bot.index_documents(documents, name=f"evalset-{evalset.name}")
        source = str(questions)
    else:
        if not gold or docs is None:
            raise InputError("give a gold .jsonl with --docs DIR, or --evalset DIR")
        items = load_gold(Path(gold))
        report = bot.index([docs])
        source = gold
    config = {"gold": source, "index": report.name, "chunks": report.chunks,
              "index_seconds": round(report.seconds, 1), "index_reused": report.reused}
    return items, config


def run_cli(args: argparse.Namespace, settings: Settings) -> int:
    """``assistant eval`` (and ``assistant eval compare A B``)."""
    if args.gold == "compare":
        if len(args.runs) != 2:
            raise InputError("usage: assistant eval compare RUN_A RUN_B")
        print(compare_runs(Path(args.runs[0]), Path(args.runs[1])))
        return 0
    bot = Assistant(settings)
    items, config = prepare(bot, args.gold, args.docs, args.evalset)
    if args.half:
        items = [i for i in items if half_of(i.id) == args.half]
    if args.limit:
        items = items[: args.limit]
    out = args.out or Path("eval/runs") / time.strftime("%Y%m%d-%H%M%S")
    config.update(generator=settings.generator, embedder=settings.embedder, top_k=settings.top_k,
                  chunk_size=settings.chunk_size, evidence_tokens=settings.evidence_tokens,
                  n_questions=len(items), half=args.half, machine=f"{platform.machine()} {platform.processor()}")
    summary = run_eval(bot, items, out, config, args.retrieval_only, settings.progress)
    shown = metrics("answer_accuracy", "refusal_rate", "false_refusal_rate", "citation_precision",
                    "citation_recall")
    print(json.dumps({m.key: dig(summary, *m.path) for m in shown}, ensure_ascii=False))
    print(f"recall@5 hybrid {summary['retrieval']['hybrid']['recall@5']:.3f}; report: {out / 'report.html'}")
    return 0
