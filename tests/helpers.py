"""Small helpers shared by test modules (not fixtures, not doubles)."""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Mapping
from pathlib import Path
from types import ModuleType

REPO = Path(__file__).resolve().parents[1]


def write_docs(folder: Path, docs: Mapping[str, str]) -> Path:
    """Write ``{name: text}`` as UTF-8 files into a new ``folder``; returns it."""
    folder.mkdir()
    for name, text in docs.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


def load_eval_script(name: str) -> ModuleType:
    """Import ``eval/{name}.py`` (the eval scripts are not a package)."""
    spec = importlib.util.spec_from_file_location(name, REPO / "eval" / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses resolve their module's annotations through it
    spec.loader.exec_module(module)
    return module
