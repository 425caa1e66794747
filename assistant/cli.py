"""Command line: ``assistant index | search | ask | chat | eval | models``.

A thin shell: parse arguments, call the library, format the result. Library
errors become one friendly line on stderr and exit code 1.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import logging
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from .assistant import Assistant, IndexReport
from .errors import AssistantError, InputError
from .search.retrieve import MODES
from .settings import LANGUAGES, Settings
from .types import Answer

FAST_MODEL = Settings().fast_generator


def _settings(args: argparse.Namespace) -> Settings:
    changes: dict[str, Any] = {}
    if getattr(args, "no_progress", False):
        changes["progress"] = False
    if getattr(args, "embedder", None):
        changes["embedder"] = args.embedder
    if getattr(args, "model", None):
        changes["generator"] = args.model
    if getattr(args, "fast", False):
        changes["generator"] = FAST_MODEL
    if getattr(args, "k", None):
        changes["top_k"] = args.k
    if getattr(args, "lang", None):
        changes["language"] = args.lang
    if getattr(args, "index_root", None):
        changes["index_root"] = Path(args.index_root)
    if getattr(args, "upload_dir", None):
        changes["upload_dir"] = Path(args.upload_dir)
    if getattr(args, "llm_url", None):
        changes["llm_url"] = args.llm_url
    if getattr(args, "llm_model", None):
        changes["llm_model"] = args.llm_model
    if getattr(args, "store", None):
        try:
            changes["store"], changes["milvus_uri"] = Settings.parse_store(args.store)
        except ValueError as exc:
            raise InputError(str(exc)) from exc
    for assignment in getattr(args, "set", None) or []:
        try:
            name, value = Settings.parse_override(assignment)
        except ValueError as exc:
            raise InputError(str(exc)) from exc
        changes[name] = value
    try:
        return Settings().replace(**changes)
    except ValueError as exc:
        raise InputError(str(exc)) from exc


def _open(args: argparse.Namespace) -> Assistant:
    bot = Assistant.from_settings(_settings(args))
    if args.docs:
        report = bot.index(args.docs, name=args.index)
        _print_index_report(report, quiet=True)
    elif args.index:
        bot.load(args.index)
    else:
        raise AssistantError("say which documents to use: --docs DIR (builds or reuses an index) or --index NAME")
    return bot


def _print_index_report(report: IndexReport, quiet: bool = False) -> None:
    for s in report.skipped:
        print(f"skipped {s.source}: {s.reason}", file=sys.stderr)
    if quiet and report.reused:
        return
    if report.reused:
        what = "reused"
    elif report.removed or report.added < report.documents:
        what = f"updated (+{report.added} −{report.removed} documents)"
    else:
        what = "built"
    print(f"{what} index {report.name!r}: {report.documents} documents, {report.chunks} chunks "
          f"({report.embedded} embedded anew) in {report.seconds:.1f}s -> {report.path}",
          file=sys.stderr)


def cmd_index(args: argparse.Namespace) -> int:
    bot = Assistant.from_settings(_settings(args))
    _print_index_report(bot.index(args.paths, name=args.name, rebuild=args.rebuild))
    return 0


def cmd_search(args: argparse.Namespace) -> int:
    bot = _open(args)
    hits = bot.search(args.query, k=args.k, mode=args.mode)
    if args.json:
        print(json.dumps([h.to_json() for h in hits], ensure_ascii=False, indent=2))
        return 0
    for n, h in enumerate(hits, 1):
        c = h.chunk
        print(f"[{n}] {Path(c.source).name} chars {c.start}-{c.end}  score {h.score:.4f} "
              f"(dense #{h.dense_rank or '-'}, bm25 #{h.bm25_rank or '-'})")
        print("    " + c.text.replace("\n", " ")[:300])
    return 0


def format_sources(answer: Answer) -> str:
    """Human-readable list of an answer's citations."""
    if answer.refused:
        return ""
    if not answer.citations:
        return "(no passage could be verified as the source of this answer)"
    lines = ["Sources:"]
    for c in answer.citations:
        note = " (attached by the citation check)" if c.added else ""
        lines.append(f"[{c.marker}] {Path(c.source).name}, chars {c.start}-{c.end}{note}")
        lines.append("    " + c.quote.replace("\n", " ").strip())
    return "\n".join(lines)


def cmd_ask(args: argparse.Namespace) -> int:
    bot = _open(args)
    if args.json:
        answer = bot.ask(args.question)
        out = dataclasses.asdict(answer)
        out["hits"] = [h.to_json() for h in answer.hits]
        print(json.dumps(out, ensure_ascii=False, indent=2))
        return 0
    final: Answer | None = None
    streamed: list[str] = []
    for item in bot.stream(args.question):
        if isinstance(item, Answer):
            final = item
        else:
            streamed.append(item)
            print(item, end="", flush=True)
    print()
    assert final is not None
    answer = final
    # The stream is the model's draft; the checks may rewrite it or turn it into a
    # refusal, and the user must see that, not take the draft for the answer.
    if answer.main_text != "".join(streamed).strip():
        print(f"\nChecked answer: {answer.main_text}")
    for note in answer.notes:
        print(f"Note: {note}")
    sources = format_sources(answer)
    if sources:
        print("\n" + sources)
    t = answer.timings
    print(f"\n[retrieve {t['retrieve']:.2f}s · first token {t['first_token']:.2f}s · total {t['total']:.2f}s"
          f" · {answer.prompt_tokens} prompt + {answer.completion_tokens} answer tokens]", file=sys.stderr)
    return 0


def cmd_chat(args: argparse.Namespace) -> int:
    import os

    from .assistant import index_name_for
    from .web.api_shapes import check_binding, parse_login
    from .web.app import ChatApp, launch
    from .web.chat import ChatService
    from .web.kb import KnowledgeBase
    from .web.memory import limit_malloc_arenas

    limit_malloc_arenas()  # fallback inside another process; the command restarts with the cap (main)
    login = args.auth or os.environ.get("ASSISTANT_CHAT_AUTH") or None
    try:
        check_binding(args.host, login, "a login", "--auth USER:PASSWORD or ASSISTANT_CHAT_AUTH")
        auth = parse_login(login) if login else None
    except ValueError as exc:
        raise InputError(str(exc)) from exc
    settings = _settings(args)
    bot = Assistant.from_settings(settings)
    sources = list(args.docs or [])
    kb = KnowledgeBase(bot, sources, name=args.index or "chat-" + index_name_for([*sources, settings.upload_dir]))
    if kb.files():
        _print_index_report(kb.rebuild())
    else:
        print("the knowledge base is empty: upload documents in the browser", file=sys.stderr)
    # Load and warm both models now, so the first visitor does not wait for them.
    print(f"models warmed up in {bot.warm_up():.1f}s", file=sys.stderr)
    print(f"Chat UI on http://{args.host}:{args.port}  (Ctrl+C to stop)", file=sys.stderr, flush=True)
    launch(ChatApp(ChatService(bot, kb)), args.host, args.port, settings.max_upload_mb, auth)
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    import os

    import uvicorn

    from .web.api import create_app
    from .web.api_shapes import ApiLimits, check_binding
    from .web.chat import ChatService
    from .web.memory import limit_malloc_arenas

    limit_malloc_arenas()  # fallback inside another process; the command restarts with the cap (main)
    api_key = args.api_key or os.environ.get("ASSISTANT_API_KEY") or None
    try:
        check_binding(args.host, api_key)
    except ValueError as exc:
        raise InputError(str(exc)) from exc
    if not args.docs and not args.index:
        raise InputError("serve needs documents: --docs DIR or --index NAME")
    bot = _open(args)
    print(f"models warmed up in {bot.warm_up():.1f}s", file=sys.stderr)
    limits = ApiLimits(max_question_chars=bot.settings.max_question_chars)
    app = create_app(ChatService(bot), api_key, limits)
    print(f"OpenAI-compatible API on http://{args.host}:{args.port}/v1  (Ctrl+C to stop)",
          file=sys.stderr, flush=True)
    uvicorn.run(app, host=args.host, port=args.port, log_level="warning")
    return 0


def cmd_models(args: argparse.Namespace) -> int:
    from .models import install, is_installed, load_registry, verify

    settings = _settings(args)
    registry = load_registry(settings)
    if args.action == "list":
        for spec in registry.values():
            state = "installed" if is_installed(spec, settings) else "not installed"
            default = " (default)" if spec.id in (settings.generator, settings.embedder) else ""
            print(f"{spec.id:24} {spec.role:9} {state:14} {spec.description}{default} [{spec.licence}]")
        return 0
    ids = args.ids or ([settings.generator, settings.embedder] if args.action == "install" else
                       [s.id for s in registry.values() if is_installed(s, settings)])
    for model_id in ids:
        if args.action == "install":
            print(f"{model_id}: {install(model_id, settings, force=args.force)}")
        else:
            print(verify(model_id, settings))
    return 0


def cmd_eval(args: argparse.Namespace) -> int:
    from .evaluation.harness import run_cli

    return run_cli(args, _settings(args))


def build_parser() -> argparse.ArgumentParser:
    """The argument parser (exposed for tests and docs)."""
    p = argparse.ArgumentParser(prog="assistant", description=__doc__.splitlines()[0])
    p.add_argument("-v", "--verbose", action="store_true", help="log what happens")
    sub = p.add_subparsers(dest="command", required=True)

    def common(sp: argparse.ArgumentParser, docs: bool = True) -> None:
        if docs:
            sp.add_argument("--docs", nargs="+", type=Path, help="files/folders (index built or reused)")
            sp.add_argument("--index", help="name of an index under index/")
        sp.add_argument("--embedder", help="embedder id from models/registry.toml")
        sp.add_argument("--index-root", help="folder that holds indexes (default: index/)")
        sp.add_argument("--no-progress", action="store_true", help="no progress bars")
        sp.add_argument("--store", metavar="STORE",
                        help="where new indexes keep their vectors: faiss (default), milvus "
                             "(a milvus-lite file under the index root), or a Milvus server "
                             "as milvus://HOST:PORT")
        sp.add_argument("--set", action="append", metavar="NAME=VALUE",
                        help="change one setting (see assistant.settings.Settings), repeatable")

    sp = sub.add_parser("index", help="build an index over files or folders")
    sp.add_argument("paths", nargs="+", type=Path)
    sp.add_argument("--name", help="index name (default: derived from the paths)")
    sp.add_argument("--rebuild", action="store_true", help="rebuild even if an index matches")
    common(sp, docs=False)
    sp.set_defaults(func=cmd_index)

    sp = sub.add_parser("search", help="show the passages retrieved for a query")
    sp.add_argument("query")
    sp.add_argument("-k", type=int, default=5)
    sp.add_argument("--mode", choices=MODES, default="hybrid")
    sp.add_argument("--json", action="store_true")
    common(sp)
    sp.set_defaults(func=cmd_search)

    sp = sub.add_parser("ask", help="answer a question with cited sources")
    sp.add_argument("question")
    sp.add_argument("--model", help="generator id (default qwen2.5-coder-1.5b)")
    sp.add_argument("--fast", action="store_true", help=f"use the fast model ({FAST_MODEL})")
    sp.add_argument("-k", type=int, help="passages given to the model")
    sp.add_argument("--lang", choices=LANGUAGES, help="answer language")
    sp.add_argument("--json", action="store_true", help="print the Answer as JSON (no streaming)")
    common(sp)
    sp.set_defaults(func=cmd_ask)

    sp = sub.add_parser("chat", help="chat in the browser (Gradio UI)")
    sp.add_argument("--docs", nargs="+", type=Path, help="document folders/files to start with (read only)")
    sp.add_argument("--index", help="index name (default: derived from the documents)")
    sp.add_argument("--upload-dir", help="where browser uploads are kept (default: data/uploads)")
    sp.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    sp.add_argument("--port", type=int, default=7860)
    sp.add_argument("--auth", metavar="USER:PASSWORD", help="login every visitor must give "
                                                          "(default: $ASSISTANT_CHAT_AUTH; required off loopback)")
    sp.add_argument("--model", help="generator id of the default profile")
    common(sp, docs=False)
    sp.set_defaults(func=cmd_chat)

    sp = sub.add_parser("serve", help="OpenAI-compatible HTTP API (chat completions with citations)")
    sp.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    sp.add_argument("--port", type=int, default=8000)
    sp.add_argument("--api-key", help="Bearer key every request but /health must send "
                                      "(default: $ASSISTANT_API_KEY; required off loopback)")
    sp.add_argument("--model", help="generator id of the default profile")
    sp.add_argument("--llm-url", help="generate on this OpenAI-compatible server, e.g. "
                                      "http://gpu-box:8080/v1 (key: $ASSISTANT_LLM_API_KEY)")
    sp.add_argument("--llm-model", help="model name to request from --llm-url")
    common(sp)
    sp.set_defaults(func=cmd_serve)

    sp = sub.add_parser("models", help="list, install or verify models")
    sp.add_argument("action", choices=["list", "install", "verify"])
    sp.add_argument("ids", nargs="*", help="model ids (default: the default models)")
    sp.add_argument("--force", action="store_true", help="reinstall even if present")
    common(sp, docs=False)
    sp.set_defaults(func=cmd_models)

    from .evaluation.splits import HALVES

    sp = sub.add_parser("eval", help="evaluate on a gold set, or compare two runs")
    sp.add_argument("gold", help="gold .jsonl file, or 'compare'")
    sp.add_argument("runs", nargs="*", help="with 'compare': RUN_A RUN_B")
    sp.add_argument("--docs", type=Path, help="document folder for a .jsonl gold set")
    sp.add_argument("--evalset", type=Path, help="external evalset folder (docs.jsonl + questions.jsonl)")
    sp.add_argument("--limit", type=int, help="first N questions only")
    sp.add_argument("--half", choices=HALVES,
                    help="only this half of the questions (tune: choose settings; report: quote)")
    sp.add_argument("--model", help="generator id")
    sp.add_argument("--fast", action="store_true", help=f"use the fast model ({FAST_MODEL})")
    sp.add_argument("--retrieval-only", action="store_true", help="score retrieval, skip generation")
    sp.add_argument("--out", type=Path, help="run folder (default eval/runs/<timestamp>)")
    common(sp, docs=False)
    sp.set_defaults(func=cmd_eval)
    return p


# Commands that serve many users from one long-running process (see web/memory.py).
SERVER_COMMANDS = frozenset({"serve", "chat"})


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``assistant`` command (``argv`` None: the process's own arguments)."""
    args = build_parser().parse_args(argv)
    if argv is None and args.command in SERVER_COMMANDS:
        from .web.memory import reexec_with_arena_cap

        reexec_with_arena_cap(sys.argv[1:])  # the command line's own process only, never a caller's
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s")
    try:
        return int(args.func(args))
    except AssistantError as exc:
        print(f"Error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
