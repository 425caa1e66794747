"""A short slice of eval/soak.py: four users at once on the HTTP API and on the chat UI,
both served for real (uvicorn / Gradio in a subprocess) over the fake models of
tests/serve_fake.py, plus the uploader on the chat UI and queue-overflow bursts on the API.

The ten-minute runs with the real models are ``eval/soak.py``; this checks the same
things briefly: no errors, no cross-talk, correct queue positions and 429s, flat memory.
"""

from __future__ import annotations

import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from helpers import REPO, write_docs

sys.path.insert(0, str(REPO / "eval"))
import soak  # noqa: E402 - eval/ is not a package; its dataclasses need a real module

USERS = 4
SOAK_SECONDS = 10.0  # per target; each user gets through ~10 answers at the fake's pace
PIECE_DELAY_S = 0.02  # per 3 characters: ~0.2 s an answer, so 4 users really queue
MAX_QUEUE = 6  # the fake API's queue limit; a burst brings 4 more than it holds
BURST_EVERY_S = 5.0
# Measured: the fake servers' RSS moves 1-6 MB over these runs (Python's allocator and
# Gradio's caches settling); a leak of a few hundred KB per answer would pass 20 MB.
RSS_DRIFT_BOUND_MB = 20.0
KINDS = ("api", "chat")
TOPICS = ["青松湖水库", "白鹭湾大桥", "云杉谷隧道", "金沙岭电站", "翠屏山公园", "落霞湖湿地",
          "银杏镇学校", "石门港码头", "凤凰岛机场", "龙泉寺古塔", "梅花村茶园", "星海广场"]


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[Any]]:
    """Twelve one-fact documents, and per document a question whose answer no other has."""
    docs: dict[str, str] = {}
    pool = []
    for i, topic in enumerate(TOPICS):
        amount = f"{101 + 7 * i}亿元"
        docs[f"doc{i:02d}.txt"] = f"{topic}\n{topic}于{2001 + i}年建成，总投资为{amount}。其余情况从略。"
        pool.append(soak.Question(f"{topic}的总投资是多少？", (amount,)))
    return write_docs(tmp_path_factory.mktemp("soak") / "docs", docs), pool


@pytest.fixture(scope="module")
def results(corpus: tuple[Path, list[Any]], tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Both soaks at once (the fakes are light): one server start and one soak of waiting."""
    docs, pool = corpus

    def one(kind: str) -> dict[str, Any]:
        tmp = tmp_path_factory.mktemp(kind)
        server = soak.start_fake(kind, docs, tmp, delay=PIECE_DELAY_S, max_queue=MAX_QUEUE)
        try:
            return soak.run_target(server, pool, USERS, SOAK_SECONDS, burst_every=BURST_EVERY_S)
        finally:
            server.stop()

    with ThreadPoolExecutor(2) as pool_:
        done = dict(zip(KINDS, pool_.map(one, KINDS), strict=True))
    for result in done.values():
        print(soak.report(result))
    return done


def _checked(result: dict[str, Any]) -> None:
    assert result["errors"] == [] and result["crosstalk"] == [] and result["bad_positions"] == []
    # The fakes are deterministic and the retrieval finds each fact: every answer is the
    # baseline's, and holds its own question's answer.
    assert result["varied"] == [] and result["gold_answer_found"] == result["gold_checked"]
    assert result["answered"] >= USERS * 3
    assert result["positions_seen"] > 0  # users really waited in line
    assert abs(result["rss"]["drift_mb"]) < RSS_DRIFT_BOUND_MB, result["rss"]


def test_api_soak(results: dict[str, Any]) -> None:
    _checked(results["api"])
    assert results["api"]["rejected_429"] > 0  # the bursts went over the limit and were told so


def test_chat_soak_with_uploads(results: dict[str, Any]) -> None:
    result = results["chat"]
    _checked(result)
    uploads = result["uploads"]
    assert uploads["cycles"] >= 1 and uploads["found_after_upload"] == uploads["cycles"]
    assert uploads["gone_after_delete"] == uploads["cycles"]
