"""Database engines: SQLite (embedded default) and PostgreSQL (scale-out), same code."""

from __future__ import annotations

import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from sqlalchemy import event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from storage.models.base import set_process_tag

SQLITE_BUSY_TIMEOUT_MS = 10_000


class DatabaseUnavailable(Exception):
    """The database cannot be reached or opened; the message says which and what to check."""


# Connections a process keeps open: at least the requests a web process serves at once, or
# every burst above it opens (and closes) connections, which costs more than its queries.
POOL_SIZE = 20
POOL_OVERFLOW = 10
IDLE_BEFORE_PING_S = 30.0


def create_engine(database_url: str, *, pool_size: int = POOL_SIZE, max_overflow: int = POOL_OVERFLOW,
                  server_settings: Mapping[str, str] | None = None, echo: bool = False) -> AsyncEngine:
    """`server_settings`: PostgreSQL settings for each connection of this engine's pool."""
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        return _sqlite_engine(database_url, echo=echo, pool_size=pool_size)
    engine = create_async_engine(
        database_url,
        echo=echo,
        pool_size=pool_size,
        max_overflow=max_overflow,
        pool_recycle=1800,
        connect_args={"server_settings": dict(server_settings)} if server_settings else {},
    )
    _ping_when_idle(engine)
    return engine


def _ping_when_idle(engine: AsyncEngine) -> None:
    """Check a pooled connection before use only if it sat idle for IDLE_BEFORE_PING_S.

    `pool_pre_ping` checks every checkout, and asyncpg's ping is three round trips (BEGIN,
    the ping, ROLLBACK): on a busy node that was more than the page's own query. A connection
    in steady use has just proved itself; one that sat idle may have been closed by a server
    restart or a firewall, and a failed ping makes the pool open a fresh one (SQLAlchemy's
    documented pessimistic disconnect handling)."""
    pool = engine.sync_engine.pool

    def checked_in(_dbapi_connection: Any, record: Any) -> None:
        record.info["idle_since"] = time.monotonic()

    def checked_out(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        since = record.info.get("idle_since")
        if since is None or time.monotonic() - since < IDLE_BEFORE_PING_S:
            return
        try:
            dbapi_connection.ping()
        except Exception as exc:
            raise DisconnectionError(f"a pooled connection failed its ping: {exc}") from exc

    event.listen(pool, "checkin", checked_in)
    event.listen(pool, "checkout", checked_out)


def _sqlite_engine(database_url: str, *, echo: bool, pool_size: int) -> AsyncEngine:
    path = make_url(database_url).database or ""
    in_memory = path in ("", ":memory:")
    if not in_memory:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    # each connection is a thread of aiosqlite's: opening one is not free. An in-memory
    # database has SQLAlchemy's StaticPool (its one connection), which takes no sizes.
    sizes = {} if in_memory else {"pool_size": pool_size, "max_overflow": POOL_OVERFLOW}
    engine = create_async_engine(
        database_url,
        echo=echo,
        connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000},
        **sizes,
    )
    event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
    return engine


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA synchronous=NORMAL")  # safe with WAL: a crash loses no committed data
    cursor.close()


def session_maker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)


def is_sqlite(engine: AsyncEngine) -> bool:
    return engine.dialect.name == "sqlite"


def describe(database_url: str) -> str:
    """The database URL with any password hidden, for messages and logs."""
    return make_url(database_url).render_as_string(hide_password=True)



PROCESS_TAG_SEQUENCE = "amity_process_tags"  # PostgreSQL only, created by migration 0001


async def claim_process_tag(engine: AsyncEngine) -> None:
    """Give this process an id tag no other running process has (PostgreSQL).

    On SQLite one process owns the database, and the random tag it starts with is enough.
    """
    if engine.dialect.name != "postgresql":
        return
    async with engine.begin() as conn:
        tag = (await conn.execute(text(f"SELECT nextval('{PROCESS_TAG_SEQUENCE}')"))).scalar_one()
    set_process_tag(int(tag))
