"""``abort_current`` on the real llama.cpp generator (issue 12): a call stopped
while the model still reads a long prompt ends at once, the KV cache holds exactly
what was evaluated, and the next question is answered as usual with the saved
prompt states reused.

Loads Qwen2.5-Coder-1.5B and the default embedder from the model cache (`make
setup`). A correctness test, not a benchmark: the bound on how soon an aborted
call returns is generous for a contended host; the seconds it saves are measured
by tests/test_browser_e2e.py and written up in eval/RESULTS.md.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import llama_cpp
import pytest

from assistant import Assistant
from assistant.answer.generate import LlamaGenerator
from assistant.errors import GenerationAborted

pytestmark = pytest.mark.models

NAN_A_Q = "南A中心首批有多少家东盟企业签约入驻？"
# A prompt of this many tokens takes 10-20 s to read on 2 cores: an abort one
# second in lands mid-prompt, with several 512-token batches still to go.
LONG_PROMPT_TOKENS = 3000
READING_SECONDS = 1.0  # how long the model reads before the abort
# An abort takes effect after the graph node being computed (milliseconds); this
# bound leaves room for a host shared with other jobs and is still far below the
# seconds the rest of the prompt would take.
RETURNS_WITHIN = 5.0


@pytest.fixture(scope="module")
def bot(real_bot: Assistant) -> Assistant:
    real_bot.warm_up()  # as the app does at start: the system prompts' KV states are saved
    return real_bot


def _long_evidence(bot: Assistant, gen: LlamaGenerator) -> str:
    """Numbered passages from the corpus, about ``LONG_PROMPT_TOKENS`` tokens long."""
    lines: list[str] = []
    tokens = 0
    for doc in bot.retriever.index.documents.values():
        for para in (p.strip() for p in doc.text.splitlines()):
            if len(para) < 20:
                continue
            line = f"[{len(lines) + 1}] {para}"
            tokens += gen.count_tokens(line)
            lines.append(line)
            if tokens >= LONG_PROMPT_TOKENS:
                return "\n".join(lines)
    raise AssertionError(f"the corpus gave only {tokens} tokens of passages")


def _abort_mid_call(gen: LlamaGenerator, call: Callable[[], object]) -> tuple[BaseException | None, float]:
    """Run ``call`` in a thread, abort it ``READING_SECONDS`` after it took the model;
    returns what it raised and the seconds from the abort to its return."""
    raised: list[BaseException | None] = []

    def run() -> None:
        try:
            call()
            raised.append(None)
        except BaseException as exc:  # noqa: BLE001 (recorded for the assertion)
            raised.append(exc)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not gen._lock.locked() and thread.is_alive() and time.monotonic() < deadline:
        time.sleep(0.005)
    time.sleep(READING_SECONDS)
    t_abort = time.perf_counter()
    gen.abort_current()
    thread.join(120)
    assert not thread.is_alive() and raised
    return raised[0], time.perf_counter() - t_abort


def _kv_positions(gen: LlamaGenerator) -> int:
    """Positions the KV cache holds (llama.cpp's own count, not the Python mirror)."""
    memory = llama_cpp.llama_get_memory(gen._llm._ctx.ctx)
    return int(llama_cpp.llama_memory_seq_pos_max(memory, 0)) + 1


def test_abort_during_prompt_reading_returns_at_once_and_the_next_question_works(bot: Assistant) -> None:
    gen = bot.generator
    assert isinstance(gen, LlamaGenerator)
    zh = bot.prompts("zh")
    messages = zh.messages(NAN_A_Q, _long_evidence(bot, gen))
    n_prompt = len(gen._render(messages))
    assert n_prompt >= LONG_PROMPT_TOKENS

    # Stopped while scoring the refusal (where the chat's "reading" stage spends its time)...
    raised, seconds = _abort_mid_call(gen, lambda: gen.continuation_logprob(messages, zh.refusal))
    assert isinstance(raised, GenerationAborted), raised
    assert seconds < RETURNS_WITHIN
    fixed = gen._fixed_len[zh.system]
    assert fixed <= gen._llm.n_tokens < n_prompt  # the saved system prompt stays; not read to the end
    assert _kv_positions(gen) == gen._llm.n_tokens  # the cache holds exactly what was evaluated

    # ... and while streaming starts on the same prompt (it reuses what was read).
    read_before = gen._llm.n_tokens
    raised, seconds = _abort_mid_call(gen, lambda: list(gen.stream_chat(messages, 64)))
    assert isinstance(raised, GenerationAborted), raised
    assert seconds < RETURNS_WITHIN
    assert read_before <= gen._llm.n_tokens < n_prompt
    assert _kv_positions(gen) == gen._llm.n_tokens

    gen.abort_current()  # a request while no call runs is forgotten by the next call
    answer = bot.ask(NAN_A_Q)
    assert not answer.refused and "16" in answer.text, answer.text

    # The saved system prompt is still reused: only the user turn is evaluated.
    gen.continuation_logprob(zh.messages("南A中心在哪里？", "[1] 南A中心位于南宁。"), zh.refusal)
    usage = gen.last_usage
    assert usage["prompt_eval_tokens"] <= usage["prompt_tokens"] - fixed + 1, usage
