"""KV reuse of the fixed system prompts (a benchmark, not a test).

Questions alternate between the Chinese and English answer prompts; each gets
one scoring step (``continuation_logprob``, the pre-generation step of every
answer). Printed per setting: the prompt tokens evaluated per question and the
median seconds, with the saved KV state of each fixed system prompt
(``reuse_prompt_states=True``, the default) and with prefix reuse only.

    .venv/bin/python eval/bench_kv_reuse.py [--rounds N]
"""

from __future__ import annotations

import argparse
import statistics
import time

from assistant.answer.generate import LlamaGenerator, load_generator
from assistant.answer.prompting import ANSWER_LANGUAGES, Prompts
from assistant.settings import Settings

EVIDENCE = "[1] 今年2月广西设立了100亿元的人工智能产业基金。\n[2] 南A中心迎来了首批16家东盟企业签约入驻。"
QUESTIONS = {"zh": "问题{i}：基金规模是多少？", "en": "Question {i}: how large is the fund?"}
ROUNDS = 6  # alternating zh, en, zh, ...; the first is a warm-up


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rounds", type=int, default=ROUNDS, help="questions per setting; the first is a warm-up")
    args = ap.parse_args(argv)
    if args.rounds < 2:
        ap.error("--rounds must be at least 2 (the first is a warm-up)")
    settings = Settings()
    prompts = {lang: Prompts.load(settings.prompts_dir, lang) for lang in ANSWER_LANGUAGES}
    for reuse in (True, False):
        gen = load_generator(settings.replace(reuse_prompt_states=reuse))
        assert isinstance(gen, LlamaGenerator)  # the benchmark measures llama.cpp's KV reuse
        seconds: list[float] = []
        evaluated: list[int] = []
        for i in range(args.rounds):
            lang = ANSWER_LANGUAGES[i % len(ANSWER_LANGUAGES)]
            messages = prompts[lang].messages(QUESTIONS[lang].format(i=i), EVIDENCE)
            t0 = time.perf_counter()
            gen.continuation_logprob(messages, prompts[lang].refusal)
            seconds.append(time.perf_counter() - t0)
            evaluated.append(gen.last_usage["prompt_eval_tokens"])
        print(f"reuse_prompt_states={reuse}: evaluated tokens {evaluated[1:]}, "
              f"prompt tokens {gen.last_usage['prompt_tokens']}, "
              f"median {statistics.median(seconds[1:]):.2f} s, host prompt speed {gen.prompt_speed():.0f} tok/s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
