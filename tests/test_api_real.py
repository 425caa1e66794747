"""``assistant serve`` with the real models on the reference corpus, spoken to with the
official ``openai`` client; and generation on a real OpenAI-compatible server
(llama-cpp-python's own, with the 0.5B model)."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import openai
import pytest
from openai.types.chat import ChatCompletionMessageParam
from test_api import ask_concurrently, free_port, wait_ready

from assistant import Assistant, Settings
from assistant.evaluation.metrics import normalize_answer
from assistant.models import get_spec, is_installed, model_path

pytestmark = pytest.mark.models

KEY = "real-key"
FUND_Q = "广西今年2月设立的人工智能产业基金规模是多少？"
CENTER_Q = "南A中心首批有多少家东盟企业签约入驻？"
FUND_DOC = "002_1e0a3a35bf03c506.txt"


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory, corpus_dir: Path) -> Iterator[openai.OpenAI]:
    settings = Settings()
    for model_id in (settings.generator, settings.embedder):
        if not is_installed(get_spec(model_id, settings), settings):
            pytest.fail(f"{model_id} is not installed: run `make setup`")
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "assistant.cli", "serve", "--docs", str(corpus_dir), "--port", str(port),
         "--index-root", str(tmp_path_factory.mktemp("index")), "--no-progress"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={**os.environ, "ASSISTANT_API_KEY": KEY})
    url = f"http://127.0.0.1:{port}"
    wait_ready(url, proc, seconds=600, key=KEY)
    yield openai.OpenAI(base_url=f"{url}/v1", api_key=KEY, max_retries=0, timeout=600)
    proc.terminate()
    proc.wait(timeout=60)


def test_fund_question_answered_with_citation_streamed_identically(served: openai.OpenAI) -> None:
    messages: list[ChatCompletionMessageParam] = [{"role": "user", "content": FUND_Q}]
    completion = served.chat.completions.create(model="default", messages=messages)
    text = completion.choices[0].message.content or ""
    ext = (completion.model_extra or {})["assistant"]
    assert "100亿" in normalize_answer(text) and not ext["refused"], text
    assert any(Path(c["source"]).name == FUND_DOC and "100" in c["quote"] for c in ext["citations"])
    assert completion.usage is not None and 0 < completion.usage.prompt_tokens <= 400
    stream = served.chat.completions.create(model="default", messages=messages, stream=True)
    deltas = [c.choices[0].delta.content or "" for c in stream if c.choices]
    assert "".join(deltas) == text


def test_refusal_and_follow_up(served: openai.OpenAI) -> None:
    refused = served.chat.completions.create(
        model="default", messages=[{"role": "user", "content": "火星上第一座城市叫什么名字？"}])
    assert (refused.model_extra or {})["assistant"]["refused"]
    first = served.chat.completions.create(model="default", messages=[{"role": "user", "content": CENTER_Q}])
    follow = served.chat.completions.create(model="default", messages=[
        {"role": "user", "content": CENTER_Q},
        {"role": "assistant", "content": first.choices[0].message.content or ""},
        {"role": "user", "content": "它又被称为什么？"},
    ])
    ext = (follow.model_extra or {})["assistant"]
    assert "它" not in ext["standalone_question"] and ext["standalone_question"] != "它又被称为什么？"


def test_eight_concurrent_clients(served: openai.OpenAI) -> None:
    expected = {FUND_Q: "100亿", CENTER_Q: "16"}
    answers = ask_concurrently(served, list(expected), timeout=900)
    assert len(answers) == 8
    for question, text in answers:
        assert expected[question] in normalize_answer(text), (question, text)


def test_generation_on_a_remote_llama_cpp_server(tmp_path: Path, corpus_dir: Path) -> None:
    """The 0.5B model behind llama-cpp-python's OpenAI-compatible server; retrieval,
    evidence, checks and citations stay in this process."""
    settings = Settings(index_root=tmp_path / "index", progress=False, generator="qwen2.5-coder-0.5b")
    if not is_installed(get_spec(settings.generator, settings), settings):
        pytest.fail(f"{settings.generator} is not installed: run `make setup`")
    port = free_port()
    log = tmp_path / "llama-server.log"
    with log.open("w") as sink:
        proc = subprocess.Popen(
            [sys.executable, "-m", "llama_cpp.server", "--model", str(model_path(settings.generator, settings)),
             "--host", "127.0.0.1", "--port", str(port), "--n_ctx", "4096", "--n_threads", "2",
             "--model_alias", "qwen-0.5b"], stdout=sink, stderr=subprocess.STDOUT, text=True)
    try:
        import httpx

        url = f"http://127.0.0.1:{port}"
        for _ in range(300):
            try:
                if httpx.get(f"{url}/v1/models", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                if proc.poll() is not None:
                    pytest.fail(f"llama_cpp.server exited: {log.read_text()[-2000:]}")
            threading.Event().wait(0.5)
        else:
            pytest.fail(f"llama_cpp.server did not start: {log.read_text()[-2000:]}")
        bot = Assistant(settings.replace(llm_url=f"{url}/v1", llm_model="qwen-0.5b"))
        bot.index([corpus_dir])
        answer = bot.ask(CENTER_Q)
        assert bot.generator.name == "qwen-0.5b"
        assert not answer.refused and "16" in answer.text, answer.raw_text
        assert answer.citations and answer.completion_tokens > 0
    finally:
        proc.terminate()
        proc.wait(timeout=60)
