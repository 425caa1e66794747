"""Crash-safe writes: a file or folder is written beside its target, then renamed into place.

A reader sees the old version or the new one, never half of one; a process
killed mid-write leaves at most a hidden temporary sibling, which the next
write of the same target removes.
"""

from __future__ import annotations

import hashlib
import os
import shutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path


def _temp_sibling(target: Path, tag: str) -> Path:
    return target.parent / f".{target.name}.{tag}-{os.getpid()}"


@contextmanager
def atomic_path(target: Path) -> Iterator[Path]:
    """Yield a temporary path to write ``target``'s new content to; on success it
    replaces ``target`` in one rename, on error it is removed and ``target`` kept.

    The temporary path keeps ``target``'s suffix (``np.save`` appends ``.npy``
    to names without it).
    """
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.parent / f".{target.stem}.tmp-{os.getpid()}{target.suffix}"
    try:
        yield tmp
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)


def write_text_atomic(target: Path, text: str) -> None:
    """Write ``text`` (UTF-8) to ``target`` atomically."""
    with atomic_path(target) as tmp:
        tmp.write_text(text, encoding="utf-8")


def replace_folder(target: Path, build: Callable[[Path], None]) -> None:
    """Fill a fresh temporary folder with ``build(tmp)``, then swap it in for ``target``.

    The old folder is moved aside before the new one takes its name and deleted
    after, so a crash leaves either the old or the new folder under ``target``
    (plus a hidden sibling the next call clears).
    """
    target.parent.mkdir(parents=True, exist_ok=True)
    for stale in target.parent.glob(f".{target.name}.tmp-*"):
        shutil.rmtree(stale, ignore_errors=True)
    tmp = _temp_sibling(target, "tmp")
    tmp.mkdir()
    try:
        build(tmp)
        old = _temp_sibling(target, "old")
        if target.exists():
            target.rename(old)
        tmp.rename(target)
        if old.exists():
            shutil.rmtree(old)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


CHUNK_BYTES = 1 << 20


def file_digest(path: Path) -> dict[str, object]:
    """Size and sha256 of one file."""
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while block := f.read(CHUNK_BYTES):
            digest.update(block)
    return {"bytes": path.stat().st_size, "sha256": digest.hexdigest()}


def checksums(folder: Path) -> dict[str, dict[str, object]]:
    """Size and sha256 of every file below ``folder`` (paths relative, ``/``-separated)."""
    return {p.relative_to(folder).as_posix(): file_digest(p)
            for p in sorted(folder.rglob("*")) if p.is_file()}


def damaged(folder: Path, expected: dict[str, dict[str, object]]) -> list[str]:
    """What differs between ``folder``'s files and the ``expected`` checksums: missing,
    resized or altered files (files not listed are not checked)."""
    problems = []
    for rel, want in expected.items():
        path = folder / rel
        if not path.is_file():
            problems.append(f"{rel} is missing")
            continue
        got = file_digest(path)
        if got["bytes"] != want.get("bytes"):
            problems.append(f"{rel} has {got['bytes']} bytes, {want.get('bytes')} were written")
        elif got["sha256"] != want.get("sha256"):
            problems.append(f"{rel} was altered (sha256 differs)")
    return problems
