"""Fewer round trips for the hot paths: coalesced callers, whole SQLite transactions in one
thread hop (`SqliteDirect`), a select in one trip to the driver (`OneTrip`).

*Whole SQLite transactions in one thread hop*, for the few hot paths that need it.

Through SQLAlchemy's async layer every statement, cursor and commit is its own trip to
aiosqlite's thread, and on these machines each trip costs the event loop about 45 µs of
CPU (a queue put, a self-pipe wake-up, an epoll round): a small group commit of the inbox
took 12 trips and 2.7 ms of event-loop CPU. Here a plain function runs a whole transaction
on a dedicated `sqlite3` connection in its own thread, and the loop pays for one trip.

Only for short write transactions that would otherwise be SQLAlchemy Core statements
(inbox group commits, batched key reads); the rest of Amity, and every PostgreSQL
deployment, goes through SQLAlchemy. The connection has the same pragmas as the engine's.

*Coalescing* (`Coalescer`): concurrent callers' items handled by one call instead of one call each.

Under load, items that arrive while a run is in progress wait for the next run, which takes
all of them at once (one database round trip or one transaction for many requests). When
nothing else is waiting, an item runs alone, at once: coalescing never adds a delay.

*A Core select in one trip* to the database, for the hottest read (a warm home page).

Through SQLAlchemy's async layer one select is many trips: on SQLite the cursor, the
execute, the fetch, the close and the pool's rollback are each a hop to aiosqlite's thread
(with sixteen pooled connections, sixteen threads contend for the GIL); on PostgreSQL the
session and the result machinery come on top of the round trip. Measured on a warm home
page, that was most of its cost (docs/design/performance.md). Here a statement compiled
once for the engine's dialect runs on the driver itself:

- SQLite: on one reader `sqlite3` connection in its own thread (`SqliteDirect.read`), one
  hop per statement; WAL lets it read beside the writers;
- PostgreSQL: on the asyncpg connection of a pooled SQLAlchemy connection (the pool's
  idle ping and reset still apply), one round trip.

PostgreSQL plans a prepared statement anew on each run (a custom plan) for as long as it
estimates that cheaper than its one generic plan. For the home page at a million statuses that
was 6 ms of planning for 2 ms of work, on every page. A statement that walks the same indexes
whatever its values (the home page) is prepared with `generic_plan=True` and runs on a second,
small pool whose connections set `plan_cache_mode = force_generic_plan`; the others (a tag's
timeline, where a rare and a common tag want different plans) keep PostgreSQL's choice.

Parameters go through SQLAlchemy's own bind processing (`construct_expanded_state`), so
any column type binds as the engine would bind it. Rows come back as the driver returns
them, without result processing: datetimes are text and booleans 0 or 1 on SQLite. Callers
use them as opaque versions and ids, never render them.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Awaitable, Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from functools import cached_property
from typing import Any, Generic, TypeVar

import orjson
from sqlalchemy import func, select
from sqlalchemy.engine import Dialect, make_url
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.sql import visitors
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.elements import BindParameter
from sqlalchemy.sql.selectable import SelectBase

from storage.db import SQLITE_BUSY_TIMEOUT_MS, create_engine

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


Item = TypeVar("Item")
Result = TypeVar("Result")


class Coalescer(Generic[Item, Result]):
    """`await submit(item)` returns `run(batch)[i]` for the batch the item was part of.

    If `run` raises, every caller of that batch gets the exception; the next batch runs anyway.
    """

    def __init__(self, run: Callable[[list[Item]], Awaitable[Sequence[Result]]], *, max_batch: int) -> None:
        self._run = run
        self._max_batch = max_batch
        self._pending: list[tuple[Item, asyncio.Future[Result]]] = []
        self._runner: asyncio.Task[None] | None = None

    async def submit(self, item: Item) -> Result:
        done: asyncio.Future[Result] = asyncio.get_running_loop().create_future()
        self._pending.append((item, done))
        if self._runner is None or self._runner.done():
            self._runner = asyncio.create_task(self._run_all())
        return await done

    async def _run_all(self) -> None:
        while self._pending:
            batch, self._pending = self._pending[:self._max_batch], self._pending[self._max_batch:]
            try:
                results = await self._run([item for item, _ in batch])
            except BaseException as exc:  # handed to every waiting caller
                for _, done in batch:
                    if not done.done():
                        done.set_exception(exc)
                if isinstance(exc, asyncio.CancelledError):
                    raise
                continue
            for (_, done), result in zip(batch, results, strict=True):
                if not done.done():
                    done.set_result(result)


# PostgreSQL connections for generic-plan statements, per process: more statements than this
# at once wait for one (each is a few ms of a server's core) rather than open more.
GENERIC_POOL_SIZE = 4


class PreparedSelect:
    """A select compiled once for one dialect (to run with a generic plan, see above).

    A statement that compares with "now" (a mute's end) was built with the time of its
    building; `datetime_keys` names those parameters, and a run passes the current time."""

    def __init__(self, statement: SelectBase, dialect: Dialect, *, generic_plan: bool = False) -> None:
        self.generic_plan = generic_plan
        compiled = statement.compile(dialect=dialect)
        assert isinstance(compiled, SQLCompiler)
        self.compiled = compiled
        found = {name: bind.type.dialect_impl(dialect).bind_processor(dialect)
                 for name, bind in compiled.binds.items()}
        self._processors = {name: processor for name, processor in found.items() if processor is not None}
        self._statement = statement

        # Without expanding (`IN` list) parameters the text never changes: it is kept from the
        # first run, with each position's parameter (construct_expanded_state is a tenth of a
        # warm page). Literal-rendered constants (a separator) are part of the kept text.
        self._constant_text = not compiled.post_compile_params
        self._fixed: tuple[str, list[tuple[str, BindParameter[Any]]]] | None = None

    @cached_property
    def datetime_keys(self) -> list[str]:
        """Walked on first use only: statements compiled for one run never ask."""
        return sorted({bind.key for bind in visitors.iterate(self._statement)
                       if isinstance(bind, BindParameter) and isinstance(bind.value, datetime)})

    def expand(self, params: Mapping[str, Any]) -> tuple[str, tuple[Any, ...]]:
        """The SQL text and its positional values, bound as SQLAlchemy binds them."""
        if self._fixed is not None:
            return self._fixed[0], self._values(self._fixed[1], params)
        state = self.compiled.construct_expanded_state(dict(params))
        names = state.positiontup or ()
        if self._constant_text:
            self._fixed = (state.statement, [(name, self.compiled.binds[name]) for name in names])
        processors = {**self._processors, **state.processors}  # the latter: expanded IN (...) values
        values = tuple(processors[name](state.parameters[name]) if name in processors
                       else state.parameters[name] for name in names)
        return state.statement, values

    def _values(self, binds: list[tuple[str, BindParameter[Any]]], params: Mapping[str, Any]
                ) -> tuple[Any, ...]:
        values = []
        for name, bind in binds:
            if bind.key in params:
                value = params[bind.key]
            elif bind.required:
                raise KeyError(f"a value is required for the parameter {bind.key!r}")
            else:
                value = bind.effective_value
            processor = self._processors.get(name)
            values.append(value if processor is None else processor(value))
        return tuple(values)


def _as_one_json_row(statement: SelectBase) -> SelectBase:
    """The statement's rows as one JSON array of arrays, in one row. `sqlite3` releases the GIL
    around each step of a statement and takes it back for each row; with the event loop busy
    in the other thread, forty rows were forty hand-overs of the GIL. One row is one."""
    rows = statement.subquery("rows")
    return select(func.json_group_array(func.json_array(*rows.c))).select_from(rows)


class OneTrip:
    """Runs `PreparedSelect`s on the engine's driver (see the module docstring)."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self.dialect = engine.dialect
        self._reader = SqliteDirect.for_url(engine.url.render_as_string(hide_password=False))
        self._statements: dict[Any, PreparedSelect] = {}
        self._generic: AsyncEngine | None = None  # PostgreSQL: the pool for generic plans
        self._closed = False
        self.observers: list[Callable[[str], None]] = []  # told each statement's text (tests count them)

    def prepared(self, key: Any, build: Callable[[], SelectBase], *,
                 generic_plan: bool = False) -> PreparedSelect:
        """The statement kept under `key`, compiled from `build()` the first time."""
        found = self._statements.get(key)
        if found is None:
            found = self._statements[key] = self._prepare(build(), generic_plan)
        return found

    def _prepare(self, statement: SelectBase, generic_plan: bool = False) -> PreparedSelect:
        return PreparedSelect(_as_one_json_row(statement) if self._reader is not None else statement,
                              self.dialect, generic_plan=generic_plan)

    def _engine_for(self, prepared: PreparedSelect) -> AsyncEngine:
        if not prepared.generic_plan or self.dialect.name != "postgresql":
            return self.engine
        if self._generic is None:
            self._generic = create_engine(self.engine.url.render_as_string(hide_password=False),
                                          pool_size=GENERIC_POOL_SIZE, max_overflow=0,
                                          server_settings={"plan_cache_mode": "force_generic_plan"})
        return self._generic

    async def run(self, statement: SelectBase, params: Mapping[str, Any] | None = None
                  ) -> Sequence[Sequence[Any]]:
        """A statement used once (its values are in it): compiled now, then as `rows`."""
        return await self.rows(self._prepare(statement), params or {})

    async def rows(self, prepared: PreparedSelect, params: Mapping[str, Any]) -> Sequence[Sequence[Any]]:
        if self._closed:
            raise RuntimeError("this OneTrip is closed (the node is shutting down)")
        sql, values = prepared.expand(params)
        for observer in self.observers:
            observer(sql)
        if self._reader is not None:
            found = await self._reader.read(lambda conn: conn.execute(sql, values).fetchone())
            return orjson.loads(found[0]) if found else []
        async with self._engine_for(prepared).connect() as conn:
            if self.dialect.name == "postgresql":
                raw = await conn.get_raw_connection()
                driver: Any = raw.driver_connection
                return list(await driver.fetch(sql, *values))
            # an in-memory SQLite database: only the engine's own connection sees it
            return list((await conn.exec_driver_sql(sql, values)).all())

    async def close(self) -> None:
        """Close the SQLite reader; no statement runs after this."""
        if self._closed:
            return
        self._closed = True
        if self._reader is not None:
            await self._reader.close()
        if self._generic is not None:
            await self._generic.dispose()
