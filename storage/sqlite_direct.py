"""Whole SQLite transactions in one thread hop, for the few hot paths that need it.

Through SQLAlchemy's async layer every statement, cursor and commit is its own trip to
aiosqlite's thread, and on these machines each trip costs the event loop about 45 µs of
CPU (a queue put, a self-pipe wake-up, an epoll round): a small group commit of the inbox
took 12 trips and 2.7 ms of event-loop CPU. Here a plain function runs a whole transaction
on a dedicated `sqlite3` connection in its own thread, and the loop pays for one trip.

Only for short write transactions that would otherwise be SQLAlchemy Core statements
(inbox group commits, batched key reads); the rest of Amity, and every PostgreSQL
deployment, goes through SQLAlchemy. The connection has the same pragmas as the engine's.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from typing import TypeVar

from sqlalchemy.engine import make_url

from storage.db import SQLITE_BUSY_TIMEOUT_MS

T = TypeVar("T")


def sqlite_datetime(value: datetime) -> str:
    """A `UTCDateTime` value as SQLAlchemy stores it on SQLite (naive UTC text)."""
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


class SqliteDirect:
    """One `sqlite3` connection on one thread; `transaction(fn)` runs `fn(conn)` inside
    BEGIN IMMEDIATE … COMMIT (ROLLBACK if it raises) and returns its result."""

    def __init__(self, path: str) -> None:
        self._path = path
        self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="amity-sqlite-direct")
        self._conn: sqlite3.Connection | None = None

    @classmethod
    def for_url(cls, database_url: str) -> SqliteDirect | None:
        """A direct connection for a SQLite file database; None for PostgreSQL or in-memory."""
        url = make_url(database_url)
        if url.get_backend_name() != "sqlite" or url.database in (None, "", ":memory:"):
            return None
        return cls(url.database)

    async def transaction(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        return await asyncio.get_running_loop().run_in_executor(self._thread, self._run, fn)

    async def read(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        """`fn(conn)` outside any explicit transaction (one consistent statement or more)."""
        return await asyncio.get_running_loop().run_in_executor(self._thread, self._read, fn)

    async def close(self) -> None:
        await asyncio.get_running_loop().run_in_executor(self._thread, self._close)
        self._thread.shutdown(wait=True)

    def _connection(self) -> sqlite3.Connection:
        if self._conn is None:
            conn = sqlite3.connect(self._path, timeout=SQLITE_BUSY_TIMEOUT_MS / 1000,
                                   isolation_level=None, check_same_thread=False)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA foreign_keys=ON")
            conn.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
            conn.execute("PRAGMA synchronous=NORMAL")
            self._conn = conn
        return self._conn

    def _run(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        conn = self._connection()
        conn.execute("BEGIN IMMEDIATE")  # the write lock first: no upgrade deadlock mid-way
        try:
            result = fn(conn)
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")
        return result

    def _read(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        return fn(self._connection())

    def _close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None
