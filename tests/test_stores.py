"""The vector-store seam: FAISS and a real milvus-lite database behave the same,
indexes open with the store they were built with, and documents are added and
removed without re-embedding the rest."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from fakes import EchoGenerator, HashEmbedder
from helpers import write_docs

from assistant import Assistant, Embedder, Generator, IndexMismatchError, Settings, VectorStore
from assistant.search.index import load_index
from assistant.search.retrieve import MODES, SearchMode
from assistant.search.stores import STORES, PersistentStore, StoreBackend, backend
from assistant.settings import STORE_KINDS

DOCS = {
    "fund.txt": "广西人工智能产业基金\n今年2月，广西设立规模100亿元的人工智能产业基金。基金重点投向算力、模型和应用。",
    "center.txt": "南A中心\n中国—东盟人工智能创新合作中心又被称为南A中心，首批16家东盟企业签约入驻。",
}
PORT = "北部湾港口\n北部湾港今年集装箱吞吐量突破900万标准箱，同比增长百分之十二。"


def _unit(rows: int, dim: int, seed: int = 0) -> np.ndarray:
    v = np.random.default_rng(seed).normal(size=(rows, dim)).astype(np.float32)
    return v / np.linalg.norm(v, axis=1, keepdims=True)


def test_fakes_satisfy_their_protocols() -> None:
    assert isinstance(HashEmbedder(), Embedder)
    assert isinstance(EchoGenerator(), Generator)


def test_every_store_kind_has_a_backend_that_satisfies_the_protocols(tmp_settings: Settings) -> None:
    assert set(STORES) == set(STORE_KINDS)
    impl = backend(tmp_settings.store)
    assert isinstance(impl, StoreBackend)
    store = impl.create(8, "kb", tmp_settings, 10)
    assert isinstance(store, VectorStore) and isinstance(store, PersistentStore)
    assert store.kind == tmp_settings.store


def test_unknown_store_is_a_clear_error() -> None:
    with pytest.raises(IndexMismatchError, match="known: faiss, milvus"):
        backend("qdrant")
    with pytest.raises(ValueError, match="store must be one of"):
        Settings(store="qdrant")  # type: ignore[arg-type]
    assert Settings.parse_store("milvus://db.example:19530") == ("milvus", "milvus://db.example:19530")
    with pytest.raises(ValueError, match="--store takes"):
        Settings.parse_store("elastic")


def test_store_add_search_upsert_delete_and_reopen(tmp_settings: Settings, tmp_path: Path) -> None:
    impl = backend(tmp_settings.store)
    store = impl.create(16, "kb", tmp_settings, 50)
    vectors = _unit(50, 16)
    ids = [f"c{i:03d}" for i in range(50)]
    store.add(ids, vectors)
    assert len(store) == 50
    top = store.search(vectors[7], 3)
    assert top[0][0] == "c007" and top[0][1] == pytest.approx(1.0, abs=1e-4)
    assert [s for _, s in top] == sorted((s for _, s in top), reverse=True)
    # An id added again replaces its vector instead of adding a second one.
    store.add(["c007"], vectors[8:9])
    assert len(store) == 50
    assert {cid for cid, _ in store.search(vectors[8], 2)} == {"c007", "c008"}
    store.delete(["c008", "c009", "unknown"])
    assert len(store) == 48
    assert "c008" not in {cid for cid, _ in store.search(vectors[8], 5)}
    folder = tmp_path / "persisted"
    folder.mkdir()
    store.persist(folder)
    entry = json.loads(json.dumps(store.describe()))  # what the manifest keeps
    reopened = impl.open(entry, folder, tmp_settings)
    assert len(reopened) == 48
    assert reopened.search(vectors[20], 1)[0][0] == "c020"


@pytest.fixture()
def bot(tmp_settings: Settings) -> Assistant:
    return Assistant(tmp_settings, embedder=HashEmbedder(), generator=EchoGenerator())


def test_documents_are_added_and_removed_without_reembedding(bot: Assistant, tmp_path: Path) -> None:
    docs = write_docs(tmp_path / "docs", DOCS)
    first = bot.index([docs], name="kb")
    assert first.added == 2 and first.embedded == first.chunks
    manifest = json.loads((first.path / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["store"]["kind"] == bot.settings.store
    assert manifest["lexical"]["kind"] == bot.settings.lexical
    assert (first.path / "bm25").is_dir() == (bot.settings.lexical == "bm25s")

    (docs / "port.txt").write_text(PORT, encoding="utf-8")
    grown = bot.index([docs], name="kb")
    assert (grown.added, grown.removed, grown.reused) == (1, 0, False)
    assert grown.embedded == grown.chunks - first.chunks  # only the new document's chunks
    for mode in MODES:
        assert bot.search("北部湾港集装箱吞吐量", k=1, mode=mode)[0].chunk.source.endswith("port.txt")

    (docs / "center.txt").unlink()
    shrunk = bot.index([docs], name="kb")
    assert (shrunk.added, shrunk.removed, shrunk.embedded) == (0, 1, 0)
    with_bm25: tuple[SearchMode, ...] = ("hybrid", "bm25")
    for mode in with_bm25:
        sources = {h.chunk.source for h in bot.search("南A中心东盟企业入驻", k=10, mode=mode)}
        assert not any(s.endswith("center.txt") for s in sources)
    assert bot.search("人工智能产业基金", k=1, mode="bm25")[0].chunk.source.endswith("fund.txt")
    assert len(bot.current_index.dense) == shrunk.chunks  # type: ignore[union-attr]

    # A fresh process opens the updated index with the same store and answers from it.
    again = Assistant(bot.settings, embedder=HashEmbedder(), generator=EchoGenerator())
    again.load("kb")
    answer = again.ask("北部湾港今年集装箱吞吐量是多少？")
    assert "900万" in answer.text and answer.citations[0].source.endswith("port.txt")


def test_vectors_left_by_an_interrupted_update_are_skipped(bot: Assistant, tmp_path: Path) -> None:
    """A store may hold more ids than the index lists (written before the folder on an
    add that then crashed); searches never return them."""
    docs = write_docs(tmp_path / "docs", DOCS)
    bot.index([docs], name="kb")
    index = bot.current_index
    assert index is not None
    stray = HashEmbedder().embed_documents(["北部湾港今年集装箱吞吐量突破900万标准箱"])
    index.dense.add(["ffffffffffffffff-0000"], stray)
    hits = bot.search("北部湾港集装箱吞吐量", k=5, mode="dense")
    assert all(h.chunk.chunk_id in index.rows for h in hits)
    assert load_index(bot.settings.index_root / "kb", settings=bot.settings).chunks


def test_switching_store_rebuilds_and_frees_the_old_one(tmp_path: Path) -> None:
    docs = write_docs(tmp_path / "docs", DOCS)
    base = Settings(index_root=tmp_path / "index", progress=False)
    milvus = Assistant(base.replace(store="milvus"), embedder=HashEmbedder(), generator=EchoGenerator())
    built = milvus.index([docs], name="kb")
    old = json.loads((built.path / "manifest.json").read_text(encoding="utf-8"))["store"]
    faiss = Assistant(base, embedder=HashEmbedder(), generator=EchoGenerator())
    switched = faiss.index([docs], name="kb")
    assert not switched.reused
    assert json.loads((switched.path / "manifest.json").read_text(encoding="utf-8"))["store"]["kind"] == "faiss"
    from assistant.search.stores.milvus import client, resolve_uri

    assert not client(resolve_uri("", base)).has_collection(old["collection"])


def test_missing_milvus_collection_says_how_to_rebuild(tmp_path: Path) -> None:
    docs = write_docs(tmp_path / "docs", DOCS)
    settings = Settings(index_root=tmp_path / "index", progress=False, store="milvus")
    bot = Assistant(settings, embedder=HashEmbedder(), generator=EchoGenerator())
    report = bot.index([docs], name="kb")
    entry = json.loads((report.path / "manifest.json").read_text(encoding="utf-8"))["store"]
    backend("milvus").release(entry, settings)
    with pytest.raises(IndexMismatchError, match="--store milvus --rebuild"):
        Assistant(settings, embedder=HashEmbedder()).load("kb")


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_milvus_server_uri_shared_by_two_processes(tmp_path: Path) -> None:
    """The scale-out path: a Milvus server (here milvus-lite's own gRPC server, a separate
    process) holds vectors and BM25; one process indexes, another answers from it."""
    import socket
    import subprocess
    import sys
    import time

    port = _free_port()
    server = subprocess.Popen([sys.executable, "-m", "milvus_lite", "server", "--data-dir",
                               str(tmp_path / "milvus-data"), "--port", str(port)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"milvus-lite server did not start: {server.stderr.read() if server.stderr else ''}")
                time.sleep(0.2)
        docs = write_docs(tmp_path / "docs", DOCS)
        uri = f"milvus://127.0.0.1:{port}"
        indexer = subprocess.run([sys.executable, str(Path(__file__).parent / "crash_build.py"),
                                  str(tmp_path / "index"), str(docs), uri, "milvus", "none", "-"],
                                 capture_output=True, text=True, timeout=180)
        assert indexer.returncode == 0, indexer.stderr[-2000:]
        manifest = json.loads((tmp_path / "index" / "kb" / "manifest.json").read_text(encoding="utf-8"))
        assert manifest["store"]["uri"] == uri and manifest["lexical"]["uri"] == uri
        settings = Settings(index_root=tmp_path / "index", progress=False, store="milvus",
                            milvus_uri=uri, lexical="milvus")
        reader = Assistant(settings, embedder=HashEmbedder(), generator=EchoGenerator())
        reader.load("kb")
        assert not list((tmp_path / "index").glob("*.db"))  # nothing stored locally
        answer = reader.ask("南A中心首批有多少家东盟企业入驻？")
        assert "16" in answer.text and answer.citations[0].source.endswith("center.txt")
        assert reader.search("人工智能产业基金", k=1, mode="bm25")[0].chunk.source.endswith("fund.txt")
    finally:
        from assistant.search.stores.milvus import close_clients

        close_clients()
        server.terminate()
        server.wait(timeout=30)


@pytest.mark.parametrize("damage", ["truncate", "alter", "delete"])
def test_damaged_index_files_are_detected_on_load(bot: Assistant, tmp_path: Path, damage: str) -> None:
    docs = write_docs(tmp_path / "docs", DOCS)
    report = bot.index([docs], name="kb")
    manifest = json.loads((report.path / "manifest.json").read_text(encoding="utf-8"))
    assert "chunks.jsonl" in manifest["files"] and manifest["files"]["chunks.jsonl"]["sha256"]
    Assistant(bot.settings, embedder=HashEmbedder()).load("kb")  # intact: loads
    target = report.path / "chunks.jsonl"
    data = target.read_bytes()
    if damage == "truncate":
        target.write_bytes(data[: len(data) // 2])
    elif damage == "alter":
        target.write_bytes(data.replace("100亿元".encode(), "900亿元".encode()))
    else:
        target.unlink()
    with pytest.raises(IndexMismatchError, match=r"damaged: chunks\.jsonl .*--rebuild"):
        Assistant(bot.settings, embedder=HashEmbedder()).load("kb")
    # Indexing the folder again repairs it (the damaged index is rebuilt, not reused).
    again = Assistant(bot.settings, embedder=HashEmbedder(), generator=EchoGenerator())
    assert not again.index([docs], name="kb").reused
    assert "100亿元" in again.ask("广西人工智能产业基金规模是多少？").text
