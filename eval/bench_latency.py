"""Latency benchmark of answering (a benchmark, not a test).

Usage:
    .venv/bin/python eval/bench_latency.py [--all] [--fast] [--json OUT]

Indexes ../shared/corpus (reusing a matching index under index/), measures this
host's raw prompt speed (``bot.generator.prompt_speed()``: tokens/s on a fixed
prompt, nothing cached), warms the models up as ``assistant chat`` does, then
asks the 20-question CI slice of eval/gold/corpus.jsonl (``--all``: the whole
gold set) and prints first-token and total latency p50/p95, prompt tokens
mean/p95, completion tokens mean, peak RSS and the prompt speed. Runs on
different CPUs compare through the prompt speed.
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
from collections.abc import Sequence
from pathlib import Path

from tqdm import tqdm

from assistant import Assistant, Settings
from assistant.evaluation.harness import ci_slice, load_gold, measure_prompt_speed, peak_rss_mb
from assistant.evaluation.metrics import percentile
from assistant.types import Answer

REPO = Path(__file__).resolve().parents[1]
CORPUS = REPO.parent / "shared" / "corpus"
GOLD = REPO / "eval" / "gold" / "corpus.jsonl"
P50, P95 = 50, 95
PERCENTILES: tuple[int, ...] = (P50, P95)
REPORTED_STAGES: tuple[str, ...] = ("first_token", "total")  # of Answer.timings


def latency_stats(answers: Sequence[Answer]) -> dict[str, float | None]:
    """First-token/total seconds p50/p95, prompt tokens mean/p95 and completion tokens mean."""
    stats: dict[str, float | None] = {}
    for stage in REPORTED_STAGES:
        values = [a.timings[stage] for a in answers if stage in a.timings]
        for p in PERCENTILES:
            stats[f"{stage}_p{p}"] = percentile(values, p) if values else None
    prompt = [float(a.prompt_tokens) for a in answers]
    completion = [float(a.completion_tokens) for a in answers]
    stats["prompt_tokens_mean"] = statistics.fmean(prompt) if prompt else None
    stats[f"prompt_tokens_p{P95}"] = percentile(prompt, P95) if prompt else None
    stats["completion_tokens_mean"] = statistics.fmean(completion) if completion else None
    return stats


def _fmt(value: object) -> str:
    return f"{value:.2f}" if isinstance(value, float) else str(value)


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--all", action="store_true", help="the whole gold set, not the 20-question CI slice")
    ap.add_argument("--fast", action="store_true", help="the fast generator profile")
    ap.add_argument("--json", type=Path, metavar="OUT", help="also write the numbers here")
    ap.add_argument("--set", action="append", default=[], metavar="NAME=VALUE",
                    help="change one setting (e.g. reuse_prompt_states=false), repeatable")
    args = ap.parse_args(argv)

    settings = Settings(progress=False).replace(**dict(map(Settings.parse_override, args.set)))
    if args.fast:
        settings = settings.replace(generator=settings.fast_generator)
    bot = Assistant(settings)
    report = bot.index([CORPUS])
    speed = measure_prompt_speed(bot)
    warm_up_s = bot.warm_up()
    gold = load_gold(GOLD)
    items = gold if args.all else ci_slice(gold)
    answers = [bot.ask(item.question) for item in tqdm(items, desc="asking", unit="q")]

    result: dict[str, object] = {
        "generator": settings.generator,
        "settings_changed": args.set,
        "questions": "all" if args.all else "ci_slice",
        "n": len(answers),
        "index": report.name,
        "machine": f"{platform.machine()} {platform.processor()}",
        "prompt_speed_tps": speed,
        "warm_up_s": warm_up_s,
        **latency_stats(answers),
        "peak_rss_mb": peak_rss_mb(),
    }
    width = max(map(len, result))
    for key, value in result.items():
        print(f"{key:<{width}}  {_fmt(value)}")
    if args.json:
        args.json.write_text(json.dumps(result, ensure_ascii=False, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
