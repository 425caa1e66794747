"""Shared fixtures: paths to ../shared data, fake models, real-model availability."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from fakes import EchoGenerator, HashEmbedder  # noqa: E402

# A skipped real-model or browser test fails under CI (tests/real_components.py).
pytest_plugins = ["real_components"]

from assistant import Assistant  # noqa: E402
from assistant.models import get_spec, is_installed  # noqa: E402
from assistant.settings import Settings  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
CORPUS = SHARED / "corpus"
CMRC = SHARED / "evalsets" / "cmrc2018"


@pytest.fixture(scope="session")
def corpus_dir() -> Path:
    if not CORPUS.is_dir():
        pytest.skip("../shared/corpus is not beside the checkout")
    return CORPUS


@pytest.fixture(scope="session")
def cmrc_dir() -> Path:
    if not CMRC.is_dir():
        pytest.skip("../shared/evalsets/cmrc2018 is not beside the checkout")
    return CMRC


@pytest.fixture(scope="session")
def real_bot(tmp_path_factory: pytest.TempPathFactory, corpus_dir: Path) -> Assistant:
    """The default real models over the reference corpus, indexed once per test run
    (loading the models and indexing cost ~1 min on 2 cores: every real-model test
    file shares this one)."""
    settings = Settings(index_root=tmp_path_factory.mktemp("real-index"), progress=False)
    for model_id in (settings.generator, settings.embedder):
        if not is_installed(get_spec(model_id, settings), settings):
            pytest.fail(f"{model_id} is not installed: run `make setup`")
    bot = Assistant(settings)
    report = bot.index([corpus_dir])
    assert report.documents == 5 and not report.skipped
    return bot


# (vector store, lexical index): FAISS + bm25s files (the default), and a real
# milvus-lite file in the temporary folder holding the vectors, then both sides.
STORE_SETUPS = [("faiss", "bm25s"), ("milvus", "bm25s"), ("milvus", "milvus")]


@pytest.fixture(params=STORE_SETUPS, ids=["faiss", "milvus", "milvus-bm25"])
def tmp_settings(request: pytest.FixtureRequest, tmp_path: Path) -> Settings:
    """Settings over a temporary index root, once per store setup."""
    store, lexical = request.param
    return Settings(index_root=tmp_path / "index", progress=False, store=store, lexical=lexical)


@pytest.fixture()
def fake_embedder() -> HashEmbedder:
    return HashEmbedder()


@pytest.fixture()
def echo_generator() -> EchoGenerator:
    return EchoGenerator()

