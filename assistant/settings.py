"""Every default in one place. Front ends only override fields."""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

PROJECT_ROOT = Path(__file__).resolve().parent.parent
# Where eval/calibrate.py writes the answerability weights (inside the package).
CALIBRATION_PATH = PROJECT_ROOT / "assistant" / "answer" / "calibration.json"
Language = Literal["auto", "zh", "en"]
LANGUAGES: tuple[Language, ...] = ("auto", "zh", "en")
StoreKind = Literal["faiss", "milvus"]
RerankerName = Literal["none", "coverage"]
RERANKER_NAMES: tuple[RerankerName, ...] = ("none", "coverage")
STORE_KINDS: tuple[StoreKind, ...] = ("faiss", "milvus")
LexicalKind = Literal["bm25s", "milvus"]
LEXICAL_KINDS: tuple[LexicalKind, ...] = ("bm25s", "milvus")


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
    # Answerability weights and threshold, fitted by eval/calibrate.py.
    calibration_path: Path = CALIBRATION_PATH

    # Models (ids in models/registry.toml).
    embedder: str = "use-multilingual-v3"
    generator: str = "qwen2.5-coder-1.5b"
    n_threads: int = 2
    n_ctx: int = 4096
    # Keep the KV state of each fixed system prompt (answer zh/en, translate,
    # rewrite) so switching between them costs no prefill (eval/RESULTS.md).
    reuse_prompt_states: bool = True
    # Generate on an OpenAI-compatible server instead of in process (llama.cpp's
    # server, vLLM, ...): its base URL (".../v1") and model name; key from
    # $ASSISTANT_LLM_API_KEY. Retrieval, evidence, checks and refusals stay local.
    llm_url: str = ""
    llm_model: str = ""
    llm_timeout: float = 120.0  # seconds a remote answer may take
    embed_batch_size: int = 32

    # Chunking (characters).
    chunk_size: int = 220
    chunk_overlap: int = 40
    min_chunk_chars: int = 20

    # Index.
    # Where the vectors live (assistant/search/stores): "faiss" files in the index
    # folder, or "milvus": the milvus-lite file index_root/milvus.db when
    # milvus_uri is "", else a Milvus server ("milvus://host:19530" or "http://...").
    store: StoreKind = "faiss"
    milvus_uri: str = ""
    # The BM25 side: "bm25s" files in the index folder, or "milvus" full-text search
    # (jieba analyzer) beside the vectors, so a server deployment keeps no local files.
    lexical: LexicalKind = "bm25s"
    # Exact inner product below this many chunks, HNSW from here on (FAISS and Milvus).
    # eval/RESULTS.md "Scale": exact costs 1.7 ms at 10k and 30 ms at 100k chunks,
    # HNSW 0.6 ms at recall@10 0.996; its build (27 s at 100k) is ~5% of embedding them.
    hnsw_threshold: int = 50_000

    # Retrieval.
    translate_queries: bool = True  # search English questions also in Chinese (costs ~1.5 s)
    top_k: int = 6  # passages retrieved; their best sentences become the evidence
    candidates: int = 30
    # Fusion tuned on the tune half of both gold sets (eval/RESULTS.md, "Retrieval
    # tuning"): BM25 leads on these collections, so it weighs 3x and a smaller
    # RRF constant lets first ranks count; corpus R@5 92.5% -> 99.1%.
    rrf_k: int = 20
    dense_weight: float = 1.0
    bm25_weight: float = 3.0
    # Reranker of the fused candidates (assistant/search/rerank.py), and how many
    # fused candidates it sees before the top_k are kept.
    reranker: RerankerName = "none"
    rerank_depth: int = 20

    # Answering (assistant/answer/).
    evidence_tokens: int = 200  # prompt budget for the evidence sentences
    evidence_sentences: int = 5
    evidence_alternatives: int = 0  # rival answer sentences shown besides the cover (answer/evidence/selection.py)
    # Share of the best sentence's score a further evidence sentence must reach
    # (answer/evidence/selection.py). 0.25 was measured live on both tune halves (eval/RESULTS.md,
    # 2026-11-30 afternoon): +13 prompt tokens, fewer false refusals, but more
    # unanswerable questions answered (corpus tune 152 -> 150 right outcomes).
    evidence_floor: float = 0.35
    # Credit (share of the question's term weight) a sentence earns for the terms its
    # passage's heading and earlier sentences hold and it lacks (evidence/selection.py):
    # the subject an encyclopedia passage names once. None: the generator's measured
    # value in calibration.json. For the 1.5B model 0.25, chosen on the tune sets by
    # eval/evidence_recall.py (gold answer in the evidence, cmrc2018's three tune sets /
    # the corpus tune half and corpus-extra: 0 85.2 / 82.0%, 0.15 88.3 / 83.2%, 0.25
    # 93.0 / 83.2% for +12 / +4 evidence tokens, 0.35 93.0 / 83.8% for +22 / +7) and
    # measured live; for the 0.5B model 0 (live on the corpus tune half: 117 right
    # outcomes at 0, 116 at 0.25). eval/RESULTS.md, 2026-11-30 fourth session. 0.5 put
    # more answers in the evidence of paraphrased questions (cmrc-extra3 61.1 -> 69.4%)
    # but lost 5 right outcomes live on the cmrc2018 tune half and cmrc-extra (more
    # near-misses answered, more distractors read): fifth session.
    evidence_context: float | None = None
    # Weight of a sentence's dense similarity to the question in its evidence score
    # (evidence/selection.py; 0 scores on words alone). 0.2 put the gold answer in the evidence
    # more often on both tune halves (corpus 86.4 -> 87.9%, cmrc 89.7 -> 93.6%) and won
    # there live (+1, +2 right outcomes against weight 0), but not on the held-out sets (report halves,
    # blind2, blind3: -2 right outcomes together, +5 to +18 prompt tokens; eval/RESULTS.md,
    # 2026-11-30 evening), so it is off by default.
    evidence_dense_weight: float = 0.0
    # Weight of the characters a sentence about the question's subject shares with what is
    # asked of it (evidence/selection.py, _char_credit: paraphrases jieba's words miss,
    # 肩部高度 / 肩高). 1.2 put the gold answer in the evidence more often on every tune set
    # (eval/evidence_recall.py: cmrc-extra3 66.7 -> 86.1%, cmrc2018 tune half 94.9 -> 100%,
    # md-tune 68.7 -> 77.6%) for +10 to +30 evidence tokens, but live it gained as many right
    # outcomes as it lost (459 -> 459 over the eight tune sets: the four cmrc2018-type sets +3,
    # corpus tune half -3, corpus-extra -1, md-tune -1, multi-extra +2; more near-misses
    # answered from the extra sentences, and more distractors read), so it is off by default
    # (eval/RESULTS.md, 2026-12-01 eighth session).
    evidence_char_weight: float = 0.0
    # Share of its weight a key term keeps in the evidence choice when only the sentences
    # of the question that describe its subject hold it, not the one that asks
    # ("城市进化论文章提到…；据白皮书，广西在同一年出台的…是什么？"; evidence/selection.py).
    # 0.1 won on the tune sets (eval/RESULTS.md, thirteenth session): gold answer in the
    # evidence (eval/evidence_recall.py) md-tune 70.1 -> 76.1%, corpus tune half 87.9 -> 89.4%;
    # live, md-tune 47 -> 51 right, the 33 tune questions it changes 16 -> 19 right; but on
    # the held-out blind sets it lost 4 multi-document answers and gained 1 (blind2-4 58 -> 55
    # correct), so it is off: 1.0 weighs every term alike.
    evidence_described_weight: float = 1.0
    # Most tokens of the bridge sentence a second search may add for a question that
    # links two documents (answer/evidence/bridge.py); 0 turns the second hop off.
    bridge_tokens: int = 120
    # Answer in steps a question that names a thing by description ("…的那所高校，据白皮书…？":
    # which thing, then what is asked of it) or compares two figures ("A与B相比，哪个
    # 更大？": each figure, then code compares them); answer/steps/decompose.py, versus.py.
    decompose: bool = True
    answer_threshold: float | None = None  # None: the calibrated threshold
    max_answer_tokens: int = 120
    temperature: float = 0.0
    language: Language = "auto"

    # Input limits.
    max_question_chars: int = 2000
    max_upload_mb: float = 20.0  # chat UI uploads larger than this are refused
    # Per-file bounds on indexing hostile or broken files (assistant/ingest/isolate.py);
    # a file over one is skipped with a reason naming the setting. Measured with
    # eval/fuzz_loaders.py (eval/RESULTS.md, "Hostile files").
    # Larger files are skipped unread: a 500-page PDF with figures is ~50 MB.
    max_file_mb: float = 100.0
    # What a DOCX may expand to when unzipped: its XML is ~1-5 MB per 1000 pages and
    # its images are compressed already, while a zip bomb expands 400:1 or more.
    max_unzipped_mb: float = 200.0
    # Wall time to extract one file: pypdf reads ~50 text pages/s here and bs4 ~1 MB
    # of HTML/s, so a few thousand pages fit, while a parser stuck on a crafted
    # file (a 60 KB PDF can take pypdf minutes) is cut off.
    max_file_seconds: float = 120.0
    # Memory the extraction worker may add to its own ~100 MB: bs4 needs ~20x an
    # HTML page (13 MB: 270 MB) and python-docx ~7x its XML, so ~100 MB of HTML fits.
    max_file_memory_mb: float = 2048.0

    # Chat UI.
    upload_dir: Path = field(default_factory=lambda: PROJECT_ROOT / "data" / "uploads")
    fast_generator: str = "qwen2.5-coder-0.5b"  # the UI's "fast" profile

    # UX.
    progress: bool = True

    def __post_init__(self) -> None:
        problems = []
        if self.language not in LANGUAGES:
            problems.append(f"language must be one of {LANGUAGES}, not {self.language!r}")
        if self.reranker not in RERANKER_NAMES:
            problems.append(f"reranker must be one of {RERANKER_NAMES}, not {self.reranker!r}")
        if self.lexical not in LEXICAL_KINDS:
            problems.append(f"lexical must be one of {LEXICAL_KINDS}, not {self.lexical!r}")
        if self.store not in STORE_KINDS:
            problems.append(f"store must be one of {STORE_KINDS}, not {self.store!r}")
        for name in ("top_k", "candidates", "evidence_tokens", "evidence_sentences",
                     "max_answer_tokens", "chunk_size", "n_threads", "n_ctx", "rerank_depth"):
            if int(getattr(self, name)) < 1:
                problems.append(f"{name} must be at least 1, not {getattr(self, name)}")
        if self.bridge_tokens < 0:
            problems.append(f"bridge_tokens must be >= 0 (0 turns the second hop off), not {self.bridge_tokens}")
        if self.evidence_char_weight < 0:
            problems.append(f"evidence_char_weight must be >= 0, not {self.evidence_char_weight}")
        if not 0.0 <= self.evidence_described_weight <= 1.0:
            problems.append(f"evidence_described_weight must be in [0, 1], not {self.evidence_described_weight}")
        if self.evidence_dense_weight < 0:
            problems.append(f"evidence_dense_weight must be >= 0, not {self.evidence_dense_weight}")
        if self.evidence_context is not None and not 0.0 <= self.evidence_context <= 1.0:
            problems.append(f"evidence_context must be in [0, 1], not {self.evidence_context}")
        if not 0.0 <= self.evidence_floor <= 1.0:
            problems.append(f"evidence_floor must be in [0, 1], not {self.evidence_floor}")
        if self.evidence_alternatives < 0:
            problems.append(f"evidence_alternatives must be >= 0, not {self.evidence_alternatives}")
        if self.dense_weight < 0 or self.bm25_weight < 0 or self.dense_weight + self.bm25_weight == 0:
            problems.append("dense_weight and bm25_weight must be >= 0 and not both 0")
        if self.answer_threshold is not None and not 0.0 <= self.answer_threshold <= 1.0:
            problems.append(f"answer_threshold must be in [0, 1], not {self.answer_threshold}")
        if self.llm_url and not self.llm_url.startswith(("http://", "https://")):
            problems.append(f"llm_url must start with http:// or https://, not {self.llm_url!r}")
        if self.llm_timeout <= 0:
            problems.append("llm_timeout must be positive")
        for name in ("max_file_mb", "max_unzipped_mb", "max_file_seconds", "max_file_memory_mb"):
            if not getattr(self, name) > 0:
                problems.append(f"{name} must be positive, not {getattr(self, name)}")
        if self.chunk_overlap >= self.chunk_size:
            problems.append("chunk_overlap must be smaller than chunk_size")
        if problems:
            raise ValueError("invalid settings: " + "; ".join(problems))

    @classmethod
    def parse_override(cls, assignment: str) -> tuple[str, Any]:
        """Parse ``NAME=VALUE`` (the CLI's ``--set``) into a typed field change.

        The value takes the type of the field's default (``none`` clears an
        optional field); unknown names and unparsable values raise ValueError.
        """
        name, sep, text = assignment.partition("=")
        name = name.strip().replace("-", "_")
        known = {f.name: f for f in dataclasses.fields(cls)}
        if not sep or name not in known:
            raise ValueError(f"--set takes NAME=VALUE with NAME one of: {', '.join(sorted(known))}")
        default = getattr(cls(), name)
        text = text.strip()
        if text.lower() == "none" and "None" in str(known[name].type):
            return name, None
        if isinstance(default, bool):
            if text.lower() not in ("true", "false", "1", "0"):
                raise ValueError(f"{name} takes true or false, not {text!r}")
            return name, text.lower() in ("true", "1")
        if isinstance(default, int):
            return name, int(text)
        if isinstance(default, float) or default is None:
            return name, float(text)
        if isinstance(default, Path):
            return name, Path(text)
        return name, text

    @staticmethod
    def parse_store(value: str) -> tuple[StoreKind, str]:
        """Parse the CLI's ``--store``: ``faiss``, ``milvus`` (the milvus-lite file) or a
        Milvus server URI (``milvus://host:port``, ``http(s)://...``) into (store, milvus_uri)."""
        value = value.strip()
        if value == "faiss":
            return "faiss", ""
        if value == "milvus":
            return "milvus", ""
        if value.startswith(("milvus://", "http://", "https://")) or value.endswith(".db"):
            return "milvus", value
        raise ValueError(f"--store takes faiss, milvus, milvus://HOST:PORT or a milvus-lite "
                         f"file ending in .db, not {value!r}")

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
