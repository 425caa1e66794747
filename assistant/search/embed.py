"""Dense embedders behind the ``Embedder`` protocol, and a content-hash cache.

Two real backends:
- ``OnnxUSEEmbedder``: Universal Sentence Encoder multilingual (int8 ONNX) on
  onnxruntime; fast (~250 passages/s on 2 cores), good cross-lingual.
- ``SentenceTransformerEmbedder``: any sentence-transformers folder, e.g.
  EmbeddingGemma-300m; best quality, slow on CPU.
Both are loaded from the local model cache only (``HF_HUB_OFFLINE=1``).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import ModelMissingError
from ..files import atomic_path, write_text_atomic
from ..models import get_spec, model_path
from ..settings import Settings
from ..types import Embedder, Vector

logger = logging.getLogger(__name__)


def _l2(x: np.ndarray) -> Vector:
    x = np.asarray(x, dtype=np.float32)
    norms = np.linalg.norm(x, axis=-1, keepdims=True)
    return (x / np.maximum(norms, 1e-12)).astype(np.float32)


class OnnxUSEEmbedder:
    """Universal Sentence Encoder multilingual v3 (int8) via onnxruntime."""

    def __init__(self, path: Path, name: str = "use-multilingual-v3", threads: int = 2,
                 batch_size: int = 64) -> None:
        import onnxruntime as ort
        import onnxruntime_extensions as ortx

        opts = ort.SessionOptions()
        # The graph uses SentencePiece ops that live in onnxruntime-extensions.
        opts.register_custom_ops_library(ortx.get_library_path())
        opts.intra_op_num_threads = threads
        opts.inter_op_num_threads = 1
        self._session = ort.InferenceSession(str(path), opts, providers=["CPUExecutionProvider"])
        self._input = self._session.get_inputs()[0].name
        self.name = name
        self.dim = int(self._session.get_outputs()[0].shape[-1])
        self._batch = batch_size

    def _run(self, texts: Sequence[str]) -> Vector:
        out = []
        for i in range(0, len(texts), self._batch):
            batch = np.array(list(texts[i : i + self._batch]), dtype=object)
            out.append(self._session.run(None, {self._input: batch})[0])
        return _l2(np.concatenate(out)) if out else np.zeros((0, self.dim), np.float32)

    def embed_documents(self, texts: Sequence[str]) -> Vector:
        """Embed passages."""
        return self._run(texts)

    def embed_query(self, text: str) -> Vector:
        """Embed one query (USE is symmetric: same encoder as passages)."""
        return self._run([text])[0]


class SentenceTransformerEmbedder:
    """A sentence-transformers model from a local folder (never from a hub)."""

    def __init__(self, path: Path, name: str, threads: int = 2, batch_size: int = 8) -> None:
        os.environ["HF_HUB_OFFLINE"] = "1"
        import torch
        from sentence_transformers import SentenceTransformer

        torch.set_num_threads(threads)
        self._model: Any = SentenceTransformer(str(path), device="cpu", local_files_only=True)
        prompts = getattr(self._model, "prompts", {}) or {}
        # EmbeddingGemma (and e5-style models) want task prompts on each side.
        self._query_prompt = "query" if "query" in prompts else None
        self._doc_prompt = "document" if "document" in prompts else None
        self.name = name
        # sentence-transformers renamed this method; support both spellings.
        get_dim = getattr(self._model, "get_embedding_dimension", None) or self._model.get_sentence_embedding_dimension
        dim = get_dim()
        self.dim = int(dim) if dim else int(self._model.encode(["x"]).shape[-1])
        self._batch = batch_size

    def embed_documents(self, texts: Sequence[str]) -> Vector:
        """Embed passages with the model's document prompt, if it has one."""
        if not texts:
            return np.zeros((0, self.dim), np.float32)
        vecs = self._model.encode(list(texts), prompt_name=self._doc_prompt,
                                  batch_size=self._batch, normalize_embeddings=True)
        return _l2(vecs)

    def embed_query(self, text: str) -> Vector:
        """Embed one query with the model's query prompt, if it has one."""
        vec = self._model.encode([text], prompt_name=self._query_prompt, normalize_embeddings=True)
        return _l2(vec)[0]


def _sentence_transformer(path: Path, name: str, threads: int) -> Embedder:
    try:
        return SentenceTransformerEmbedder(path, name=name, threads=threads)
    except ImportError as exc:
        raise ModelMissingError(
            f"{name} needs sentence-transformers and torch: pip install -e '.[st]'"
        ) from exc


EmbedderFactory = Callable[[Path, str, int], Embedder]

# Embedder backends by the name ``models/registry.toml`` gives them:
# factory(model path, model id, threads).
EMBEDDER_BACKENDS: dict[str, EmbedderFactory] = {
    "onnx-use": lambda path, name, threads: OnnxUSEEmbedder(path, name=name, threads=threads),
    "sentence-transformers": _sentence_transformer,
}


def load_embedder(settings: Settings) -> Embedder:
    """Build the embedder named by ``settings.embedder`` from the model cache."""
    spec = get_spec(settings.embedder, settings)
    factory = EMBEDDER_BACKENDS.get(spec.backend)
    if factory is None:
        raise ModelMissingError(f"{spec.id}: backend {spec.backend!r} is not an embedder backend; "
                                f"known: {', '.join(sorted(EMBEDDER_BACKENDS))}")
    return factory(model_path(spec.id, settings), spec.id, settings.n_threads)


class EmbeddingCache:
    """Vectors keyed by sha1(embedder name + text), persisted as plain files.

    Re-indexing a collection where most chunks are unchanged then costs only the
    new chunks. Files: ``keys.json`` (list of hashes) and ``vectors.npy``.
    """

    def __init__(self, folder: Path, embedder: Embedder) -> None:
        self.folder = folder / embedder.name
        self.embedder = embedder
        self._index: dict[str, int] = {}
        self._vectors = np.zeros((0, embedder.dim), np.float32)
        keys_file, vec_file = self.folder / "keys.json", self.folder / "vectors.npy"
        if keys_file.exists() and vec_file.exists():
            try:
                keys = json.loads(keys_file.read_text(encoding="utf-8"))
                vectors = np.load(vec_file)
                if vectors.shape == (len(keys), embedder.dim):
                    self._index = {k: i for i, k in enumerate(keys)}
                    self._vectors = vectors.astype(np.float32)
            except (OSError, ValueError) as exc:  # a damaged cache only costs time
                logger.warning("ignoring unreadable embedding cache %s: %s", self.folder, exc)

    def _key(self, text: str) -> str:
        return hashlib.sha1(f"{self.embedder.name}\x00{text}".encode()).hexdigest()

    def embed(self, texts: Sequence[str], progress: bool = False) -> tuple[Vector, int]:
        """Vectors for ``texts`` (cached where possible); returns (vectors, n_computed)."""
        from tqdm import tqdm

        keys = [self._key(t) for t in texts]
        missing = sorted({k: i for i, k in enumerate(keys) if k not in self._index}.items(),
                         key=lambda kv: kv[1])
        if missing:
            todo = [texts[i] for _, i in missing]
            batch = 64
            parts = []
            for s in tqdm(range(0, len(todo), batch), desc="embedding", unit="batch",
                          disable=not progress):
                parts.append(self.embedder.embed_documents(todo[s : s + batch]))
            new = np.concatenate(parts)
            base = len(self._vectors)
            self._vectors = np.concatenate([self._vectors, new])
            for n, (k, _) in enumerate(missing):
                self._index[k] = base + n
        rows = [self._index[k] for k in keys]
        out = self._vectors[rows] if rows else np.zeros((0, self.embedder.dim), np.float32)
        return out, len(missing)

    def save(self) -> None:
        """Write the cache atomically (temp files, then rename)."""
        keys = [k for k, _ in sorted(self._index.items(), key=lambda kv: kv[1])]
        with atomic_path(self.folder / "vectors.npy") as tmp:
            np.save(tmp, self._vectors)
        write_text_atomic(self.folder / "keys.json", json.dumps(keys))
