"""Database engines: SQLite (embedded default) and PostgreSQL (scale-out), same code."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import event, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from storage.ids import set_process_tag

SQLITE_BUSY_TIMEOUT_MS = 10_000


class DatabaseUnavailable(Exception):
    """The database cannot be reached or opened; the message says which and what to check."""


def create_engine(database_url: str, *, pool_size: int = 10, echo: bool = False) -> AsyncEngine:
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        return _sqlite_engine(database_url, echo=echo)
    return create_async_engine(
        database_url,
        echo=echo,
        pool_size=pool_size,
        max_overflow=pool_size,
        pool_pre_ping=True,
        pool_recycle=1800,
    )


def _sqlite_engine(database_url: str, *, echo: bool) -> AsyncEngine:
    path = make_url(database_url).database or ""
    if path and path != ":memory:":
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    engine = create_async_engine(
        database_url,
        echo=echo,
        connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000},
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
