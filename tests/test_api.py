"""The OpenAI-compatible API, served for real (uvicorn in a subprocess) over fake models,
spoken to with the official ``openai`` client and raw HTTP."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import openai
import pytest
from helpers import write_docs
from openai.types.chat import ChatCompletionMessageParam

HERE = Path(__file__).resolve().parent
KEY = "test-key-123"
DOCS = {
    "fund.txt": "广西人工智能产业基金\n今年2月，广西设立规模100亿元的人工智能产业基金。基金重点投向算力、模型和应用。",
    "center.txt": "南A中心\n中国—东盟人工智能创新合作中心又被称为南A中心，首批16家东盟企业签约入驻。",
}
FUND_Q = "广西人工智能产业基金规模是多少？"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_ready(url: str, proc: subprocess.Popen[str], seconds: float = 90.0, key: str = KEY) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"server exited: {proc.stderr.read() if proc.stderr else ''}")
        try:
            if httpx.get(f"{url}/ready", headers={"Authorization": f"Bearer {key}"}, timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    proc.kill()
    raise AssertionError("server not ready in time")


def start(tmp_path: Path, *extra: str) -> tuple[str, subprocess.Popen[str]]:
    docs = write_docs(tmp_path / "docs", DOCS)
    port = free_port()
    proc = subprocess.Popen([sys.executable, str(HERE / "serve_fake.py"), str(docs), str(port),
                             "--api-key", KEY, *extra], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    url = f"http://127.0.0.1:{port}"
    wait_ready(url, proc)
    return url, proc


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    url, proc = start(tmp_path_factory.mktemp("api"))
    yield url
    proc.terminate()
    proc.wait(timeout=30)


@pytest.fixture()
def client(server: str) -> openai.OpenAI:
    return openai.OpenAI(base_url=f"{server}/v1", api_key=KEY, max_retries=0)


def test_models_health_and_ready(server: str, client: openai.OpenAI) -> None:
    assert [m.id for m in client.models.list()] == ["default", "fast"]
    assert httpx.get(f"{server}/health").json() == {"status": "ok"}  # no key needed
    ready = httpx.get(f"{server}/ready", headers={"Authorization": f"Bearer {KEY}"}).json()
    assert ready["ready"] and ready["chunks"] > 0 and ready["model_loaded"]


def test_answer_with_citations(client: openai.OpenAI) -> None:
    completion = client.chat.completions.create(model="default", messages=[{"role": "user", "content": FUND_Q}])
    text = completion.choices[0].message.content or ""
    assert "100亿元" in text and "[1]" in text
    ext = (completion.model_extra or {})["assistant"]
    assert not ext["refused"] and ext["confidence"] > 0.5
    cite = ext["citations"][0]
    assert cite["source"].endswith("fund.txt") and "100亿元" in cite["quote"] and cite["end"] > cite["start"]
    assert completion.usage is not None and completion.usage.prompt_tokens > 0
    assert completion.usage.total_tokens == completion.usage.prompt_tokens + completion.usage.completion_tokens


def test_stream_concatenates_to_the_non_streamed_text(client: openai.OpenAI) -> None:
    messages: list[ChatCompletionMessageParam] = [{"role": "user", "content": "南A中心首批有多少家东盟企业入驻？"}]
    whole = client.chat.completions.create(model="default", messages=messages)
    stream = client.chat.completions.create(model="default", messages=messages, stream=True,
                                            stream_options={"include_usage": True})
    deltas, finish, ext, used = [], None, None, None
    for chunk in stream:
        if chunk.choices:
            deltas.append(chunk.choices[0].delta.content or "")
            finish = chunk.choices[0].finish_reason or finish
            ext = (chunk.model_extra or {}).get("assistant") or ext
        used = chunk.usage or used
    assert "".join(deltas) == whole.choices[0].message.content and "16" in "".join(deltas)
    assert finish == "stop" and ext is not None and ext["citations"]
    assert used is not None and used.completion_tokens > 0


def test_refusal(client: openai.OpenAI) -> None:
    completion = client.chat.completions.create(
        model="default", messages=[{"role": "user", "content": "不存在的火星基金规模是多少？"}])
    ext = (completion.model_extra or {})["assistant"]
    assert ext["refused"] and ext["citations"] == []
    assert "没有找到" in (completion.choices[0].message.content or "")


def test_follow_up_turn_is_rewritten(client: openai.OpenAI) -> None:
    completion = client.chat.completions.create(model="fast", messages=[
        {"role": "system", "content": "You are a helpful assistant."},
        {"role": "user", "content": FUND_Q},
        {"role": "assistant", "content": "100亿元[1]"},
        {"role": "user", "content": "它是哪年设立的？"},
    ])
    ext = (completion.model_extra or {})["assistant"]
    assert ext["standalone_question"].startswith("广西人工智能产业基金")


def test_errors_are_openai_shaped(server: str, client: openai.OpenAI) -> None:
    with pytest.raises(openai.NotFoundError) as missing:
        client.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": FUND_Q}])
    assert missing.value.code == "model_not_found"
    for key in ("wrong-key", ""):
        bad = openai.OpenAI(base_url=f"{server}/v1", api_key=key or "x", max_retries=0)
        if not key:
            bad = openai.OpenAI(base_url=f"{server}/v1", api_key="unused", max_retries=0,
                                default_headers={"Authorization": ""})
        with pytest.raises(openai.AuthenticationError):
            bad.models.list()
    with pytest.raises(openai.BadRequestError) as long:
        client.chat.completions.create(model="default", messages=[{"role": "user", "content": "长" * 300}])
    assert long.value.code == "question_too_long"
    with pytest.raises(openai.BadRequestError):
        client.chat.completions.create(model="default", messages=[{"role": "assistant", "content": "hi"}])
    big = httpx.post(f"{server}/v1/chat/completions", headers={"Authorization": f"Bearer {KEY}"},
                     content=b'{"messages": [' + b" " * 20_000 + b"]}")
    assert big.status_code == 413 and big.json()["error"]["code"] == "body_too_large"
    broken = httpx.post(f"{server}/v1/chat/completions", headers={"Authorization": f"Bearer {KEY}"},
                        content=b"{not json")
    assert broken.status_code == 400 and "error" in broken.json() and "Traceback" not in broken.text


def test_search_extension(server: str) -> None:
    response = httpx.post(f"{server}/v1/search", headers={"Authorization": f"Bearer {KEY}"},
                          json={"query": "南A中心", "k": 2, "mode": "bm25"})
    data = response.json()["data"]
    assert response.status_code == 200 and data[0]["chunk"]["source"].endswith("center.txt")
    assert "search_text" not in data[0]["chunk"] and data[0]["bm25_rank"] == 1


def ask_concurrently(client: openai.OpenAI, questions: list[str], clients: int = 8,
                     timeout: float = 120.0) -> list[tuple[str, str]]:
    """``clients`` threads at once, client ``i`` asking ``questions[i % len]``; returns
    (question, answer text) for every client that finished."""
    results: dict[int, tuple[str, str]] = {}

    def ask(i: int) -> None:
        question = questions[i % len(questions)]
        completion = client.chat.completions.create(model="default", messages=[{"role": "user", "content": question}])
        results[i] = (question, completion.choices[0].message.content or "")

    threads = [threading.Thread(target=ask, args=(i,)) for i in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=timeout)
    return [results[i] for i in sorted(results)]


def test_eight_concurrent_clients_get_their_own_answers(client: openai.OpenAI) -> None:
    expected = {FUND_Q: "100亿元", "南A中心首批有多少家东盟企业入驻？": "16家"}
    answers = ask_concurrently(client, list(expected))
    assert len(answers) == 8
    for question, text in answers:
        other = next(v for q, v in expected.items() if q != question)
        assert expected[question] in text and other not in text, (question, text)


def test_full_queue_is_429_and_a_disconnect_frees_its_place(tmp_path: Path) -> None:
    url, proc = start(tmp_path, "--delay", "0.5", "--max-queue", "1")
    try:
        client = openai.OpenAI(base_url=f"{url}/v1", api_key=KEY, max_retries=0)
        headers = {"Authorization": f"Bearer {KEY}"}
        body = {"model": "default", "stream": True, "messages": [{"role": "user", "content": FUND_Q}]}
        with httpx.stream("POST", f"{url}/v1/chat/completions", headers=headers, json=body, timeout=30) as first:
            lines = first.iter_lines()
            assert json.loads(next(lines)[5:])["choices"][0]["delta"]["role"] == "assistant"
            with pytest.raises(openai.RateLimitError) as busy:
                client.chat.completions.create(model="default", messages=[{"role": "user", "content": FUND_Q}])
            assert int(busy.value.response.headers["Retry-After"]) >= 1
            assert busy.value.code == "queue_full"
        # The first client hung up mid-answer: its place is freed and its generation
        # stopped long before the slow answer (0.5 s a piece) would have finished.
        t0 = time.monotonic()
        while httpx.get(f"{url}/ready", headers=headers).json()["queue"] and time.monotonic() - t0 < 5:
            time.sleep(0.1)
        assert httpx.get(f"{url}/ready", headers=headers).json()["queue"] == 0
        assert time.monotonic() - t0 < 5
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def test_serve_refuses_to_listen_beyond_loopback_without_a_key(tmp_path: Path) -> None:
    docs = write_docs(tmp_path / "docs", DOCS)
    out = subprocess.run([sys.executable, "-m", "assistant.cli", "serve", "--docs", str(docs),
                          "--host", "0.0.0.0", "--index-root", str(tmp_path / "index")],
                         capture_output=True, text=True, timeout=60,
                         env={**__import__("os").environ, "ASSISTANT_API_KEY": ""})
    assert out.returncode == 1 and "without an API key" in out.stderr


def test_remote_generator_down_is_a_clear_error(tmp_path: Path) -> None:
    from fakes import HashEmbedder

    from assistant import Assistant, Settings
    from assistant.errors import BackendUnavailableError

    docs = write_docs(tmp_path / "docs", DOCS)
    settings = Settings(index_root=tmp_path / "index", progress=False,
                        llm_url=f"http://127.0.0.1:{free_port()}/v1", llm_model="nothing-here")
    bot = Assistant(settings, embedder=HashEmbedder())
    bot.index([docs])
    with pytest.raises(BackendUnavailableError, match="not available.*drop --llm-url"):
        bot.ask(FUND_Q)
