"""The simulated users of eval/soak.py: API clients, chat sessions, the uploader, the burst.

Each user asks through the real wire protocol (``openai`` / raw SSE for the HTTP API,
``gradio_client`` for the chat UI) and turns every answer into a ``Record`` that
``soak.check`` judges: what the server echoed as the question, the answer text, the
queue positions it reported, the server's queue wait and the client's total time.
"""

from __future__ import annotations

import html
import json
import re
import statistics
import tempfile
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx
import httpx2
import openai

if TYPE_CHECKING:
    from soak import Soak

CONVERSATION = 3  # questions per chat conversation: asked in one session, then cleared
ANSWER_TIMEOUT_S = 900.0  # 8 users x 2-3 s per answer is ~25 s; the bound only catches a hang
POLL_S = 0.2  # how often a chat user looks at its job (gradio_client's own iterator spins)
BURST_SURPLUS = 4  # a burst brings this many more requests than the queue can hold
_QUEUED_429 = re.compile(r"\((\d+) requests queued\)")
_QUEUED_UI = re.compile(r"前面还有 (\d+) 个请求|(\d+) request\(s\) ahead")
_QUEUE_WAIT_UI = re.compile(r"排队 ([\d.]+) 秒|queued ([\d.]+) s")
_LATENCY = re.compile(r'<div class="latency">.*?</div>', re.DOTALL)
_REWRITTEN = re.compile(r'<div class="rewritten">(.*?)</div>', re.DOTALL)
_TAG = re.compile(r"<[^>]+>")
# The refusal and error bubbles of the chat UI (its zh and en texts).
_REFUSED = re.compile(r"文档中没有找到|do not contain the answer")
_ERROR = re.compile(r"❌|出错了|Something went wrong")


@dataclass
class Record:
    """One request as a user saw it."""

    user: int
    question: str
    status: int = 0  # 200 answered, 429 turned away, 0 failed
    error: str = ""
    text: str = ""
    refused: bool = False
    echoed: str = ""  # the question as the server reported answering it
    positions: list[int] = field(default_factory=list)
    max_in_flight: int = 0  # most requests in flight (client side) while this one was
    queue_s: float = 0.0  # queue wait the server reported
    total_s: float = 0.0
    queued_at_429: int = 0
    retry_after: float = 0.0


def _plain(bubble: str) -> str:
    return html.unescape(_TAG.sub("", bubble)).strip()


def _content(message: dict[str, Any]) -> str:
    """A chat message's text, whether Gradio sends a string or a list of parts."""
    content = message.get("content", "")
    if isinstance(content, list):
        return "".join(str(p.get("text", "")) if isinstance(p, dict) else str(p) for p in content)
    if isinstance(content, dict):
        return str(content.get("text", content.get("value", "")))
    return str(content)


class _User:
    def __init__(self, soak: Soak, user: int, questions: Sequence[str]) -> None:
        self.soak, self.user, self.questions = soak, user, list(questions)
        self.server = soak.server

    def ask(self, question: str, stream: bool = False, asked: Sequence[str] = ()) -> Record:
        """Ask once, timed and counted in flight; never raises."""
        record = Record(self.user, question)
        t0 = time.monotonic()
        with self.soak.flight() as now:
            try:
                self._ask(record, stream, asked, now)
            except Exception as exc:  # a failed request is a finding, not a crash of the soak
                record.error = f"{type(exc).__name__}: {exc}"[:300]
        record.total_s = time.monotonic() - t0
        return record

    def _ask(self, record: Record, stream: bool, asked: Sequence[str], now: Any) -> None:
        raise NotImplementedError


# --------------------------------------------------------------------------- HTTP API


class ApiUser(_User):
    """A client of the HTTP API: even users stream (raw SSE), odd ones use ``openai``."""

    def __init__(self, soak: Soak, user: int, questions: Sequence[str], keep_alive: bool = True) -> None:
        """``keep_alive=False`` for clients idle longer than the server's keep-alive
        (the burst): a pooled connection the server is closing just as a request
        goes out fails with a connection error that no server fault causes."""
        super().__init__(soak, user, questions)
        self.headers = {"Authorization": f"Bearer {self.server.key}"}
        pool = None if keep_alive else openai.DefaultHttpxClient(  # openai's own HTTP library: httpx2
            limits=httpx2.Limits(max_keepalive_connections=0), timeout=ANSWER_TIMEOUT_S)
        self.client = openai.OpenAI(base_url=f"{self.server.url}/v1", api_key=self.server.key,
                                    max_retries=0, timeout=ANSWER_TIMEOUT_S, http_client=pool)

    def baseline(self) -> list[Record]:
        """Every question once, one at a time."""
        return [self.ask(q) for q in self.questions]

    def run(self) -> None:
        """Ask the own questions round and round until the soak ends."""
        while not self.soak.over():
            for q in self.questions:
                if self.soak.over():
                    return
                record = self.ask(q, stream=self.user % 2 == 0)
                self.soak.add(record)
                if record.status == 429:  # as a polite client does (but not past the end)
                    time.sleep(max(0.0, min(record.retry_after, self.soak.deadline - time.monotonic())))

    def _ask(self, record: Record, stream: bool, asked: Sequence[str], now: Any) -> None:
        record.max_in_flight = now()
        messages = [{"role": "user", "content": record.question}]
        if not stream:
            try:
                completion = self.client.chat.completions.create(model="default", messages=messages)  # type: ignore[arg-type]
            except openai.RateLimitError as exc:
                self._busy(record, exc.message, exc.response.headers.get("Retry-After", "0"))
                return
            self._answered(record, completion.choices[0].message.content or "",
                           (completion.model_extra or {}).get("assistant"))
            return
        body = {"model": "default", "stream": True, "messages": messages}
        text, ext = "", None
        with httpx.stream("POST", f"{self.server.url}/v1/chat/completions", headers=self.headers,
                          json=body, timeout=ANSWER_TIMEOUT_S) as response:
            if response.status_code != 200:
                response.read()
                if response.status_code == 429:
                    self._busy(record, response.json()["error"]["message"],
                               response.headers.get("Retry-After", "0"))
                else:
                    record.error = f"HTTP {response.status_code}: {response.text[:200]}"
                return
            for line in response.iter_lines():
                record.max_in_flight = max(record.max_in_flight, now())
                if line.startswith(": queued, position "):
                    record.positions.append(int(line.rsplit(" ", 1)[1]))
                elif line.startswith("data: ") and line != "data: [DONE]":
                    chunk = json.loads(line[6:])
                    if "error" in chunk:
                        record.error = f"stream error: {chunk['error']['message']}"
                        return
                    text += "".join(c["delta"].get("content") or "" for c in chunk["choices"])
                    ext = chunk.get("assistant") or ext
        self._answered(record, text, ext)

    @staticmethod
    def _busy(record: Record, message: str, retry_after: str) -> None:
        record.status = 429
        m = _QUEUED_429.search(message)
        record.queued_at_429 = int(m.group(1)) if m else 0
        record.retry_after = float(retry_after) if retry_after.isdigit() else 0.0
        if record.retry_after < 1:
            record.error = f"429 without a usable Retry-After ({retry_after!r})"

    @staticmethod
    def _answered(record: Record, text: str, ext: dict[str, Any] | None) -> None:
        if ext is None:
            record.error = "answer without the assistant extension field"
            return
        record.status, record.text, record.refused = 200, text, bool(ext["refused"])
        record.echoed = ext["standalone_question"]
        record.queue_s = float(ext["timings"].get("queue", 0.0))


class Burster:
    """Every ``every`` seconds, more requests at once than the API's queue holds."""

    def __init__(self, api: ApiUser, questions: Sequence[str], every: float) -> None:
        self.api, self.questions, self.every = api, list(questions), every
        self.size = api.server.max_queue + BURST_SURPLUS
        self.burst = ApiUser(api.soak, -2, self.questions, keep_alive=False)  # user -2: the burst

    def run(self) -> None:
        """Fire bursts until the soak ends."""
        soak = self.api.soak
        next_burst = time.monotonic() + self.every / 2
        while not soak.over():
            if time.monotonic() < next_burst:
                time.sleep(min(1.0, max(0.0, next_burst - time.monotonic())))
                continue
            next_burst += self.every
            threads = [threading.Thread(target=lambda q=q: soak.add(self.burst.ask(q)), daemon=True)
                       for q in (self.questions * self.size)[: self.size]]
            for t in threads:
                t.start()
            for t in threads:
                t.join()


# --------------------------------------------------------------------------- chat UI


class ChatUser(_User):
    """A browser session of the chat UI (one ``gradio_client`` session): conversations of
    the own questions, cleared after each round."""

    def __init__(self, soak: Soak, user: int, questions: Sequence[str]) -> None:
        from gradio_client import Client

        super().__init__(soak, user, questions)
        self.client = Client(self.server.url, verbose=False, download_files=False,
                             analytics_enabled=False)

    def conversation(self, questions: Sequence[str], keep: bool) -> list[Record]:
        """Ask ``questions`` in one conversation, then start a new one."""
        records: list[Record] = []
        for q in questions:
            if keep and self.soak.over():
                break
            records.append(self.ask(q, asked=[r.question for r in records]))
            if keep:
                self.soak.add(records[-1])
        self.client.predict(api_name="/clear")
        return records

    def baseline(self) -> list[Record]:
        """Every question once, one at a time, in conversations of the soak's length."""
        return [r for i in range(0, len(self.questions), CONVERSATION)
                for r in self.conversation(self.questions[i:i + CONVERSATION], keep=False)]

    def run(self) -> None:
        """Conversations of the own questions until the soak ends."""
        while not self.soak.over():
            self.conversation(self.questions, keep=True)

    def _ask(self, record: Record, stream: bool, asked: Sequence[str], now: Any) -> None:
        job = self.client.submit(record.question, api_name="/submit")
        deadline = time.monotonic() + ANSWER_TIMEOUT_S
        while not job.done() and time.monotonic() < deadline:
            record.max_in_flight = max(record.max_in_flight, now())
            time.sleep(POLL_S)
        messages = job.result(timeout=max(1.0, deadline - time.monotonic()))[0]
        for out in job.outputs():
            m = _QUEUED_UI.search(_content(out[0][-1])) if out and out[0] else None
            if m:
                record.positions.append(int(m.group(1) or m.group(2)))
        # Consecutive snapshots repeat a position while it holds; keep each change once.
        record.positions = [p for i, p in enumerate(record.positions) if i == 0 or record.positions[i - 1] != p]
        users = [html.unescape(_content(m)) for m in messages if m.get("role") == "user"]
        bubble = _content(messages[-1]) if messages and messages[-1].get("role") == "assistant" else ""
        rewritten = _REWRITTEN.search(bubble)
        if users[:-1] != list(asked) or not users:
            record.echoed = "session history: " + " | ".join(users)
        elif rewritten:
            record.echoed = "rewritten: " + _plain(rewritten.group(1))
        else:
            record.echoed = users[-1]
        if _ERROR.search(_plain(bubble)) or 'class="latency"' not in bubble:
            record.error = f"no final answer: {_plain(bubble)[:200]}"
            return
        latency = _LATENCY.search(bubble)
        wait = _QUEUE_WAIT_UI.search(latency.group(0)) if latency else None
        record.queue_s = float(wait.group(1) or wait.group(2)) if wait else 0.0
        record.text = _plain(_REWRITTEN.sub("", _LATENCY.sub("", bubble)))
        record.refused = bool(_REFUSED.search(record.text))
        record.status = 200


class Uploader:
    """The knowledge-base user: uploads a document with a fresh fact, asks about it,
    deletes it and asks again (a deleted document must no longer answer)."""

    def __init__(self, soak: Soak, user: int) -> None:
        self.chat = ChatUser(soak, user, [])
        self.soak = soak
        self.errors: list[str] = []
        self.found: list[bool] = []
        self.gone: list[bool] = []
        self.upload_s: list[float] = []
        self.delete_s: list[float] = []
        self._folder = Path(tempfile.mkdtemp(prefix="soak-uploads-"))

    def run(self) -> None:
        """Upload-ask-delete-ask cycles until the soak ends."""
        n = 0
        while not self.soak.over():
            n += 1
            try:
                self.cycle(n)
            except Exception as exc:  # reported with the others, the soak goes on
                self.errors.append(f"uploader cycle {n}: {type(exc).__name__}: {exc}"[:300])

    def cycle(self, n: int) -> None:
        """One upload-ask-delete-ask cycle with document number ``n``."""
        from gradio_client import handle_file

        name, capacity = f"soak-upload-{n}.txt", f"{1000 + 37 * n}万立方米"
        question = f"云杉谷{n}号水库的总库容是多少？"
        path = self._folder / name
        path.write_text(f"云杉谷{n}号水库\n云杉谷{n}号水库总库容为{capacity}，于2019年3月18日开工建设。\n",
                        encoding="utf-8")
        client = self.chat.client
        t0 = time.monotonic()
        table, message = client.predict([handle_file(path)], api_name="/upload")[:2]
        self.upload_s.append(time.monotonic() - t0)
        if name not in _names(table):
            self.errors.append(f"upload {name}: not listed after upload ({message[:200]})")
            return
        asked = self.chat.ask(question)
        self.soak.add(asked)
        self.found.append(capacity in asked.text)
        t0 = time.monotonic()
        table, message = client.predict(str(self.chat.server.upload_dir / name), api_name="/delete")[:2]
        self.delete_s.append(time.monotonic() - t0)
        if name in _names(table):
            self.errors.append(f"delete {name}: still listed ({message[:200]})")
        again = self.chat.ask(question, asked=[question])
        self.soak.add(again)
        self.gone.append(capacity not in again.text)
        if not self.gone[-1]:
            self.errors.append(f"{name} deleted but still answered: {again.text[:200]}")
        client.predict(api_name="/clear")

    def summary(self) -> dict[str, Any]:
        """Cycles, facts found after upload and gone after delete, upload/delete seconds."""
        def med(xs: list[float]) -> float:
            return round(statistics.median(xs), 2) if xs else 0.0

        return {"cycles": len(self.found), "found_after_upload": sum(self.found),
                "gone_after_delete": sum(self.gone), "upload_s_p50": med(self.upload_s),
                "delete_s_p50": med(self.delete_s), "errors": len(self.errors)}


def _names(table: Any) -> list[str]:
    """File names in the knowledge-base table as gradio_client returns it."""
    rows = table.get("data", []) if isinstance(table, dict) else table or []
    return [str(row[0]) for row in rows if row]
