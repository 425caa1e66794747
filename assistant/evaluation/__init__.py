"""Evaluation metrics, the HTML run report and run-to-run comparison."""

from assistant.evaluation.compare import compare_runs
from assistant.evaluation.metrics import (
    answer_correct,
    char_f1,
    first_relevant_rank,
    mrr,
    normalize_answer,
    passage_relevant,
    percentile,
    recall_at_k,
    row_outcome,
    score_row,
    summarize,
)
from assistant.evaluation.report import load_run, write_report

__all__ = [
    "answer_correct",
    "char_f1",
    "compare_runs",
    "first_relevant_rank",
    "load_run",
    "mrr",
    "normalize_answer",
    "passage_relevant",
    "percentile",
    "recall_at_k",
    "row_outcome",
    "score_row",
    "summarize",
    "write_report",
]
