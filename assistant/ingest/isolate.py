"""Extracting a file's text in a worker process bounded in time and memory.

Parsing untrusted bytes is where indexing can hang (a parser loop on a crafted
PDF), eat memory (a compression bomb inside a PDF stream) or crash (a C parser
such as lxml): none of that may take the indexing process down with it.
``extract`` sends the bytes to one long-lived worker process (a fresh
interpreter, so it is safe beside the threads of llama.cpp and the web server,
and it never re-runs the caller's script as multiprocessing's spawn does),
whose address space is capped (``RLIMIT_AS``, Linux) at what it uses after
start-up plus ``Limits.memory_bytes``. The caller waits at most
``Limits.seconds`` for the answer; past that, or when the worker dies, the
worker is killed, the file is reported with an ``IngestError`` saying which
limit it hit, and a fresh worker serves the next file. The worker also caps its
own CPU time per file (``RLIMIT_CPU``), so it cannot outlive a killed caller for
long. A Python-level loop could be cut by an alarm signal, but only on the main
thread (the web UI indexes on another) and never inside C code, so a separate
process is the one bound that always holds.
"""

from __future__ import annotations

import atexit
import contextlib
import logging
import math
import os
import signal
import socket
import subprocess
import sys
import threading
import traceback
from multiprocessing.connection import Connection
from pathlib import Path

from ..errors import IngestError
from .formats import EXTRACTORS, MB, Extracted, Limits

logger = logging.getLogger(__name__)

# Starting the worker imports the package (numpy, bs4, pypdf, ...): ~1.5 s here,
# much more on a loaded CI machine, so it gets its own generous allowance that
# is not charged to the first file.
_STARTUP_SECONDS = 120.0
# How long a worker asked to stop may take to exit before it is killed.
_STOP_SECONDS = 5.0
# CPU seconds the worker may use beyond ``Limits.seconds`` before the kernel ends
# it: the caller's wall-clock limit normally acts first; this only stops a worker
# whose caller was killed.
_CPU_MARGIN = 5
# The kernel's signal for a spent RLIMIT_CPU (none on Windows).
_SIGXCPU: int | None = getattr(signal, "SIGXCPU", None)
# The package root, put on the worker's path so it imports the same code.
_ROOT = str(Path(__file__).resolve().parents[2])
_WORKER_CODE = "import sys; from assistant.ingest.isolate import serve; serve(int(sys.argv[1]), int(sys.argv[2]))"

Reply = tuple[str, Extracted | str]


def _address_space() -> int | None:
    """This process's current virtual memory size in bytes (Linux), else None."""
    try:
        status = Path("/proc/self/status").read_text(encoding="ascii", errors="replace")
    except OSError:
        return None
    for line in status.splitlines():
        if line.startswith("VmSize:"):
            return int(line.split()[1]) * 1024
    return None


def _cap(kind: str, value: int) -> None:
    """Set the soft resource limit ``kind`` (e.g. ``RLIMIT_AS``), never above the hard one."""
    try:
        import resource
    except ImportError:  # not on Windows: the caller's wall-clock limit still holds
        return
    which = getattr(resource, kind)
    _, hard = resource.getrlimit(which)
    resource.setrlimit(which, (value if hard == resource.RLIM_INFINITY else min(value, hard), hard))


def _cpu_seconds() -> float:
    times = os.times()
    return times.user + times.system


def _memory_reason(limits: Limits) -> str:
    return (f"needs more than max_file_memory_mb ({limits.memory_bytes / MB:g} MB) of memory "
            f"to read; raise it to index this file")


def run_extractor(ext: str, data: bytes, limits: Limits) -> Reply:
    """Run the extractor for ``ext`` here; ``("ok", Extracted)`` or ``("skip", reason)``.

    Never raises: whatever escapes an extractor becomes a reason.
    """
    try:
        return "ok", EXTRACTORS[ext](data, limits)
    except IngestError as exc:
        return "skip", str(exc)
    except MemoryError:
        return "skip", _memory_reason(limits)
    except RecursionError:
        return "skip", "nested too deeply to read (malformed file?)"
    except Exception as exc:  # a parser bug must cost one file, not the whole run
        logger.error("reading a %s file failed:\n%s", ext, traceback.format_exc())
        return "skip", f"the {ext} reader failed ({type(exc).__name__}: {exc}); the file may be malformed"


def serve(fd: int, memory_bytes: int) -> None:
    """The worker's main loop, on the socket ``fd``: cap memory, say ready, then
    answer ``(ext, data, limits)`` requests until the caller closes the socket."""
    conn = Connection(fd)
    # Ctrl-C is the caller's to handle (it stops the worker); parsers' warnings about
    # damaged files only repeat the skip reason, so only errors are printed.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    logging.basicConfig(level=logging.ERROR, format="%(name)s: %(message)s")
    used = _address_space()
    if used is not None:
        _cap("RLIMIT_AS", used + memory_bytes)
    conn.send(("ready", ""))
    while True:
        try:
            ext, data, limits = conn.recv()
        except (EOFError, OSError):
            return
        except MemoryError:  # the file itself does not fit: say so, then make way for a new worker
            conn.send(("fatal", f"needs more than max_file_memory_mb ({memory_bytes / MB:g} MB) of "
                                f"memory to read; raise it to index this file"))
            return
        _cap("RLIMIT_CPU", math.ceil(_cpu_seconds() + limits.seconds) + _CPU_MARGIN)
        reply = run_extractor(ext, data, limits)
        del data
        try:
            conn.send(reply)
        except MemoryError:  # pickling a huge text; nothing was sent yet
            del reply
            conn.send(("skip", _memory_reason(limits)))


def _death(code: int | None, limits: Limits) -> str:
    if _SIGXCPU is not None and code == -_SIGXCPU:
        return f"reading took longer than max_file_seconds ({limits.seconds:g} s)"
    if code == -signal.SIGKILL:
        return "the reader process was killed (out of memory?)"
    if code is not None and code < 0:
        return f"the reader process crashed (signal {-code}); the file is probably malformed"
    return f"the reader process stopped unexpectedly (exit code {code})"


class _Worker:
    """One extraction process, restarted after a timeout, a crash or new memory limits."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self._proc: subprocess.Popen[bytes] | None = None
        self._conn: Connection | None = None
        self._memory = 0

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc is not None else None

    def extract(self, ext: str, data: bytes, limits: Limits) -> Extracted:
        with self.lock:
            conn = self._ready(limits.memory_bytes)
            try:
                # If the worker gives up before taking all of the file, its reason waits.
                with contextlib.suppress(OSError):
                    conn.send((ext, data, limits))
                if not conn.poll(limits.seconds):
                    self.stop(kill=True)
                    raise IngestError(f"reading took longer than max_file_seconds "
                                      f"({limits.seconds:g} s); the file may be malformed")
                kind, value = conn.recv()
            except (EOFError, OSError) as exc:  # the worker died (or its socket broke)
                raise IngestError(_death(self.stop(), limits)) from exc
            if kind == "fatal":  # the worker could not take the file and is exiting
                self.stop()
        if kind == "ok" and isinstance(value, Extracted):
            return value
        raise IngestError(str(value))

    def _ready(self, memory_bytes: int) -> Connection:
        if self._proc is not None and self._conn is not None:
            if self._proc.poll() is None and self._memory == memory_bytes:
                return self._conn
            self.stop(kill=True)
        mine, theirs = socket.socketpair()
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(
            p for p in (_ROOT, os.environ.get("PYTHONPATH", "")) if p)}
        try:
            proc = subprocess.Popen(
                [sys.executable, "-c", _WORKER_CODE, str(theirs.fileno()), str(memory_bytes)],
                pass_fds=(theirs.fileno(),), stdin=subprocess.DEVNULL, env=env)
        except OSError as exc:
            mine.close()
            raise IngestError(f"could not start the reader process ({exc})") from exc
        finally:
            theirs.close()
        self._proc, self._conn, self._memory = proc, Connection(mine.detach()), memory_bytes
        try:
            if not self._conn.poll(_STARTUP_SECONDS):
                raise EOFError(f"no answer in {_STARTUP_SECONDS:g} s")
            self._conn.recv()
        except (EOFError, OSError) as exc:
            code = self.stop(kill=True)
            raise IngestError(f"could not start the reader process ({str(exc) or 'it exited'}, "
                              f"exit code {code})") from exc
        return self._conn

    def stop(self, kill: bool = False) -> int | None:
        """End the worker (at once when ``kill``); returns its exit code."""
        proc, conn = self._proc, self._conn
        self._proc, self._conn = None, None
        if conn is not None:
            conn.close()  # a healthy worker exits when its socket closes
        if proc is None:
            return None
        if kill:
            proc.kill()
        try:
            return proc.wait(_STOP_SECONDS)
        except subprocess.TimeoutExpired:
            proc.kill()
            return proc.wait()


_WORKER = _Worker()


def extract(ext: str, data: bytes, limits: Limits) -> Extracted:
    """Extract ``data`` (a file of type ``ext``) in the worker process within ``limits``.

    Raises ``IngestError`` with the reason when the file cannot be read, takes
    longer than ``limits.seconds``, needs more memory than ``limits.memory_bytes``
    or crashes the reader. Calls from several threads take turns.
    """
    return _WORKER.extract(ext, data, limits)


def worker_pid() -> int | None:
    """The process id of the running worker, if any (for measurements and tests)."""
    return _WORKER.pid


@atexit.register
def shutdown() -> None:
    """Stop the worker process (a later ``extract`` starts a new one)."""
    with _WORKER.lock:
        _WORKER.stop()
