"""Fixed-window rate-limit counters: in memory on SQLite, one shared table on PostgreSQL.

A window is a bucket name and a period in seconds; the window in force is the period that
`now` falls in (`start = now // period * period`), so every process agrees on it without
talking. `hit` adds to each window it is given (one, or zero to read a count) and returns the new counts.

- SQLite: one process serves the node, so the counts live in this process's memory and a
  request costs no database write.
- PostgreSQL: every web process counts in the UNLOGGED `rate_limits` table, all windows of a
  request in one `INSERT … ON CONFLICT DO UPDATE … RETURNING` (one round trip, no
  transaction around it). Windows that ended are deleted by whichever process comes by
  first after PRUNE_EVERY_S.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

PRUNE_EVERY_S = 60.0
# Counters one process keeps at most (a few MB). Subjects come from requests (logins, tokens),
# so a flood of made-up ones must not grow memory without bound: past this, the oldest
# counters are forgotten first (which only ever lets a request through that might have waited).
MAX_MEMORY_WINDOWS = 100_000

_HIT_SQL = """
INSERT INTO rate_limits (bucket, window_start, hits, expires_at)
SELECT b, w, n, e FROM unnest($1::text[], $2::bigint[], $3::int[], $4::bigint[]) AS t(b, w, n, e)
ON CONFLICT (bucket, window_start) DO UPDATE SET hits = rate_limits.hits + EXCLUDED.hits
RETURNING bucket, hits
"""
_PRUNE_SQL = "DELETE FROM rate_limits WHERE expires_at <= :now"


@dataclass(frozen=True)
class Window:
    bucket: str  # what is counted, e.g. "sign_up:<digest of the address>"
    period: int  # seconds

    def start(self, now: float) -> int:
        return int(now // self.period) * self.period

    def end(self, now: float) -> int:
        return self.start(now) + self.period

    @property
    def key(self) -> str:
        """The stored name: the period is part of it, so changing a limit's period starts afresh."""
        return f"{self.bucket}/{self.period}"


class Counters(Protocol):
    async def hit(self, windows: Sequence[Window], now: float, amounts: Sequence[int] | None = None
                  ) -> list[int]:
        """Add `amounts` (default: one each) to distinct windows; their counts after that."""
        ...


class MemoryCounters:
    """One process's counts (SQLite nodes); windows that ended are dropped as time passes."""

    def __init__(self) -> None:
        self._counts: dict[tuple[str, int], int] = {}  # (window key, start): hits
        self._ends: dict[tuple[str, int], int] = {}  # when each counted window ends
        self._pruned_at = 0.0

    async def hit(self, windows: Sequence[Window], now: float, amounts: Sequence[int] | None = None
                  ) -> list[int]:
        if now - self._pruned_at >= PRUNE_EVERY_S:
            self._prune(now)
        counts = []
        for window, amount in zip(windows, amounts or [1] * len(windows), strict=True):
            slot = (window.key, window.start(now))
            self._counts[slot] = self._counts.get(slot, 0) + amount
            self._ends[slot] = window.end(now)
            counts.append(self._counts[slot])
        while len(self._counts) > MAX_MEMORY_WINDOWS:  # dicts keep insertion order: oldest first
            oldest = next(iter(self._counts))
            del self._counts[oldest], self._ends[oldest]
        return counts

    def _prune(self, now: float) -> None:
        self._pruned_at = now
        for slot in [slot for slot, end in self._ends.items() if end <= now]:
            del self._counts[slot], self._ends[slot]


class SharedCounters:
    """Counts in the `rate_limits` table, shared by every process on one PostgreSQL database."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine
        self._pruned_at = 0.0

    async def hit(self, windows: Sequence[Window], now: float, amounts: Sequence[int] | None = None
                  ) -> list[int]:
        if not windows:
            return []
        if now - self._pruned_at >= PRUNE_EVERY_S:
            self._pruned_at = now
            async with self._engine.begin() as conn:
                await conn.execute(text(_PRUNE_SQL), {"now": int(now)})
        keys = [w.key for w in windows]
        async with self._engine.connect() as conn:
            raw = await conn.get_raw_connection()
            driver: Any = raw.driver_connection
            rows = await driver.fetch(_HIT_SQL, keys, [w.start(now) for w in windows],
                                      list(amounts or [1] * len(windows)), [w.end(now) for w in windows])
        counts = {row["bucket"]: int(row["hits"]) for row in rows}
        return [counts[key] for key in keys]


def counters_for(engine: AsyncEngine) -> Counters:
    """In memory for SQLite (one serving process), the shared table for PostgreSQL."""
    if engine.dialect.name == "postgresql":
        return SharedCounters(engine)
    return MemoryCounters()
