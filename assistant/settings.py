"""Every default in one place. Front ends only override fields."""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def _default_cache() -> Path:
    # The cache is git-ignored under models/; an env var lets CI or users move it.
    return Path(os.environ.get("ASSISTANT_MODEL_CACHE", PROJECT_ROOT / "models" / "cache"))


@dataclass(frozen=True)
class Settings:
    """All tunables of the pipeline. Immutable; derive variants with ``replace``."""

    # Where things live.
    index_root: Path = field(default_factory=lambda: PROJECT_ROOT / "index")
    model_cache: Path = field(default_factory=_default_cache)
    registry_path: Path = PROJECT_ROOT / "models" / "registry.toml"
    prompts_dir: Path = PROJECT_ROOT / "prompts"

    # Models (ids in models/registry.toml).
    embedder: str = "use-multilingual-v3"
    generator: str = "qwen2.5-coder-1.5b"
    n_threads: int = 2
    n_ctx: int = 4096
    embed_batch_size: int = 32

    # Chunking (characters).
    chunk_size: int = 220
    chunk_overlap: int = 40
    min_chunk_chars: int = 20

    # Index.
    hnsw_threshold: int = 200_000  # exact inner product below this many chunks

    # Retrieval.
    translate_queries: bool = True  # search English questions also in Chinese (costs ~1.5 s)
    top_k: int = 4
    candidates: int = 30
    rrf_k: int = 60
    dense_weight: float = 1.0
    bm25_weight: float = 1.0

    # Generation.
    max_context_tokens: int = 900
    max_answer_tokens: int = 200
    temperature: float = 0.0
    language: str = "auto"  # auto | zh | en

    # Input limits.
    max_question_chars: int = 2000
    max_upload_mb: float = 20.0  # chat UI uploads larger than this are refused

    # Chat UI.
    upload_dir: Path = field(default_factory=lambda: PROJECT_ROOT / "data" / "uploads")
    fast_generator: str = "qwen2.5-coder-0.5b"  # the UI's "fast" profile

    # UX.
    progress: bool = True

    def replace(self, **changes: Any) -> Settings:
        """Return a copy with some fields changed (unknown names raise TypeError)."""
        return dataclasses.replace(self, **changes)

    def chunking_fingerprint(self) -> dict[str, int]:
        """Settings that change chunk boundaries, recorded in the index manifest."""
        return {
            "chunk_size": self.chunk_size,
            "chunk_overlap": self.chunk_overlap,
            "min_chunk_chars": self.min_chunk_chars,
        }
