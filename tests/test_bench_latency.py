"""eval/bench_latency.py's statistics over answers (the benchmark itself needs real models)."""

from __future__ import annotations

import pytest
from helpers import load_eval_script

from assistant.types import Answer


def _answer(first: float, total: float, prompt: int, completion: int) -> Answer:
    return Answer(question="q", text="a", citations=(), hits=(), refused=False,
                  timings={"retrieve": 0.1, "first_token": first, "total": total},
                  prompt_tokens=prompt, completion_tokens=completion)


def test_latency_stats() -> None:
    answers = [_answer(1.0, 2.0, 100, 10), _answer(2.0, 4.0, 300, 30), _answer(3.0, 6.0, 500, 20)]
    stats = load_eval_script("bench_latency").latency_stats(answers)
    assert stats["first_token_p50"] == 2.0 and stats["total_p50"] == 4.0
    assert stats["first_token_p95"] == pytest.approx(2.9) and stats["total_p95"] == pytest.approx(5.8)
    assert stats["prompt_tokens_mean"] == 300.0 and stats["prompt_tokens_p95"] == pytest.approx(480.0)
    assert stats["completion_tokens_mean"] == 20.0


def test_latency_stats_empty() -> None:
    stats = load_eval_script("bench_latency").latency_stats([])
    assert stats["total_p50"] is None and stats["prompt_tokens_mean"] is None
