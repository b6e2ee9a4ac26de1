"""Rate-limit counters: fixed windows, in memory on SQLite, one shared table on PostgreSQL."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from storage import ratelimits
from storage.db import create_engine
from storage.models import RateLimitCounter
from storage.ratelimits import PRUNE_EVERY_S, MemoryCounters, SharedCounters, Window, counters_for
from tests.conftest import new_database

MINUTE = Window("sign_in_ip:192.0.2.1", 60)
HOUR = Window("sign_in_account:abc", 3600)
T0 = 1_800_000_000.0  # a multiple of 3600: the start of a window of each period


@pytest.fixture
async def pg_engines(tmp_path: Path, request: pytest.FixtureRequest
                     ) -> AsyncIterator[tuple[AsyncEngine, AsyncEngine]]:
    """Two engines (two processes' pools) on one migrated PostgreSQL database."""
    async for url in new_database("postgresql", tmp_path, request):
        engines = (create_engine(url), create_engine(url))
        yield engines
        for engine in engines:
            await engine.dispose()


async def test_each_window_counts_the_hits_in_its_period(engine: AsyncEngine) -> None:
    counters = counters_for(engine)
    assert await counters.hit([MINUTE, HOUR], T0) == [1, 1]
    assert await counters.hit([MINUTE, HOUR], T0 + 59) == [2, 2]
    assert await counters.hit([MINUTE, HOUR], T0 + 60) == [1, 3]  # a new minute, the same hour


async def test_an_amount_of_zero_reads_a_count_without_adding(engine: AsyncEngine) -> None:
    counters = counters_for(engine)
    await counters.hit([MINUTE], T0)
    assert await counters.hit([MINUTE, HOUR], T0, [0, 0]) == [1, 0]


async def test_the_period_is_part_of_the_window_so_a_new_limit_starts_afresh(engine: AsyncEngine) -> None:
    counters = counters_for(engine)
    await counters.hit([MINUTE], T0)
    assert await counters.hit([Window(MINUTE.bucket, 300)], T0) == [1]


async def test_sqlite_counts_in_memory_and_writes_nothing(sqlite_url: str) -> None:
    engine = create_engine(sqlite_url)
    try:
        counters = counters_for(engine)
        assert isinstance(counters, MemoryCounters)
        await counters.hit([MINUTE], T0)
        async with engine.connect() as conn:
            assert await conn.scalar(select(func.count()).select_from(RateLimitCounter)) == 0
    finally:
        await engine.dispose()


async def test_memory_counters_drop_windows_that_ended() -> None:
    counters = MemoryCounters()
    await counters.hit([MINUTE, HOUR], T0)
    await counters.hit([], T0 + PRUNE_EVERY_S + 1)
    assert list(counters._counts) == [(HOUR.key, int(T0))]


async def test_memory_counters_forget_the_oldest_beyond_their_cap(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ratelimits, "MAX_MEMORY_WINDOWS", 2)
    counters = MemoryCounters()
    await counters.hit([Window("a", 60), Window("b", 60)], T0)
    await counters.hit([Window("c", 60)], T0)
    assert [key for key, _ in counters._counts] == ["b/60", "c/60"]


async def test_two_processes_on_postgresql_share_a_count(pg_engines: tuple[AsyncEngine, AsyncEngine]
                                                         ) -> None:
    first, second = (SharedCounters(engine) for engine in pg_engines)
    await first.hit([MINUTE], T0)
    assert await second.hit([MINUTE], T0 + 1) == [2]


async def test_postgresql_prunes_windows_that_ended(pg_engines: tuple[AsyncEngine, AsyncEngine]) -> None:
    counters = SharedCounters(pg_engines[0])
    await counters.hit([MINUTE, HOUR], T0)
    await counters.hit([Window("other", 60)], T0 + PRUNE_EVERY_S + 1)
    async with pg_engines[0].connect() as conn:
        left = set((await conn.scalars(select(RateLimitCounter.bucket))).all())
    assert left == {HOUR.key, "other/60"}
