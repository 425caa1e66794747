"""Stop while the model reads the passages: how soon the next user starts (a
benchmark, not a test; issue 12).

One ``ChatService`` over the real default models and the reference corpus. User
A asks a broad question; once A's answer is in the "reading" stage (the model
evaluating the prompt) for ``--delay`` seconds, A presses Stop while user B waits
in the queue. Printed per trial, as JSON: seconds from Stop to A's "stopped" and
to B's first update after the queue. Trials alternate between the shipped
behaviour (the run's watcher calls ``Generator.abort_current``, which interrupts
llama.cpp mid-prompt) and ``--compare``'s "without abort" (the watcher disabled:
the stop then takes effect when the model yields its first token, as before).

    .venv/bin/python eval/bench_stop.py --trials 2 --compare
"""

from __future__ import annotations

import argparse
import json
import tempfile
import threading
import time
from pathlib import Path

from assistant import Assistant, Settings
from assistant.web import chat
from assistant.web.chat import ChatService

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"
# The browser end-to-end test's questions (tests/browser_scenario.py): a broad one
# whose prompt holds six passages, and a short one for the user who waits.
FIRST = "请介绍南A中心：它的全称、建立时间、首批入驻企业和主要功能分别是什么？"
SECOND = "广西今年2月设立的人工智能产业基金规模是多少？"
POLL = 0.01  # seconds between checks of the two users' progress


def _trial(service: ChatService, delay: float) -> dict[str, object]:
    stops = {"a": threading.Event(), "b": threading.Event()}
    seen: dict[str, list[tuple[float, str]]] = {"a": [], "b": []}

    def ask(name: str, question: str) -> None:
        for update in service.respond(question, stop=stops[name]):
            seen[name].append((time.perf_counter(), update.stage))
            if name == "b" and update.stage != "queued":
                stops["b"].set()  # B has the model: enough for this measurement

    def first(name: str, stage: str) -> float | None:
        return next((t for t, s in seen[name] if s == stage), None)

    a = threading.Thread(target=ask, args=("a", FIRST))
    a.start()
    while first("a", "reading") is None:
        time.sleep(POLL)
    b = threading.Thread(target=ask, args=("b", SECOND))
    b.start()
    while first("b", "queued") is None:
        time.sleep(POLL)
    reading = first("a", "reading")
    assert reading is not None
    while time.perf_counter() < reading + delay:
        time.sleep(POLL)
    t_stop = time.perf_counter()
    stops["a"].set()
    a.join()
    b.join()
    b_start = next(t for t, s in seen["b"] if s != "queued")
    while len(service.queue):
        time.sleep(POLL)
    return {"stop_after_reading_s": round(t_stop - reading, 2), "a_final": seen["a"][-1][1],
            "a_stopped_shown_s": round(seen["a"][-1][0] - t_stop, 2),
            "next_user_started_s": round(b_start - t_stop, 2)}


def main(args: argparse.Namespace) -> int:
    root = Path(tempfile.mkdtemp(prefix="bench-stop-"))
    bot = Assistant(Settings(index_root=root / "index", progress=False))
    bot.index([args.docs])
    bot.warm_up()
    service = ChatService(bot)
    shipped = chat._Run._watch
    for _ in range(args.trials):
        for abort in (True, False) if args.compare else (True,):
            chat._Run._watch = shipped if abort else (lambda self: None)  # type: ignore[method-assign]
            print(json.dumps({"abort": abort, **_trial(service, args.delay)}), flush=True)
    chat._Run._watch = shipped  # type: ignore[method-assign]
    return 0


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--docs", type=Path, default=CORPUS)
    ap.add_argument("--trials", type=int, default=2)
    ap.add_argument("--delay", type=float, default=0.5, help="seconds of reading before Stop")
    ap.add_argument("--compare", action="store_true", help="alternate with the watcher disabled")
    raise SystemExit(main(ap.parse_args()))
