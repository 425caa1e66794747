"""Evaluation metrics, the HTML run report and run-to-run comparison."""

from assistant.evaluation.compare import compare_runs
from assistant.evaluation.metrics import (
    answer_correct,
    char_f1,
    first_relevant_rank,
    headline,
    mrr,
    normalize_answer,
    passage_relevant,
    percentile,
    recall_at_k,
    row_outcome,
    score_row,
    summarize,
    tradeoff_curve,
)
from assistant.evaluation.report import load_run, write_report
from assistant.evaluation.splits import HALVES, Half, half_of

__all__ = [
    "HALVES",
    "Half",
    "answer_correct",
    "char_f1",
    "compare_runs",
    "first_relevant_rank",
    "half_of",
    "headline",
    "load_run",
    "mrr",
    "normalize_answer",
    "passage_relevant",
    "percentile",
    "recall_at_k",
    "row_outcome",
    "score_row",
    "summarize",
    "tradeoff_curve",
    "write_report",
]
