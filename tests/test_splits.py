"""The tune/report split: one fixed rule for every gold set."""

from __future__ import annotations

import zlib

from assistant.evaluation.splits import HALVES, half_of

GOLD_IDS = [f"c{i:03d}" for i in range(1, 223)]


def test_half_of_follows_the_crc32_rule() -> None:
    for qid in [*GOLD_IDS, "", "问题-1", "cmrc_dev_42"]:
        expected = "tune" if zlib.crc32(qid.encode("utf-8")) % 2 == 0 else "report"
        assert half_of(qid) == expected


def test_half_of_is_stable() -> None:
    # Pinned values: the split must never move between runs, machines or versions.
    assert [half_of(q) for q in ("c001", "c002", "c003", "c004", "c005")] == [
        "tune", "tune", "tune", "report", "report",
    ]
    assert [half_of(q) for q in GOLD_IDS] == [half_of(q) for q in GOLD_IDS]


def test_both_halves_are_large() -> None:
    counts = {half: sum(1 for q in GOLD_IDS if half_of(q) == half) for half in HALVES}
    assert set(counts) == {"tune", "report"}
    assert all(n > len(GOLD_IDS) // 3 for n in counts.values()), counts
