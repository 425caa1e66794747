"""Keep a long-running server's memory from creeping: fewer malloc arenas.

glibc gives every thread that allocates its own malloc arena, up to eight per
core. A server answers on many threads (uvicorn's pool, one worker thread per
streamed request, Gradio's workers), each allocating model-sized buffers, and
memory freed in one arena is not reused by another: the process grows for tens
of minutes. ``MALLOC_ARENA_MAX=2`` in the environment caps that; the same cap
is set here from inside the process with ``mallopt(M_ARENA_MAX, …)``, which
glibc documents as the equivalent of that variable, before any thread exists.
Measured with ``eval/soak.py`` (eval/RESULTS.md, "Soak").
"""

from __future__ import annotations

import ctypes
import ctypes.util
import logging
import os

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
