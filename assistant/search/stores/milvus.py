"""Vectors in Milvus: an embedded milvus-lite file by default, a Milvus server or cluster by URI.

The same ``pymilvus.MilvusClient`` speaks to both, so moving from one machine to
a shared Milvus is a setting (``Settings.milvus_uri`` / ``--store
milvus://host:19530``), not a code change.

Each build of an index writes new collections ``i_<index name>__vec_<build id>``
(and ``..__lex_<build id>`` when Milvus also holds the BM25 side: ``MilvusLexical``);
the index folder's manifest names the one in use, so a crash mid-build leaves
the previous collection (and index) working. When a build's folder has been
swapped in, the collection it replaced is dropped; collections of crashed builds
are dropped by the next build of the same index.
"""

from __future__ import annotations

import logging
import os
import re
import threading
import time
import uuid
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import Any

from ...errors import IndexMismatchError, InputError
from ...settings import Settings
from ...types import Chunk, Vector
from .faiss import HNSW_EF_CONSTRUCTION, HNSW_EF_SEARCH, HNSW_NEIGHBOURS

logger = logging.getLogger(__name__)

LITE_FILE = "milvus.db"  # the milvus-lite database under Settings.index_root by default
ID_FIELD, VECTOR_FIELD = "id", "vec"
MAX_ID_CHARS = 64
INSERT_BATCH = 2000  # rows per insert call (keeps each gRPC message well under its limit)
_client_lock = threading.Lock()
_open_clients: dict[str, Any] = {}


def resolve_uri(uri: str, settings: Settings) -> str:
    """The URI a client connects to: ``""`` is the milvus-lite file in ``index_root``;
    ``milvus://host:port`` is the server at ``http://host:port``."""
    if not uri:
        return str(settings.index_root / LITE_FILE)
    if uri.startswith("milvus://"):
        return "http://" + uri[len("milvus://"):]
    return uri


@lru_cache(maxsize=8)
def _client(uri: str) -> Any:
    """One client per URI and process (milvus-lite serves one file per process)."""
    try:
        from pymilvus import MilvusClient
    except ImportError as exc:  # pragma: no cover - pymilvus is a dependency
        raise InputError("the milvus store needs pymilvus and milvus-lite: pip install -e .") from exc
    if "://" not in uri:
        Path(uri).parent.mkdir(parents=True, exist_ok=True)
    try:
        milvus = MilvusClient(uri=uri, token=os.environ.get("MILVUS_TOKEN", ""))
        _open_clients[uri] = milvus
        return milvus
    except Exception as exc:  # connection refused, bad file, lock held by another process
        raise InputError(f"cannot open Milvus at {uri} ({type(exc).__name__}: {exc}). "
                         "Is the server running, or is the milvus-lite file used by another "
                         "process? Set --store milvus://HOST:PORT or Settings.milvus_uri.") from exc


@contextmanager
def _quiet_lite() -> Iterator[None]:
    """Silence milvus-lite's in-process gRPC server while a collection is created: it
    lacks ``AllocTimestamp``, which the client asks for while it waits for the index,
    and logs a harmless "Method not implemented" traceback."""
    grpc_log = logging.getLogger("grpc._server")
    level = grpc_log.level
    grpc_log.setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        grpc_log.setLevel(level)


def client(uri: str) -> Any:
    """The shared client for ``uri`` (thread-safe creation)."""
    with _client_lock:
        return _client(uri)


def close_clients() -> None:
    """Close every client this process opened and stop its milvus-lite servers, so
    another process can open those files (milvus-lite serves a file to one process)."""
    with _client_lock:
        for uri, milvus in list(_open_clients.items()):
            try:
                milvus.close()
                if "://" not in uri:
                    from milvus_lite.server_manager import server_manager_instance

                    server_manager_instance.release_server(uri)
            except Exception as exc:  # closing is best effort
                logger.debug("closing Milvus client %s: %s", uri, exc)
        _open_clients.clear()
        _client.cache_clear()


def _collection_prefix(index_name: str) -> str:
    safe = re.sub(r"[^A-Za-z0-9_]", "_", index_name)
    return ("i_" + safe)[:180] + "__"


def _new_collection_name(index_name: str, part: str) -> str:
    """A fresh collection name for one build's ``part`` (``vec`` or ``lex``) of ``index_name``."""
    return f"{_collection_prefix(index_name)}{part}_{time.strftime('%Y%m%d%H%M%S')}_{uuid.uuid4().hex[:8]}"


def _existing(milvus: Any, entry: Mapping[str, Any], folder: Path, settings: Settings) -> str:
    """The collection a manifest entry names, loaded; a clear error when it is gone."""
    name = str(entry.get("collection", ""))
    if not name or not milvus.has_collection(name):
        raise IndexMismatchError(
            f"index {folder} keeps its data in Milvus collection {name!r} at "
            f"{resolve_uri(str(entry.get('uri', '')), settings)}, which does not exist. "
            f"Rebuild it with: assistant index DOCS --name {folder.name} --store milvus --rebuild")
    milvus.load_collection(name)
    return name


class MilvusStore:
    """``VectorStore`` over one Milvus collection."""

    kind = "milvus"
    external = True

    def __init__(self, milvus: Any, uri: str, collection: str, index_type: str) -> None:
        self._client = milvus
        self._uri = uri
        self.collection = collection
        self.index_type = index_type

    def add(self, ids: Sequence[str], vectors: Vector) -> None:
        """Upsert vectors by id, in batches."""
        if len(ids) != len(vectors):
            raise ValueError(f"{len(ids)} ids for {len(vectors)} vectors")
        for s in range(0, len(ids), INSERT_BATCH):
            rows = [{ID_FIELD: cid, VECTOR_FIELD: vec.tolist()}
                    for cid, vec in zip(ids[s : s + INSERT_BATCH], vectors[s : s + INSERT_BATCH],
                                        strict=True)]
            self._client.upsert(self.collection, rows)

    def delete(self, ids: Sequence[str]) -> None:
        """Delete vectors by id."""
        if ids:
            self._client.delete(self.collection, ids=list(ids))

    def search(self, query: Vector, k: int) -> list[tuple[str, float]]:
        """Top ``k`` (chunk id, inner product), best first."""
        params: dict[str, Any] = {"metric_type": "IP"}
        if self.index_type == "HNSW":
            params["params"] = {"ef": max(HNSW_EF_SEARCH, k)}
        result = self._client.search(self.collection, data=[query.astype("float32").tolist()],
                                     anns_field=VECTOR_FIELD, limit=k, search_params=params,
                                     output_fields=[ID_FIELD])
        return [(str(hit["id"]), float(hit["distance"])) for hit in result[0]]

    def __len__(self) -> int:
        rows = self._client.query(self.collection, filter="", output_fields=["count(*)"])
        return int(rows[0]["count(*)"])

    def describe(self) -> dict[str, object]:
        """Manifest entry: kind, URI setting, collection and index type."""
        return {"kind": self.kind, "uri": self._uri, "collection": self.collection,
                "index": self.index_type, "vectors": len(self)}

    def fork(self) -> MilvusStore:
        """The same collection: Milvus serves searches while it is written."""
        return self

    def persist(self, folder: Path) -> None:
        """Make the inserted vectors durable (nothing goes into the index folder)."""
        self._client.flush(self.collection)


class MilvusBackend:
    """Creates, opens and drops Milvus collections (registered as ``milvus``)."""

    def create(self, dim: int, index_name: str, settings: Settings, size_hint: int) -> MilvusStore:
        """A new, empty collection for one build of ``index_name``."""
        from pymilvus import DataType

        uri = resolve_uri(settings.milvus_uri, settings)
        milvus = client(uri)
        name = _new_collection_name(index_name, "vec")
        schema = milvus.create_schema(auto_id=False)
        schema.add_field(ID_FIELD, DataType.VARCHAR, is_primary=True, max_length=MAX_ID_CHARS)
        schema.add_field(VECTOR_FIELD, DataType.FLOAT_VECTOR, dim=dim)
        index_type = "HNSW" if size_hint >= settings.hnsw_threshold else "FLAT"
        params = milvus.prepare_index_params()
        params.add_index(VECTOR_FIELD, index_type=index_type, metric_type="IP",
                         params={"M": HNSW_NEIGHBOURS, "efConstruction": HNSW_EF_CONSTRUCTION}
                         if index_type == "HNSW" else {})
        with _quiet_lite():
            milvus.create_collection(name, schema=schema, index_params=params)
        logger.info("created Milvus collection %s at %s (%s)", name, uri, index_type)
        return MilvusStore(milvus, settings.milvus_uri, name, index_type)

    def open(self, entry: Mapping[str, Any], folder: Path, settings: Settings) -> MilvusStore:
        """Connect to the collection the manifest names."""
        uri_setting = str(entry.get("uri", ""))
        milvus = client(resolve_uri(uri_setting, settings))
        name = _existing(milvus, entry, folder, settings)
        return MilvusStore(milvus, uri_setting, name, str(entry.get("index", "FLAT")))

    def release(self, entry: Mapping[str, Any], settings: Settings) -> None:
        """Drop the collection of a replaced build."""
        name = str(entry.get("collection", ""))
        milvus = client(resolve_uri(str(entry.get("uri", "")), settings))
        if name and milvus.has_collection(name):
            milvus.drop_collection(name)
            logger.info("dropped replaced Milvus collection %s", name)

    def drop_orphans(self, index_name: str, keep: Sequence[str], settings: Settings) -> list[str]:
        """Drop collections of ``index_name`` left by crashed builds (all but ``keep``)."""
        milvus = client(resolve_uri(settings.milvus_uri, settings))
        prefix = _collection_prefix(index_name)
        dropped = [c for c in milvus.list_collections() if c.startswith(prefix) and c not in keep]
        for name in dropped:
            milvus.drop_collection(name)
        return dropped


# --------------------------------------------------------------------------- lexical side

TEXT_FIELD, SPARSE_FIELD = "text", "sparse"
MAX_TEXT_BYTES = 8192  # VARCHAR limit of the text field (a chunk is ~220 characters)


def _analyzer() -> dict[str, Any]:
    """jieba in search mode with our stop words: the tokens bm25s gets too."""
    from ..lexical import STOPWORDS

    return {"tokenizer": {"type": "jieba", "mode": "search"},
            "filter": ["lowercase", {"type": "stop", "stop_words": sorted(STOPWORDS)}]}


class MilvusLexical:
    """``LexicalIndex`` on Milvus's full-text search: a BM25 function over a jieba
    analyzer, in its own collection, so a deployment keeps no BM25 files locally."""

    kind = "milvus"
    external = True

    def __init__(self, milvus: Any, uri: str, collection: str) -> None:
        self._client = milvus
        self._uri = uri
        self.collection = collection

    def add(self, chunks: Sequence[Chunk]) -> None:
        """Upsert the normalised text of ``chunks`` (Milvus computes the BM25 vectors)."""
        for s in range(0, len(chunks), INSERT_BATCH):
            rows = [{ID_FIELD: c.chunk_id, TEXT_FIELD: c.search_text.lower()}
                    for c in chunks[s : s + INSERT_BATCH]]
            self._client.upsert(self.collection, rows)

    def search(self, query: str, k: int) -> list[tuple[str, float]]:
        """Top ``k`` (chunk id, BM25 score), best first."""
        if not query.strip():
            return []
        result = self._client.search(self.collection, data=[query.lower()], anns_field=SPARSE_FIELD,
                                     limit=k, search_params={"metric_type": "BM25"},
                                     output_fields=[ID_FIELD])
        # milvus-lite reports the score negated (a distance), a server as it is.
        return [(str(hit["id"]), abs(float(hit["distance"]))) for hit in result[0]]

    def updated(self, chunks: Sequence[Chunk], added: Sequence[Chunk]) -> MilvusLexical:
        """The same collection with ``added`` upserted (removals come after the folder write)."""
        self.add(added)
        return self

    def delete(self, ids: Sequence[str]) -> None:
        """Delete chunks by id."""
        if ids:
            self._client.delete(self.collection, ids=list(ids))

    def describe(self) -> dict[str, object]:
        """Manifest entry: kind, URI setting and collection."""
        return {"kind": self.kind, "uri": self._uri, "collection": self.collection}

    def persist(self, folder: Path) -> None:
        """Make the inserted texts durable (nothing goes into the index folder)."""
        self._client.flush(self.collection)


class MilvusLexicalBackend:
    """Creates and opens ``MilvusLexical`` collections (lexical kind ``milvus``)."""

    def create(self, chunks: Sequence[Chunk], index_name: str, settings: Settings) -> MilvusLexical:
        """A new full-text collection holding ``chunks``."""
        from pymilvus import DataType, Function, FunctionType

        milvus = client(resolve_uri(settings.milvus_uri, settings))
        name = _new_collection_name(index_name, "lex")
        schema = milvus.create_schema(auto_id=False)
        schema.add_field(ID_FIELD, DataType.VARCHAR, is_primary=True, max_length=MAX_ID_CHARS)
        schema.add_field(TEXT_FIELD, DataType.VARCHAR, max_length=MAX_TEXT_BYTES,
                         enable_analyzer=True, analyzer_params=_analyzer())
        schema.add_field(SPARSE_FIELD, DataType.SPARSE_FLOAT_VECTOR)
        schema.add_function(Function(name="bm25", function_type=FunctionType.BM25,
                                     input_field_names=[TEXT_FIELD], output_field_names=[SPARSE_FIELD]))
        params = milvus.prepare_index_params()
        params.add_index(SPARSE_FIELD, index_type="SPARSE_INVERTED_INDEX", metric_type="BM25")
        with _quiet_lite():
            milvus.create_collection(name, schema=schema, index_params=params)
        lexical = MilvusLexical(milvus, settings.milvus_uri, name)
        lexical.add(chunks)
        return lexical

    def open(self, entry: Mapping[str, Any], folder: Path, settings: Settings,
             ids: Sequence[str]) -> MilvusLexical:
        """Connect to the collection the manifest names."""
        uri_setting = str(entry.get("uri", ""))
        milvus = client(resolve_uri(uri_setting, settings))
        name = _existing(milvus, entry, folder, settings)
        return MilvusLexical(milvus, uri_setting, name)

    def release(self, entry: Mapping[str, Any], settings: Settings) -> None:
        """Drop the collection of a replaced build."""
        MilvusBackend().release(entry, settings)

    def drop_orphans(self, index_name: str, keep: Sequence[str], settings: Settings) -> list[str]:
        """Collections of crashed builds share the dense side's prefix and go with it."""
        return MilvusBackend().drop_orphans(index_name, keep, settings)
