"""SIGKILL during an index write (a rebuild, an incremental add, a removal) leaves a complete
index that loads and answers, on every store setup; the next run finishes the job."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from fakes import EchoGenerator, HashEmbedder
from helpers import write_docs

from assistant import Assistant, Settings
from assistant.search.stores.milvus import close_clients

HERE = Path(__file__).resolve().parent
DOCS = {
    "fund.txt": "广西人工智能产业基金\n今年2月，广西设立规模100亿元的人工智能产业基金。基金重点投向算力、模型和应用。",
    "center.txt": "南A中心\n中国—东盟人工智能创新合作中心又被称为南A中心，首批16家东盟企业签约入驻。",
}
PORT = "北部湾港口\n北部湾港今年集装箱吞吐量突破900万标准箱，同比增长百分之十二。"


def _build(settings: Settings, docs: Path, point: str, marker: Path,
           update: bool = False) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, str(HERE / "crash_build.py"), str(settings.index_root),
                             str(docs), settings.store, settings.lexical, point, str(marker),
                             *(["--update"] if update else [])],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _kill_at_marker(proc: subprocess.Popen[str], marker: Path, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not marker.exists():
        if proc.poll() is not None:
            pytest.fail(f"the build ended before its kill point: {proc.stderr.read() if proc.stderr else ''}")
        if time.monotonic() > deadline:
            proc.kill()
            pytest.fail("the build never reached its kill point")
        time.sleep(0.05)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)


# (operation, kill point): a rebuild from scratch, an incremental add of a document
# and an incremental removal, each killed where it writes something.
KILLS = [("rebuild", "embed"), ("rebuild", "store"), ("rebuild", "folder"),
         ("add", "embed"), ("add", "store"), ("add", "folder"),
         ("remove", "folder"), ("remove", "unstore")]


@pytest.mark.parametrize(("operation", "point"), KILLS, ids=[f"{o}-{p}" for o, p in KILLS])
def test_sigkill_during_an_index_write_keeps_a_working_index(
        tmp_settings: Settings, tmp_path: Path, operation: str, point: str) -> None:
    docs = write_docs(tmp_path / "docs", DOCS)
    root = tmp_settings.index_root
    first = _build(tmp_settings, docs, "none", tmp_path / "unused")
    assert first.wait(timeout=120) == 0, first.stderr.read() if first.stderr else ""
    before = json.loads((root / "kb" / "manifest.json").read_text(encoding="utf-8"))

    if operation == "remove":
        (docs / "center.txt").unlink()
    else:
        (docs / "port.txt").write_text(PORT, encoding="utf-8")
    expected = before["documents"] + (-1 if operation == "remove" else 1)
    marker = tmp_path / f"at-{point}"
    _kill_at_marker(_build(tmp_settings, docs, point, marker, update=operation != "rebuild"), marker)

    # A complete index is in place (the previous one, or the new one when the kill
    # came after the folder swap), loads and answers.
    now = json.loads((root / "kb" / "manifest.json").read_text(encoding="utf-8"))
    assert now["documents"] in (before["documents"], expected)
    bot = Assistant(tmp_settings, embedder=HashEmbedder(), generator=EchoGenerator())
    bot.load("kb")
    answer = bot.ask("广西人工智能产业基金规模是多少？")
    assert "100亿元" in answer.text and not answer.refused
    close_clients()  # milvus-lite serves a file to one process at a time

    # The next run finishes the job and leaves nothing behind.
    again = _build(tmp_settings, docs, "none", tmp_path / "unused", update=operation != "rebuild")
    assert again.wait(timeout=120) == 0, again.stderr.read() if again.stderr else ""
    assert [p.name for p in root.iterdir() if p.name.startswith(".kb.")] == []
    manifest = json.loads((root / "kb" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["documents"] == expected
    if tmp_settings.store == "milvus":
        from assistant.search.stores.milvus import client, resolve_uri

        collections = [c for c in client(resolve_uri("", tmp_settings)).list_collections()
                       if c.startswith("i_kb__")]
        named = {manifest[part].get("collection") for part in ("store", "lexical")} - {None}
        assert sorted(collections) == sorted(named)  # the crashed build's are gone
        close_clients()
