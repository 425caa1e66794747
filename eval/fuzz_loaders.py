"""Long fuzz run of every loader, then the cleaner and chunker (a benchmark, not a test).

Each supported extension gets ``--per-ext`` files: random bytes, mutated valid
files of that type and mutated files of another type under its name
(``tests/hostile_files.py``), plus the named hostile corpus with its slow PDF and
a 300 MB zip bomb. Every file goes through ``load_file`` with the default
``Settings`` (so through the bounded worker); loaded documents are cleaned and
chunked. Printed and written to ``--out``: files fuzzed, outcomes, the slowest
files, the worker's peak RSS (and which file raised it most) and any exception
that escaped as something other than ``IngestError`` (a finding; exit code 1).

    .venv/bin/python eval/fuzz_loaders.py --per-ext 2000
"""

from __future__ import annotations

import argparse
import itertools
import json
import random
import resource
import sys
import tempfile
import time
import traceback
from collections import Counter
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))  # the hostile file generator

from hostile_files import MB, corpus, mutate, seeds  # noqa: E402

from assistant.errors import IngestError  # noqa: E402
from assistant.ingest.chunk import chunk_document  # noqa: E402
from assistant.ingest.clean import clean  # noqa: E402
from assistant.ingest.isolate import shutdown, worker_pid  # noqa: E402
from assistant.ingest.load import load_file  # noqa: E402
from assistant.settings import Settings  # noqa: E402

# Shares of the generated files: random bytes, own-type mutations, other-type mutations.
KINDS = (("random", 0.2), ("mutated", 0.5), ("wrong_ext", 0.3))
RANDOM_MAX_BYTES = 64 * 1024
SLOWEST = 8


@dataclass
class Record:
    """One fuzzed file: what it was, what became of it and what it cost."""

    name: str
    kind: str
    size: int
    outcome: str  # "document", "skipped" or "escaped"
    reason: str
    load_seconds: float
    pipeline_seconds: float
    worker_hwm_mb: float
    chunks: int


def _worker_hwm_mb() -> float:
    """Peak RSS of the running extraction worker (VmHWM), 0 when none runs."""
    pid = worker_pid()
    if pid is None:
        return 0.0
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def _spread(seconds: list[float]) -> dict[str, float]:
    """Median, 99th percentile and maximum of some durations."""
    ordered = sorted(seconds) or [0.0]

    def at(share: float) -> float:
        return ordered[min(len(ordered) - 1, int(share * len(ordered)))]

    return {"median": round(at(0.5), 4), "p99": round(at(0.99), 3), "max": round(ordered[-1], 3)}


def _fuzz_one(path: Path, kind: str, settings: Settings) -> Record:
    t0 = time.perf_counter()
    chunks, outcome, reason = 0, "document", ""
    try:
        doc = load_file(path, settings)
    except IngestError as exc:
        outcome, reason = "skipped", str(exc)
    except Exception:  # an escape is the finding this run looks for
        outcome, reason = "escaped", traceback.format_exc()
    loaded = time.perf_counter()
    if outcome == "document":
        try:
            chunks = len(chunk_document(doc, clean(doc.text), settings.chunk_size,
                                        settings.chunk_overlap, settings.min_chunk_chars))
        except Exception:
            outcome, reason = "escaped", traceback.format_exc()
    return Record(path.name, kind, path.stat().st_size, outcome, reason, loaded - t0,
                  time.perf_counter() - loaded, _worker_hwm_mb(), chunks)


def _generated(per_ext: int, rng: random.Random) -> Iterator[tuple[str, str, bytes]]:
    """(name, kind, bytes) of the random and mutated files, ``per_ext`` per extension."""
    valid = seeds()
    exts = sorted(valid)
    for ext in exts:
        for i in range(per_ext):
            kind = rng.choices([k for k, _ in KINDS], [w for _, w in KINDS])[0]
            if kind == "random":
                data = rng.randbytes(rng.randint(0, RANDOM_MAX_BYTES))
            else:
                source = ext if kind == "mutated" else rng.choice([e for e in exts if e != ext])
                data = mutate(valid[source], rng)
            yield f"{kind}_{i:05d}{ext}", kind, data


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--per-ext", type=int, default=2000, help="generated files per extension")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, default=REPO / "eval" / "runs" / "fuzz_loaders.json")
    args = parser.parse_args()
    settings = Settings(progress=False)
    rng = random.Random(args.seed)
    named = [(name, "named", data) for name, data in corpus(300 * MB, slow=True).items()]
    files = itertools.chain(named, _generated(args.per_ext, rng))
    planned = len(named) + args.per_ext * len(seeds())
    records: list[Record] = []
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        for i, (name, kind, data) in enumerate(files):
            path = Path(tmp) / name
            path.write_bytes(data)
            before = _worker_hwm_mb()
            record = _fuzz_one(path, kind, settings)
            record.worker_hwm_mb = max(record.worker_hwm_mb, before)
            records.append(record)
            path.unlink()
            if record.outcome == "escaped":
                print(f"ESCAPED {name}:\n{record.reason}", flush=True)
            if (i + 1) % 1000 == 0:
                print(f"{i + 1}/{planned} files, {time.perf_counter() - started:.0f} s", flush=True)
    shutdown()
    total = time.perf_counter() - started
    children_peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    own_peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    # The file that raised the worker's peak the most (VmHWM only grows per worker).
    raised = max(records, key=lambda r: r.worker_hwm_mb)
    slowest = sorted(records, key=lambda r: r.load_seconds + r.pipeline_seconds, reverse=True)[:SLOWEST]
    summary = {
        "files": len(records),
        "per_ext": args.per_ext,
        "seed": args.seed,
        "seconds": round(total, 1),
        "outcomes": Counter(r.outcome for r in records),
        "by_kind": {k: Counter(r.outcome for r in records if r.kind == k)
                    for k in ("named", *(k for k, _ in KINDS))},
        "max_load_seconds": round(max(r.load_seconds for r in records), 3),
        "max_pipeline_seconds": round(max(r.pipeline_seconds for r in records), 3),
        "load_seconds_by_kind": {k: _spread([r.load_seconds for r in records if r.kind == k])
                                 for k in ("named", *(k for k, _ in KINDS))},
        "worker_peak_rss_mb": round(max(children_peak, raised.worker_hwm_mb), 1),
        "worker_peak_first_reached_by": raised.name,
        "caller_peak_rss_mb": round(own_peak, 1),
        "slowest": [(r.name, round(r.load_seconds, 2), round(r.pipeline_seconds, 2), r.outcome,
                     r.reason[:120]) for r in slowest],
        "named": {r.name: (r.outcome, r.reason[:160], round(r.load_seconds, 2)) for r in records
                  if r.kind == "named"},
        "escaped": [asdict(r) for r in records if r.outcome == "escaped"],
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(summary, ensure_ascii=False, indent=1), encoding="utf-8")
    print(json.dumps({k: v for k, v in summary.items() if k != "named"}, ensure_ascii=False, indent=1))
    print(f"written to {args.out}")
    return 1 if summary["escaped"] else 0


if __name__ == "__main__":
    sys.exit(main())
