"""The direct SQLite path: whole transactions in one hop, rows SQLAlchemy reads back as its own."""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from storage import queue
from storage.db import create_engine, session_maker
from storage.models import InboxItem, Job
from storage.round_trips import SqliteDirect, sqlite_datetime


@pytest.fixture
async def direct(sqlite_url: str) -> AsyncIterator[SqliteDirect]:
    found = SqliteDirect.for_url(sqlite_url)
    assert found is not None
    yield found
    await found.close()


def test_only_file_databases_get_a_direct_connection() -> None:
    assert SqliteDirect.for_url("postgresql+asyncpg://amity@localhost/amity") is None
    assert SqliteDirect.for_url("sqlite+aiosqlite:///:memory:") is None
    assert SqliteDirect.for_url("sqlite+aiosqlite:////srv/amity/amity.db") is not None


def _insert_item(conn: sqlite3.Connection, item_id: int, when: datetime) -> None:
    conn.execute("INSERT INTO inbox_items (id, activity_id, actor_uri, signer_uri, body, received_at) "
                 "VALUES (?, ?, ?, ?, ?, ?)",
                 (item_id, f"https://remote.example/a/{item_id}", "https://remote.example/u",
                  "https://remote.example/u", '{"type": "Like"}', sqlite_datetime(when)))


async def test_a_committed_row_reads_back_through_sqlalchemy_unchanged(sqlite_url: str,
                                                                       direct: SqliteDirect) -> None:
    when = datetime(2026, 11, 27, 10, 5, 56, 123456, tzinfo=UTC)
    await direct.transaction(lambda conn: _insert_item(conn, 7, when))
    engine = create_engine(sqlite_url)
    try:
        async with session_maker(engine)() as session:
            item = await session.get(InboxItem, 7)
    finally:
        await engine.dispose()
    assert item is not None
    assert item.received_at == when and item.received_at.tzinfo is not None
    assert item.body == {"type": "Like"}


async def test_a_failing_transaction_leaves_nothing(sqlite_url: str, direct: SqliteDirect) -> None:
    def half_then_fail(conn: sqlite3.Connection) -> None:
        _insert_item(conn, 1, datetime.now(UTC))
        queue.enqueue_many_sqlite(conn, "inbox.process", [{"item_id": 1}])
        raise RuntimeError("disk on fire")

    with pytest.raises(RuntimeError, match="disk on fire"):
        await direct.transaction(half_then_fail)
    counts = await direct.read(lambda conn: conn.execute(
        "SELECT (SELECT count(*) FROM inbox_items), (SELECT count(*) FROM jobs)").fetchone())
    assert counts == (0, 0)
    await direct.transaction(lambda conn: _insert_item(conn, 2, datetime.now(UTC)))  # still usable
    assert await direct.read(lambda conn: conn.execute("SELECT id FROM inbox_items").fetchall()) == [(2,)]


async def test_jobs_queued_directly_are_claimed_by_the_kernel(sqlite_url: str, direct: SqliteDirect) -> None:
    payloads = [{"item_id": n} for n in range(5)]
    assert await direct.transaction(
        lambda conn: queue.enqueue_many_sqlite(conn, "inbox.process", payloads)) == 5
    engine = create_engine(sqlite_url)
    try:
        claimed = await queue.claim(engine, ["default"], limit=10, lease_ms=60_000)
        async with session_maker(engine)() as session:
            remaining = await session.scalar(select(func.count()).select_from(Job))
    finally:
        await engine.dispose()
    assert sorted(job.payload["item_id"] for job in claimed) == list(range(5))
    assert {job.kind for job in claimed} == {"inbox.process"}
    assert remaining == 5  # claimed, leased, not yet finished
