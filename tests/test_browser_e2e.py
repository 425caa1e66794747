"""End to end in a real browser: `assistant chat` with the default models, driven in
Debian's headless Chromium by Playwright (no browser download).

Asks a corpus question and waits for the streamed, cited answer; clicks the
citation and checks the highlighted source; uploads a GBK-encoded .txt and asks
about it; asks an unanswerable question and checks the refusal; asks a
follow-up; deletes the uploaded file and asks about it again (no error, the
earlier answer's source marked as removed). Then a second user with the English interface waits in the queue
while the first presses Stop mid-answer (the second starts at once), the
English page shows no Chinese and the Chinese page no Gradio English, every
control and link on both has an accessible name and ``<html lang>`` matches,
and at phone width the input is on screen and a tapped citation shows its
source with a way back. Screenshots and the measured browser-side timings land
in ``screenshots/e2e/`` (git-ignored).
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import browser_scenario
import pytest

REPO = Path(__file__).resolve().parents[1]
SHOTS = REPO / "screenshots" / "e2e"

pytestmark = [pytest.mark.models, pytest.mark.browser]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_http(url: str, proc: subprocess.Popen[bytes], log: Path, timeout: float) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"chat server exited with {proc.returncode}:\n{log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(url, timeout=5) as r:
                if r.status == 200:
                    return
        except OSError:
            time.sleep(1)
    raise AssertionError(f"chat server did not answer within {timeout:.0f}s:\n{log.read_text()[-3000:]}")


@pytest.fixture(scope="module")
def chat_server(tmp_path_factory: pytest.TempPathFactory, corpus_dir: Path):
    from assistant.models import get_spec, is_installed
    from assistant.settings import Settings

    settings = Settings()
    for model in (settings.generator, settings.embedder):
        if not is_installed(get_spec(model, settings), settings):
            pytest.skip(f"{model} is not installed (run: assistant models install)")
    if not Path(browser_scenario.CHROMIUM).exists():
        pytest.skip("Debian chromium is not installed (apt-get install chromium chromium-driver)")
    tmp = tmp_path_factory.mktemp("chat")
    port = _free_port()
    log = tmp / "server.log"
    cmd = [sys.executable, "-m", "assistant.cli", "chat", "--docs", str(corpus_dir), "--port", str(port),
           "--upload-dir", str(tmp / "uploads"), "--index-root", str(tmp / "index")]
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "GRADIO_ANALYTICS_ENABLED": "False"}
    with log.open("wb") as out:
        proc = subprocess.Popen(cmd, cwd=REPO, stdout=out, stderr=subprocess.STDOUT, env=env)
    try:
        url = f"http://127.0.0.1:{port}/"
        _wait_http(url, proc, log, timeout=300)
        yield url, tmp
    finally:
        proc.terminate()
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()
        (SHOTS / "server.log").parent.mkdir(parents=True, exist_ok=True)
        (SHOTS / "server.log").write_text(log.read_text(errors="replace"), encoding="utf-8")


def test_chat_in_chromium(chat_server) -> None:
    url, tmp = chat_server
    result = browser_scenario.run(url, SHOTS, tmp / "白鹭湾大桥.txt")
    print(json.dumps({k: {kk: vv for kk, vv in v.items() if kk != "text"} if isinstance(v, dict) else v
                      for k, v in result.items()}, ensure_ascii=False, indent=1))
    for name in ("01-answer", "02-citation-clicked", "03-knowledge-base", "04-uploaded-answer",
                 "05-refusal", "06-follow-up", "05b-deleted-then-asked", "07-queued-english", "08-stopped", "09-english",
                 "09-english-knowledge-base", "10-phone", "11-phone-source", "12-phone-back"):
        assert (SHOTS / f"{name}.png").stat().st_size > 10_000
