"""What the HTTP API adds to an answer (a benchmark, not a test).

Usage:
    .venv/bin/python eval/bench_api.py [--questions 10] [--json OUT]

Indexes ../shared/corpus with the default models and asks the first questions of
the CI slice of eval/gold/corpus.jsonl three ways, one at a time:

1. the library directly (``Assistant.ask``) in this process;
2. the same questions through ``assistant serve`` (a subprocess on loopback,
   same settings and index), non-streamed, with the official ``openai`` client;
3. the next questions of the slice streamed through the server: seconds to the
   first content delta (other questions, so no prompt state is reused).

Prints the median per-request overhead of the API (2 minus 1: HTTP, JSON, the
queue, the extension field), the first-token time over HTTP, and, as every
latency here, the prompt tokens and this host's raw prompt speed. Answers are
deterministic (temperature 0), so the two ways do the same model work.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import httpx
import openai

from assistant import Assistant, Settings
from assistant.evaluation.harness import ci_slice, load_gold, measure_prompt_speed

REPO = Path(__file__).resolve().parents[1]
CORPUS = REPO.parent / "shared" / "corpus"
GOLD = REPO / "eval" / "gold" / "corpus.jsonl"
KEY = "bench"
PORT = 8765


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--questions", type=int, default=10)
    ap.add_argument("--json", type=Path)
    args = ap.parse_args(argv)
    sliced = [g.question for g in ci_slice(load_gold(GOLD))]
    questions = sliced[: args.questions]
    # Streamed questions are others: a repeated prompt would find its KV state cached.
    streamed = sliced[args.questions : 2 * args.questions]
    bot = Assistant(Settings(progress=False))
    bot.index([CORPUS])
    bot.warm_up()
    speed = measure_prompt_speed(bot)
    direct, tokens = [], []
    for q in questions:
        answer = bot.ask(q)
        direct.append(answer.timings["total"])
        tokens.append(answer.prompt_tokens)
    del bot  # one model in memory at a time: the server loads its own

    server = subprocess.Popen([sys.executable, "-m", "assistant.cli", "serve", "--docs", str(CORPUS),
                               "--port", str(PORT), "--no-progress"],
                              env={**os.environ, "ASSISTANT_API_KEY": KEY},
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        url = f"http://127.0.0.1:{PORT}"
        while True:
            try:
                if httpx.get(f"{url}/ready", headers={"Authorization": f"Bearer {KEY}"}).status_code == 200:
                    break
            except httpx.HTTPError:
                if server.poll() is not None:
                    raise SystemExit(server.stderr.read() if server.stderr else "server exited") from None
            time.sleep(0.5)
        client = openai.OpenAI(base_url=f"{url}/v1", api_key=KEY, max_retries=0, timeout=600)
        over_http, first_delta, overhead = [], [], []
        for q in questions:
            t0 = time.perf_counter()
            completion = client.chat.completions.create(model="default", messages=[{"role": "user", "content": q}])
            took = time.perf_counter() - t0
            server_total = (completion.model_extra or {})["assistant"]["timings"]["total_with_queue"]
            over_http.append(took)
            overhead.append(took - server_total)  # HTTP + JSON + queue hand-off around the same work
        for q in streamed:
            t0 = time.perf_counter()
            first = None
            for chunk in client.chat.completions.create(model="default", stream=True,
                                                        messages=[{"role": "user", "content": q}]):
                if first is None and chunk.choices and chunk.choices[0].delta.content:
                    first = time.perf_counter() - t0
            first_delta.append(first or 0.0)
    finally:
        server.terminate()
        server.wait(timeout=60)
    result = {
        "questions": len(questions),
        "streamed_questions": len(streamed),
        "library_total_p50_s": round(statistics.median(direct), 3),
        "http_total_p50_s": round(statistics.median(over_http), 3),
        "api_overhead_p50_ms": round(1000 * statistics.median(overhead), 1),
        "api_overhead_max_ms": round(1000 * max(overhead), 1),
        "http_first_delta_p50_s": round(statistics.median(first_delta), 3),
        "prompt_tokens_mean": round(statistics.fmean(tokens), 1),
        "prompt_speed_tps": round(speed, 1) if speed else None,
    }
    print(json.dumps(result, indent=2))
    if args.json:
        args.json.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
