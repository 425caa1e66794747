"""The tune/report split of every gold set (tuning discipline).

Thresholds, weights and other choices are made on the ``"tune"`` half of a
gold set and the numbers quoted are those of the ``"report"`` half, so a
reported number never comes from the questions it was tuned on. One rule serves
every gold set: the half depends only on the question id, through CRC-32 (a
stable hash, unlike Python's salted ``hash``), so it never changes between runs,
machines or Python versions.
"""

from __future__ import annotations

import zlib
from typing import Literal

Half = Literal["tune", "report"]
HALVES: tuple[Half, ...] = ("tune", "report")
N_HALVES = len(HALVES)


def half_of(item_id: str) -> Half:
    """``"tune"`` when the CRC-32 of the UTF-8 id is even, else ``"report"``."""
    return HALVES[zlib.crc32(item_id.encode("utf-8")) % N_HALVES]
