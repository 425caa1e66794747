"""Keep a long-running server's memory from creeping: fewer malloc arenas.

glibc gives every thread that allocates its own malloc arena, up to eight per
core. A server answers on many threads (uvicorn's pool, one worker thread per
streamed request, Gradio's workers), each allocating model-sized buffers, and
memory freed in one arena is not reused by another: the process grows for tens
of minutes. ``MALLOC_ARENA_MAX=2`` in the environment caps that from the
process's first allocation; the ``assistant serve`` and ``assistant chat``
commands restart themselves once with it set (:func:`reexec_with_arena_cap`).
Where they run inside another program (tests call ``cli.main``), the cap is set
with ``mallopt(M_ARENA_MAX, …)`` instead (:func:`limit_malloc_arenas`), which
only binds arenas created after it: threads started at import (numpy's, the
tokenizers') keep theirs, so it holds memory less flat (eval/RESULTS.md, "Soak":
+4 MB after 10 minutes with the variable, +20 MB with ``mallopt``, +91 MB with
neither).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import logging
import os
import sys
from collections.abc import Sequence

log = logging.getLogger(__name__)

MALLOC_ARENAS = 2  # arenas a server process may use (glibc's default: 8 per core)
_M_ARENA_MAX = -8  # glibc's mallopt parameter number for the arena cap (malloc.h)


def limit_malloc_arenas(arenas: int = MALLOC_ARENAS) -> bool:
    """Cap glibc's malloc arenas for this process; True when the cap is in force.

    Leaves an explicit ``MALLOC_ARENA_MAX`` of the environment alone (the user's
    choice wins) and does nothing where the C library is not glibc.
    """
    if os.environ.get("MALLOC_ARENA_MAX"):
        return True
    name = ctypes.util.find_library("c")
    if not name:
        return False
    try:
        libc = ctypes.CDLL(name)
        mallopt = libc.mallopt
    except (OSError, AttributeError):
        return False
    mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    mallopt.restype = ctypes.c_int
    ok = bool(mallopt(_M_ARENA_MAX, arenas))
    if not ok:
        log.debug("mallopt(M_ARENA_MAX, %d) was refused", arenas)
    return ok


def reexec_with_arena_cap(argv: Sequence[str], arenas: int = MALLOC_ARENAS) -> None:
    """Restart this command with ``MALLOC_ARENA_MAX`` set, unless it is set already.

    Replaces the process (``os.execve``: same interpreter, same arguments) on
    Linux; returns without doing anything elsewhere or when the variable is
    already there, so the restarted process goes on normally.
    """
    if os.environ.get("MALLOC_ARENA_MAX") or not sys.platform.startswith("linux"):
        return
    env = {**os.environ, "MALLOC_ARENA_MAX": str(arenas)}
    os.execve(sys.executable, [sys.executable, "-m", "assistant.cli", *argv], env)
