"""Build an index in a child process that stops at a chosen point and waits to be killed.

``python crash_build.py INDEX_ROOT DOCS STORE LEXICAL POINT MARKER [--update]``: POINT is
where the build pauses (``embed``: embedding the chunks; ``store``: vectors written
to the store; ``folder``: the new index folder half written; ``unstore``: vectors
of removed documents deleted from the store); the script creates MARKER there and
sleeps, so the test can SIGKILL it at that point. POINT ``none`` runs to the end.
Without ``--update`` the index is rebuilt from scratch; with it, brought up to
date incrementally (documents added or removed since the last run).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from fakes import EchoGenerator, HashEmbedder  # noqa: E402

from assistant import Assistant, Settings  # noqa: E402
from assistant.search import index as index_module  # noqa: E402
from assistant.search.stores import FaissStore, MilvusStore  # noqa: E402
from assistant.settings import LexicalKind  # noqa: E402


def pause(marker: Path) -> None:
    marker.write_text("here", encoding="utf-8")
    time.sleep(600)


def main() -> None:
    root, docs, store, lexical, point, marker = sys.argv[1:7]
    update = "--update" in sys.argv[7:]
    marker_path = Path(marker)
    embedder = HashEmbedder()
    if point == "embed":
        original = embedder.embed_documents

        def slow(texts):
            pause(marker_path)
            return original(texts)

        embedder.embed_documents = slow  # type: ignore[method-assign]
    elif point == "store":
        for cls in (FaissStore, MilvusStore):
            add = cls.add

            def add_then_pause(self, ids, vectors, _add=add):
                _add(self, ids, vectors)
                pause(marker_path)

            cls.add = add_then_pause  # type: ignore[method-assign]
    elif point == "unstore":
        for cls in (FaissStore, MilvusStore):
            delete = cls.delete

            def delete_then_pause(self, ids, _delete=delete):
                _delete(self, ids)
                if ids:
                    pause(marker_path)

            cls.delete = delete_then_pause  # type: ignore[method-assign]
    elif point == "folder":
        write_jsonl = index_module._write_jsonl

        def write_then_pause(path, rows):
            write_jsonl(path, rows)
            if path.name == "chunks.jsonl":
                pause(marker_path)

        index_module._write_jsonl = write_then_pause
    kind, uri = Settings.parse_store(store)
    lexical_kind: LexicalKind = "milvus" if lexical == "milvus" else "bm25s"
    settings = Settings(index_root=Path(root), progress=False, store=kind, milvus_uri=uri,
                        lexical=lexical_kind)
    bot = Assistant(settings, embedder=embedder, generator=EchoGenerator())
    report = bot.index([Path(docs)], name="kb", rebuild=not update)
    print(report.chunks)


if __name__ == "__main__":
    main()
