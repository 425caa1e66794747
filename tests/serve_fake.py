"""Serve the HTTP API over deterministic fake models (for the API and soak tests).

``python serve_fake.py DOCS PORT [--api-key K] [--delay S] [--max-queue N]``:
indexes DOCS with the hash embedder, answers with the echo generator (``--delay``
seconds per streamed piece) and serves ``assistant.web.api`` with uvicorn.
``--chat [--upload-dir DIR] [--host H] [--auth USER:PASSWORD]`` serves the Gradio chat UI
over the same models instead, with a knowledge base of DOCS plus uploads.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import uvicorn  # noqa: E402
from fakes import EchoGenerator, HashEmbedder  # noqa: E402

from assistant import Assistant, Settings  # noqa: E402
from assistant.web.api import create_app  # noqa: E402
from assistant.web.api_shapes import ApiLimits  # noqa: E402
from assistant.web.chat import ChatService  # noqa: E402

REWRITES = {"它是哪年设立的？": "广西人工智能产业基金"}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("docs", type=Path)
    ap.add_argument("port", type=int)
    ap.add_argument("--api-key")
    ap.add_argument("--delay", type=float, default=0.0)
    ap.add_argument("--max-queue", type=int, default=16)
    ap.add_argument("--chat", action="store_true", help="serve the chat UI instead of the API")
    ap.add_argument("--upload-dir", type=Path, help="chat uploads go here (default: a temporary folder)")
    ap.add_argument("--host", default="127.0.0.1", help="address to listen on")
    ap.add_argument("--auth", help="chat login USER:PASSWORD")
    args = ap.parse_args()
    root = Path(tempfile.mkdtemp(prefix="serve-fake-"))
    settings = Settings(index_root=root / "index", progress=False, max_question_chars=200,
                        upload_dir=args.upload_dir or root / "uploads")
    generator = EchoGenerator(rewrites=REWRITES, delay=args.delay)
    bot = Assistant(settings, embedder=HashEmbedder(), generator=generator)
    bot.index([args.docs])
    fast = Assistant(settings, embedder=bot.embedder, generator=generator)  # one fake for both
    assert bot.current_index is not None
    fast.use_index(bot.current_index)
    if args.chat:
        from assistant.web.app import ChatApp, launch
        from assistant.web.kb import KnowledgeBase

        kb = KnowledgeBase(bot, [args.docs], name="fake-chat")
        chat = ChatService(bot, kb, poll_seconds=0.05, profiles={"fast": fast})
        kb.rebuild()
        from assistant.web.api_shapes import parse_login

        launch(ChatApp(chat), args.host, args.port, settings.max_upload_mb,
               parse_login(args.auth) if args.auth else None)
        return
    service = ChatService(bot, poll_seconds=0.05, profiles={"fast": fast})
    limits = ApiLimits(max_body_bytes=8 * 1024, max_queue=args.max_queue, max_question_chars=200)
    uvicorn.run(create_app(service, args.api_key, limits), host="127.0.0.1", port=args.port,
                log_level="warning")


if __name__ == "__main__":
    main()
