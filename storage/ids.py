"""Time-sortable 64-bit ids, safe to generate in several processes at once.

Layout (63 usable bits, so ids stay positive in a signed BIGINT):
    42 bits  milliseconds since 2020-01-01 UTC (good until 2159)
    21 bits  random, bumped by one for each id in the same millisecond

Within a process ids strictly increase. Across processes two ids can only clash if they
fall in the same millisecond *and* draw the same 21 random bits (about one in two million
per pair); the primary key catches the remainder. Remote statuses take their id from
`published`, so timelines order by when a post was written rather than when it arrived.
"""

from __future__ import annotations

import secrets
import threading
import time
from datetime import datetime

EPOCH_MS = 1_577_836_800_000  # 2020-01-01T00:00:00Z
_LOW_BITS = 21
_LOW_MASK = (1 << _LOW_BITS) - 1

_lock = threading.Lock()
_last_id = 0


def _ms_now() -> int:
    return time.time_ns() // 1_000_000


def new_id() -> int:
    """A new id for a row created now; strictly greater than the last one from this process."""
    global _last_id
    with _lock:
        candidate = ((_ms_now() - EPOCH_MS) << _LOW_BITS) | secrets.randbits(_LOW_BITS)
        if candidate <= _last_id:
            candidate = _last_id + 1
        _last_id = candidate
        return candidate


def id_for_time(when: datetime, *, not_after: datetime | None = None) -> int:
    """An id placed at `when` (clamped to `not_after`), for rows that carry their own time."""
    if not_after is not None and when > not_after:
        when = not_after
    ms = max(int(when.timestamp() * 1000) - EPOCH_MS, 0)
    return (ms << _LOW_BITS) | secrets.randbits(_LOW_BITS)


def min_id_for_time(when: datetime) -> int:
    """The smallest id at `when`: a lower bound for id-range queries by time."""
    return max(int(when.timestamp() * 1000) - EPOCH_MS, 0) << _LOW_BITS


def id_time_ms(value: int) -> int:
    """Unix milliseconds encoded in an id."""
    return (value >> _LOW_BITS) + EPOCH_MS
