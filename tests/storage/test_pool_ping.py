"""`storage.db._ping_when_idle` (PostgreSQL): a pooled connection is pinged on checkout only
after it sat idle for IDLE_BEFORE_PING_S, and a failed ping gives the caller a fresh connection.

Time is storage.db's clock, replaced here (the event loop keeps the real one); pings are counted
by wrapping SQLAlchemy's asyncpg adapter's `ping`. The pool holds one connection, so "the next
checkout" is the same connection unless the pool replaced it (its backend pid says which)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
import pytest
from sqlalchemy import text
from sqlalchemy.dialects.postgresql.asyncpg import AsyncAdapt_asyncpg_connection
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine

from storage import db
from storage.db import IDLE_BEFORE_PING_S, create_engine
from tests.conftest import _asyncpg_dsn, new_database


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def monotonic(self) -> float:
        return self.now


@pytest.fixture
async def pg_url(tmp_path: Path, request: pytest.FixtureRequest) -> AsyncIterator[str]:
    """A database on the test PostgreSQL server (skipped when there is none)."""
    async for url in new_database("postgresql", tmp_path, request, migrated=False):
        yield url


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    found = Clock()
    monkeypatch.setattr(db, "time", found)
    return found


@pytest.fixture
def pings(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Each ping's outcome, "ok" or "failed", in order."""
    outcomes: list[str] = []
    real_ping = AsyncAdapt_asyncpg_connection.ping

    def counted_ping(self: AsyncAdapt_asyncpg_connection) -> None:
        try:
            real_ping(self)
        except Exception:
            outcomes.append("failed")
            raise
        outcomes.append("ok")

    monkeypatch.setattr(AsyncAdapt_asyncpg_connection, "ping", counted_ping)
    return outcomes


@pytest.fixture
async def engine(pg_url: str) -> AsyncIterator[AsyncEngine]:
    found = create_engine(pg_url, pool_size=1)
    yield found
    await found.dispose()


async def _backend_pid(engine: AsyncEngine) -> int:
    async with engine.connect() as conn:
        return int((await conn.execute(text("SELECT pg_backend_pid()"))).scalar_one())


async def _terminate(pg_url: str, pid: int) -> None:
    """End the server side of a connection, from another connection, and wait until it is gone."""
    admin = await asyncpg.connect(_asyncpg_dsn(pg_url))
    try:
        assert await admin.fetchval("SELECT pg_terminate_backend($1, 10000)", pid) is True
    finally:
        await admin.close()


async def test_a_connection_used_again_soon_is_not_pinged(engine: AsyncEngine, pings: list[str]) -> None:
    first = await _backend_pid(engine)
    assert await _backend_pid(engine) == first  # the real clock: well within the idle window
    assert pings == []


async def test_a_connection_is_pinged_only_after_the_idle_window(engine: AsyncEngine, pings: list[str],
                                                                 clock: Clock) -> None:
    first = await _backend_pid(engine)
    clock.now += IDLE_BEFORE_PING_S - 1
    assert await _backend_pid(engine) == first
    assert pings == []
    clock.now += IDLE_BEFORE_PING_S + 1
    assert await _backend_pid(engine) == first  # pinged, alive, kept
    assert pings == ["ok"]
    assert await _backend_pid(engine) == first  # checked in again just now: no second ping
    assert pings == ["ok"]


async def test_a_dead_idle_connection_is_replaced_before_the_caller_sees_it(
        engine: AsyncEngine, pg_url: str, pings: list[str], clock: Clock) -> None:
    first = await _backend_pid(engine)
    await _terminate(pg_url, first)
    clock.now += IDLE_BEFORE_PING_S + 1
    second = await _backend_pid(engine)  # no error: the failed ping made the pool connect again
    assert second != first
    assert pings == ["failed"]  # the new connection is fresh: not pinged
    assert await _backend_pid(engine) == second and pings == ["failed"]


async def test_within_the_idle_window_a_dead_connection_reaches_the_caller(
        engine: AsyncEngine, pg_url: str, pings: list[str], clock: Clock) -> None:
    """What the ping is for: without it, the caller's query meets the dead connection. (The
    pool then drops it, so only that one query fails.)"""
    first = await _backend_pid(engine)
    await _terminate(pg_url, first)
    with pytest.raises(DBAPIError) as failed:
        await _backend_pid(engine)
    assert failed.value.connection_invalidated
    assert pings == []
    assert await _backend_pid(engine) != first
