"""Soak: many users at once on the chat UI and the HTTP API for minutes, every answer checked.

Usage:
    .venv/bin/python eval/soak.py [--minutes 10] [--users 8] [--target chat|api|both] [--json OUT]

Starts the server itself on loopback (``assistant chat`` / ``assistant serve`` with the real
default models over ../shared/corpus, a temporary index root and upload folder; the targets
of ``both`` one after the other), then:

1. baseline: every question of the pool (answerable questions of eval/gold/corpus.jsonl that
   need no earlier turn, with distinct gold answers) asked once, one at a time, through the
   same channel. Answers are greedy (temperature 0), so this is what each question should get
   back later.
2. soak: USERS clients loop over their own, disjoint questions for MINUTES. Chat users keep a
   Gradio session each (``gradio_client``), ask three questions per conversation, then clear.
   API users alternate streamed (raw SSE, reading the queue-position comments) and plain
   requests (``openai`` client); every ``BURST_EVERY_S`` a burst of extra requests pushes the
   queue past its limit, and each 429 must report a full queue. On the chat UI one more user
   uploads a small document with a fresh fact, asks about it, deletes it and asks again (the
   API has no upload route, so its soak has no such user).
3. checks: errors; cross-talk (the question echoed by the server - the chat history of the
   session, the API's ``standalone_question`` - is the user's own, and no answer equals another
   question's baseline instead of its own); queue positions (never rising within a request,
   always below the number of requests in flight); the server's RSS sampled every
   ``RSS_EVERY_S`` (when ready, start of the soak, end, maximum, drift, slopes).

Prints the figures; ``--json`` writes them. ``run_target`` is also what tests/test_soak.py
runs, briefly, against the fake-model server of the API tests.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO / "tests"), str(REPO / "eval")]  # the tests' server helpers; the users

from soak_users import CONVERSATION, ApiUser, Burster, ChatUser, Record, Uploader  # noqa: E402
from test_api import free_port, wait_ready  # noqa: E402
from test_browser_e2e import _wait_http  # noqa: E402

from assistant.answer.converse import needs_context  # noqa: E402
from assistant.evaluation.harness import load_gold  # noqa: E402
from assistant.evaluation.metrics import normalize_answer  # noqa: E402
from assistant.web.api_shapes import ApiLimits  # noqa: E402

CORPUS = REPO.parent / "shared" / "corpus"
GOLD = REPO / "eval" / "gold" / "corpus.jsonl"
KEY = "soak-key"
QUESTIONS_PER_USER = CONVERSATION  # each user's own questions: one chat conversation
BURST_QUESTIONS = 4  # extra pool questions only the API's bursts ask
RSS_EVERY_S = 5.0  # an RSS sample every 5 s: 120 points over a 10-minute soak
BURST_EVERY_S = 120.0  # a queue-overflow burst every 2 minutes of the API soak
# Starting a real server indexes the corpus and loads and warms both models:
# about 2 minutes on 2 cores; the bound leaves room for a busy machine.
STARTUP_S = 900.0


@dataclass(frozen=True)
class Question:
    """A question and the gold answers that show it was the one answered."""

    text: str
    answers: tuple[str, ...]


@dataclass
class Server:
    """A server this script started; ``stop`` ends it."""

    kind: str  # "chat" or "api"
    url: str
    proc: subprocess.Popen[Any]
    log: Path
    upload_dir: Path
    max_queue: int
    key: str = KEY

    def stop(self) -> None:
        """Terminate the server (killed when it does not stop within a minute)."""
        self.proc.terminate()
        try:
            self.proc.wait(60)
        except subprocess.TimeoutExpired:
            self.proc.kill()


# --------------------------------------------------------------------------- servers


def start_real(kind: str, tmp: Path, docs: Path = CORPUS) -> Server:
    """``assistant chat`` or ``assistant serve`` with the default models over ``docs``."""
    port = free_port()
    log = tmp / f"{kind}-server.log"
    common = ["--docs", str(docs), "--port", str(port), "--index-root", str(tmp / "index"),
              "--no-progress"]
    cmd = [sys.executable, "-m", "assistant.cli", "serve" if kind == "api" else "chat", *common]
    if kind == "chat":
        cmd += ["--upload-dir", str(tmp / "uploads")]
    return _launch(kind, cmd, port, log, tmp / "uploads", ApiLimits().max_queue)


def start_fake(kind: str, docs: Path, tmp: Path, delay: float = 0.0, max_queue: int = 16) -> Server:
    """tests/serve_fake.py (hash embedder, echo generator) as the API or the chat UI."""
    port = free_port()
    cmd = [sys.executable, str(REPO / "tests" / "serve_fake.py"), str(docs), str(port),
           "--delay", str(delay), "--max-queue", str(max_queue), "--upload-dir", str(tmp / "uploads")]
    cmd += ["--api-key", KEY] if kind == "api" else ["--chat"]
    return _launch(kind, cmd, port, tmp / f"{kind}-fake.log", tmp / "uploads", max_queue)


def _launch(kind: str, cmd: list[str], port: int, log: Path, uploads: Path, max_queue: int) -> Server:
    env = {**os.environ, "ASSISTANT_API_KEY": KEY, "HF_HUB_OFFLINE": "1",
           "GRADIO_ANALYTICS_ENABLED": "False"}
    url = f"http://127.0.0.1:{port}"
    with log.open("wb") as out:
        # Any: the two borrowed waiting helpers type the process as text and as bytes.
        proc: subprocess.Popen[Any] = subprocess.Popen(cmd, cwd=REPO, stdout=out,
                                                       stderr=subprocess.STDOUT, env=env)
    server = Server(kind, url, proc, log, uploads, max_queue)
    try:
        if kind == "api":
            wait_ready(url, proc, seconds=STARTUP_S, key=KEY)
        else:
            _wait_http(f"{url}/", proc, log, timeout=STARTUP_S)
    except BaseException:
        server.stop()
        raise
    return server


# --------------------------------------------------------------------------- memory


def rss_mb(pid: int) -> float:
    """Resident memory of process ``pid`` in MB (0 when it has gone)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0.0
    m = re.search(r"^VmRSS:\s+(\d+) kB", status, re.MULTILINE)
    return int(m.group(1)) / 1024 if m else 0.0


class RssSampler:
    """Samples a process's RSS every ``every`` seconds in a thread: (seconds, MB) pairs."""

    def __init__(self, pid: int, every: float = RSS_EVERY_S) -> None:
        self.pid, self.every = pid, every
        self.samples: list[tuple[float, float]] = []
        self._stop = threading.Event()
        self._t0 = time.monotonic()
        self._thread = threading.Thread(target=self._run, name="rss", daemon=True)

    def _run(self) -> None:
        while True:
            self.samples.append((time.monotonic() - self._t0, rss_mb(self.pid)))
            if self._stop.wait(self.every):
                return

    def __enter__(self) -> RssSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.samples.append((time.monotonic() - self._t0, rss_mb(self.pid)))

    def summary(self) -> dict[str, Any]:
        """Start, end, maximum, drift (end - start), least-squares slope in MB/min over the
        whole run and over each third (a warm-up levels off, a leak does not)."""
        if not self.samples:  # the summary of a sampler that never ran
            return {}
        mbs = [m for _, m in self.samples]
        n = len(self.samples)
        thirds = [self.samples[n * i // 3 : n * (i + 1) // 3] for i in range(3)]
        return {"start_mb": round(mbs[0], 1), "end_mb": round(mbs[-1], 1),
                "max_mb": round(max(mbs), 1), "drift_mb": round(mbs[-1] - mbs[0], 1),
                "slope_mb_per_min": _slope(self.samples), "slope_by_third": [_slope(t) for t in thirds],
                "samples": n, "series": [(round(t, 1), round(m, 1)) for t, m in self.samples]}


def _slope(samples: Sequence[tuple[float, float]]) -> float:
    """Least-squares MB per minute of (seconds, MB) samples (0 for fewer than two)."""
    ts, mbs = [t for t, _ in samples], [m for _, m in samples]
    return round(statistics.linear_regression(ts, mbs).slope * 60, 2) if len(set(ts)) > 1 else 0.0


# --------------------------------------------------------------------------- questions


def gold_pool(n: int, path: Path = GOLD) -> list[Question]:
    """``n`` answerable gold questions that need no earlier turn (so a chat session's history
    does not rewrite them) and whose gold answers appear in no other chosen question's."""
    chosen: list[Question] = []
    for g in load_gold(path):
        if not g.answerable or not g.answers or needs_context(g.question):
            continue
        mine = {normalize_answer(a) for a in g.answers}
        theirs = {normalize_answer(a) for q in chosen for a in q.answers}
        if any(a in b or b in a for a in mine for b in theirs):
            continue
        chosen.append(Question(g.question, g.answers))
        if len(chosen) == n:
            return chosen
    raise SystemExit(f"{path} has only {len(chosen)} usable questions; {n} are needed")


# --------------------------------------------------------------------------- checks


def _percentiles(values: Sequence[float]) -> dict[str, float]:
    if not values:
        return {}
    cuts = statistics.quantiles(values, n=20, method="inclusive") if len(values) > 1 else [values[0]] * 19
    return {"p50": round(cuts[9], 2), "p95": round(cuts[18], 2), "max": round(max(values), 2)}


def check(records: Sequence[Record], baseline: dict[str, Record], pool: Sequence[Question],
          max_queue: int) -> dict[str, Any]:
    """Errors, cross-talk, position and 429 checks, and the latency figures of a soak."""
    gold = {q.text: q for q in pool}
    by_text = {r.text: q for q, r in baseline.items() if not r.refused}
    errors, crosstalk, bad_positions, varied = [], [], [], []
    same = 0
    answered = [r for r in records if r.status == 200 and not r.error]
    rejected = [r for r in records if r.status == 429]
    for r in records:
        if r.error:
            errors.append(f"user {r.user}: {r.question[:30]}: {r.error}")
        if r.status == 429 and r.queued_at_429 < max_queue:
            errors.append(f"user {r.user}: 429 with only {r.queued_at_429} queued (limit {max_queue})")
    for r in answered:
        base = baseline.get(r.question)
        if r.echoed != r.question:
            crosstalk.append({"user": r.user, "asked": r.question, "echoed": r.echoed})
        elif base is not None and r.text == base.text:
            same += 1
        elif base is not None:
            other = by_text.get(r.text)
            if other is not None and other != r.question:
                crosstalk.append({"user": r.user, "asked": r.question, "answer_of": other, "text": r.text})
            else:
                varied.append({"user": r.user, "asked": r.question, "text": r.text, "baseline": base.text})
        if any(b > a for a, b in zip(r.positions, r.positions[1:], strict=False)) or (
                r.positions and max(r.positions) > r.max_in_flight - 1):
            bad_positions.append({"user": r.user, "positions": r.positions, "in_flight": r.max_in_flight})
    scored = [r for r in answered if r.question in gold]  # the uploader's questions are not
    own_gold = sum(any(normalize_answer(a) in normalize_answer(r.text) for a in gold[r.question].answers)
                   for r in scored)
    return {
        "requests": len(records), "answered": len(answered), "errors": errors, "crosstalk": crosstalk,
        "same_as_baseline": same, "varied": varied,
        "gold_checked": len(scored), "gold_answer_found": own_gold, "rejected_429": len(rejected),
        "positions_seen": sum(len(r.positions) for r in records), "max_position":
            max((p for r in records for p in r.positions), default=0), "bad_positions": bad_positions,
        "queue_wait_s": _percentiles([r.queue_s for r in answered]),
        "total_s": _percentiles([r.total_s for r in answered]),
    }


# --------------------------------------------------------------------------- a run


@dataclass
class Soak:
    """Shared state of one soak: the deadline and the records of every user."""

    server: Server
    seconds: float
    records: list[Record] = field(default_factory=list)
    in_flight: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)
    deadline: float = 0.0

    def over(self) -> bool:
        """Whether the soak's time is up (requests under way still finish)."""
        return time.monotonic() >= self.deadline

    @contextmanager
    def flight(self) -> Iterator[Callable[[], int]]:
        """Count one request in flight; yields a function reading the current count."""
        with self.lock:
            self.in_flight += 1

        def now() -> int:
            with self.lock:
                return self.in_flight

        try:
            yield now
        finally:
            with self.lock:
                self.in_flight -= 1

    def add(self, record: Record) -> None:
        """Keep one finished request."""
        with self.lock:
            self.records.append(record)


def run_target(server: Server, pool: Sequence[Question], users: int, seconds: float,
               burst_every: float = BURST_EVERY_S, say: Callable[[str], None] = print) -> dict[str, Any]:
    """Baseline, then ``users`` concurrent users (plus the uploader on the chat UI) for
    ``seconds``; returns the checked figures."""
    assert len(pool) >= users * QUESTIONS_PER_USER, "the pool needs QUESTIONS_PER_USER per user"
    soak = Soak(server, seconds)
    make: Callable[[int, Sequence[str]], ApiUser | ChatUser] = (
        (lambda i, qs: ApiUser(soak, i, qs)) if server.kind == "api" else (lambda i, qs: ChatUser(soak, i, qs)))
    t0 = time.monotonic()
    ready_mb = rss_mb(server.proc.pid)
    probe = make(-1, [q.text for q in pool])
    baseline = {r.question: r for r in probe.baseline()}
    say(f"[{server.kind}] baseline of {len(baseline)} questions in {time.monotonic() - t0:.0f}s")
    texts = [q.text for q in pool]
    actors: list[Any] = [make(i, texts[i * QUESTIONS_PER_USER:(i + 1) * QUESTIONS_PER_USER])
                         for i in range(users)]
    uploader = Uploader(soak, users) if server.kind == "chat" else None
    if uploader is not None:
        actors.append(uploader)
    if isinstance(probe, ApiUser):  # the questions no regular user asks, else any
        actors.append(Burster(probe, texts[users * QUESTIONS_PER_USER:] or texts, burst_every))
    soak.deadline = time.monotonic() + seconds
    with RssSampler(server.proc.pid) as rss:
        threads = [threading.Thread(target=a.run, name=f"user-{i}", daemon=True) for i, a in enumerate(actors)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    wall = time.monotonic() - soak.deadline + seconds
    result = check(soak.records, baseline, pool, server.max_queue)
    result.update(target=server.kind, users=users, seconds=round(wall, 1), loadavg=os.getloadavg(),
                  answers_per_min=round(result["answered"] / wall * 60, 1),
                  rss={"ready_mb": round(ready_mb, 1), **rss.summary()},
                  baseline={q: {"text": r.text, "refused": r.refused} for q, r in baseline.items()})
    if uploader is not None:
        result["uploads"] = uploader.summary()
        result["errors"] += uploader.errors
    return result


def report(result: dict[str, Any]) -> str:
    """The figures of one target as a few lines."""
    rss = result["rss"]
    lines = [
        f"[{result['target']}] {result['users']} users for {result['seconds']:.0f}s: "
        f"{result['answered']} answers ({result['answers_per_min']}/min), {result['requests']} requests, "
        f"{len(result['errors'])} errors, {len(result['crosstalk'])} cross-talk, "
        f"{result['same_as_baseline']} same as baseline, {len(result['varied'])} varied, "
        f"gold answer in {result['gold_answer_found']} of {result['gold_checked']}",
        f"  queue wait s {result['queue_wait_s']}; total s {result['total_s']}",
        f"  queue positions seen {result['positions_seen']} (max {result['max_position']}), "
        f"{len(result['bad_positions'])} wrong; 429s {result['rejected_429']}",
        f"  host load average (1, 5, 15 min) at the end: {result['loadavg']}",
        f"  server RSS MB: start {rss['start_mb']}, end {rss['end_mb']}, max {rss['max_mb']}, "
        f"drift {rss['drift_mb']:+}, slope {rss['slope_mb_per_min']:+}/min over {rss['samples']} samples "
        f"(by third {rss['slope_by_third']}; {rss['ready_mb']} when the server was ready)",
    ]
    if "uploads" in result:
        lines.append(f"  uploads {result['uploads']}")
    lines += [f"  ERROR {e}" for e in result["errors"][:20]]
    lines += [f"  CROSS-TALK {c}" for c in result["crosstalk"][:20]]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--minutes", type=float, default=10.0)
    ap.add_argument("--users", type=int, default=8)
    ap.add_argument("--target", choices=["chat", "api", "both"], default="both")
    ap.add_argument("--json", type=Path, help="write every figure (and the RSS series) here")
    args = ap.parse_args(argv)
    pool = gold_pool(args.users * QUESTIONS_PER_USER + BURST_QUESTIONS)
    results = []
    for kind in ["chat", "api"] if args.target == "both" else [args.target]:
        with tempfile.TemporaryDirectory(prefix=f"soak-{kind}-") as tmp:
            t0 = time.monotonic()
            server = start_real(kind, Path(tmp))
            print(f"[{kind}] server ready in {time.monotonic() - t0:.0f}s at {server.url}", flush=True)
            try:
                results.append(run_target(server, pool, args.users, args.minutes * 60))
            finally:
                server.stop()
        print(report(results[-1]), flush=True)
    if args.json:
        args.json.write_text(json.dumps(results, ensure_ascii=False, indent=1), encoding="utf-8")
    failed = any(r["errors"] or r["crosstalk"] or r["bad_positions"] for r in results)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
