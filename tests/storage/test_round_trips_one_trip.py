"""`storage.round_trips`: a Core select run on the driver gives what SQLAlchemy gives.

Three paths: a file SQLite database (a reader thread, the rows as one JSON row), PostgreSQL
(the asyncpg connection of a pooled connection) and an in-memory SQLite database (the engine's
own connection). Tests taking `db_url` run on the first two; the `memory` ones on the third.
Values come back raw, without SQLAlchemy's result processing: on SQLite a datetime is the text
SQLAlchemy stored and a boolean is 0 or 1. The tests assert that form exactly."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Mapping, Sequence
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import (
    Boolean,
    Column,
    CompoundSelect,
    Integer,
    MetaData,
    Select,
    String,
    Table,
    bindparam,
    event,
    exists,
    func,
    insert,
    literal,
    select,
    union_all,
)
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine

from storage.db import create_engine, session_maker
from storage.models.base import ID_INTEGER, UTCDateTime
from storage.round_trips import OneTrip, PreparedSelect, sqlite_datetime

MEMORY_URL = "sqlite+aiosqlite:///:memory:"
Statement = Select[Any] | CompoundSelect[Any]

metadata = MetaData()
probes = Table(
    "one_trip_probes", metadata,
    Column("id", ID_INTEGER, primary_key=True, autoincrement=False),
    Column("name", String(200)),
    Column("flag", Boolean),
    Column("score", Integer),
    Column("at", UTCDateTime),
)

T0 = datetime(2026, 2, 28, 0, 0, tzinfo=UTC)
T1 = datetime(2026, 3, 1, 9, 30, 0, 250000, tzinfo=UTC)
T2 = datetime(2026, 3, 2, 18, 0, 0, 1, tzinfo=UTC)
T3 = datetime(2026, 3, 5, 0, 0, tzinfo=UTC)
BIG = 2**62 + 7  # a 64-bit id: must not lose precision in JSON
PAST_FLOAT = 2**53 + 1  # the first integer a double cannot hold
ODD_TEXT = 'quote " back\\slash\nnew line, ünïcödé 🎉 [1, "x"]'
ROWS: list[dict[str, Any]] = [
    {"id": BIG, "name": "plain", "flag": True, "score": 3, "at": T1},
    {"id": 5, "name": None, "flag": False, "score": None, "at": None},
    {"id": 11, "name": ODD_TEXT, "flag": None, "score": -4, "at": T2},
    {"id": PAST_FLOAT, "name": "", "flag": True, "score": 0, "at": T3},
]


async def _fill(engine: AsyncEngine, rows: Sequence[Mapping[str, Any]] = ROWS) -> None:
    async with engine.begin() as conn:
        await conn.run_sync(metadata.create_all)
        if rows:
            await conn.execute(insert(probes), list(rows))


@pytest.fixture
async def engine(db_url: str) -> AsyncIterator[AsyncEngine]:
    """conftest's engine, with the probe table filled."""
    found = create_engine(db_url)
    await _fill(found)
    yield found
    await found.dispose()


@pytest.fixture
async def memory_engine() -> AsyncIterator[AsyncEngine]:
    found = create_engine(MEMORY_URL)
    await _fill(found)
    yield found
    await found.dispose()


@pytest.fixture
async def trip(engine: AsyncEngine) -> AsyncIterator[OneTrip]:
    found = OneTrip(engine)
    yield found
    await found.close()


@pytest.fixture
async def memory_trip(memory_engine: AsyncEngine) -> AsyncIterator[OneTrip]:
    found = OneTrip(memory_engine)
    yield found
    await found.close()


def _on_reader_thread(engine: AsyncEngine) -> bool:
    url = engine.url
    return url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:")


async def _through_sqlalchemy(engine: AsyncEngine, statement: Statement, params: Mapping[str, Any]
                              ) -> tuple[list[tuple[Any, ...]], tuple[str, tuple[Any, ...]]]:
    """The rows of `statement` through an AsyncSession, and the SQL and values it sent the driver."""
    sent: list[tuple[str, tuple[Any, ...]]] = []

    def capture(_conn: Any, _cursor: Any, sql: str, parameters: Any, _context: Any, _many: bool) -> None:
        sent.append((sql, tuple(parameters)))

    event.listen(engine.sync_engine, "before_cursor_execute", capture)
    try:
        async with session_maker(engine)() as session:
            rows = [tuple(row) for row in (await session.execute(statement, dict(params))).all()]
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", capture)
    assert len(sent) == 1
    return rows, sent[0]


def _raw(engine: AsyncEngine, value: Any) -> Any:
    """`value` as SQLAlchemy returns it, in the raw form the driver returns it (documented)."""
    if engine.dialect.name != "sqlite":
        return value
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, datetime):
        return sqlite_datetime(value)
    return value


def _typed(rows: Sequence[Sequence[Any]]) -> list[list[tuple[type, Any]]]:
    """Values with their types, so that True never equals 1 and 3.0 never equals 3."""
    return [[(type(value), value) for value in row] for row in rows]


async def _same_rows(trip: OneTrip, key: str, statement: Statement, params: Mapping[str, Any] | None = None
                     ) -> list[tuple[Any, ...]]:
    """Asserts OneTrip's rows are SQLAlchemy's (in raw form), and returns SQLAlchemy's."""
    params = params or {}
    expected, _sent = await _through_sqlalchemy(trip.engine, statement, params)
    found = await trip.rows(trip.prepared(key, lambda: statement), params)
    assert _typed(found) == _typed([[_raw(trip.engine, value) for value in row] for row in expected])
    return expected


def _all_kinds() -> Statement:
    """Every column type, a column name twice (a self-join), a boolean expression and a
    literal, newest id first."""
    other = probes.alias("other")
    twin = probes.alias("twin")
    named = exists().where(twin.c.name == probes.c.name, twin.c.id != probes.c.id)
    return (select(probes.c.id, probes.c.name, probes.c.flag, probes.c.score, probes.c.at, other.c.id,
                   named, literal(7))
            .join(other, other.c.id == probes.c.id).order_by(probes.c.id.desc()))


# PreparedSelect.expand: the values SQLAlchemy itself sends


async def test_a_utc_datetime_binds_as_sqlalchemy_binds_it(engine: AsyncEngine, trip: OneTrip) -> None:
    statement = select(probes.c.id).where(probes.c.at >= bindparam("since", type_=UTCDateTime)
                                          ).order_by(probes.c.id)
    since = T2.astimezone(timezone(timedelta(hours=2)))  # the same instant, not in UTC
    sql, values = PreparedSelect(statement, engine.dialect).expand({"since": since})
    expected, sent = await _through_sqlalchemy(engine, statement, {"since": since})
    assert (sql, values) == sent
    if engine.dialect.name == "sqlite":
        assert values == ("2026-03-02 18:00:00.000001",)  # UTC, as the stored column's text
    else:
        assert values == (T2,) and values[0].utcoffset() == timedelta(0)
    # at the boundary: a value bound as local-time text ("20:00") would leave out row 11
    assert expected == [(11,), (PAST_FLOAT,)]
    assert await _same_rows(trip, "since", statement, {"since": since}) == expected
    strictly = select(probes.c.id).where(probes.c.at > bindparam("since", type_=UTCDateTime))
    assert await _same_rows(trip, "after", strictly, {"since": since}) == [(PAST_FLOAT,)]


async def test_an_expanding_in_list_expands(engine: AsyncEngine, trip: OneTrip) -> None:
    statement = (select(probes.c.id, probes.c.name).where(probes.c.id.in_(bindparam("ids", expanding=True)))
                 .order_by(probes.c.id))
    prepared = PreparedSelect(statement, engine.dialect)
    ids = [BIG, 5, 11]
    sql, values = prepared.expand({"ids": ids})
    assert values == tuple(ids)
    assert (sql, values) == (await _through_sqlalchemy(engine, statement, {"ids": ids}))[1]
    assert [row[0] for row in await _same_rows(trip, "in", statement, {"ids": ids})] == [5, 11, BIG]
    assert prepared.expand({"ids": [5]})[1] == (5,)  # one compiled statement, any length
    assert await _same_rows(trip, "in", statement, {"ids": []}) == []
    literal_list = select(probes.c.id).where(probes.c.id.in_([11, PAST_FLOAT])).order_by(probes.c.id)
    assert await _same_rows(trip, "literal in", literal_list) == [(11,), (PAST_FLOAT,)]


async def test_numbered_placeholders_follow_an_expanding_list(engine: AsyncEngine, trip: OneTrip) -> None:
    """SQLAlchemy numbers an expanded list's values after the statement's other parameters
    ($4..$7 here, between $1 and $2 in the text): each number must fetch the value written at
    its place. A shifted one binds text to an integer or the wrong bound, and fails or differs."""
    statement = (select(probes.c.id).where(probes.c.score > bindparam("low", type_=Integer),
                                           probes.c.id.in_(bindparam("ids", expanding=True)),
                                           probes.c.name != bindparam("not_name", type_=String))
                 .order_by(probes.c.id).limit(1))
    params = {"low": -10, "ids": [BIG, 5, 11, PAST_FLOAT], "not_name": "plain"}
    sql, values = PreparedSelect(statement, engine.dialect).expand(params)
    assert (sql, values) == (await _through_sqlalchemy(engine, statement, params))[1]
    sqlite = engine.dialect.name == "sqlite"
    if sqlite:
        assert sql.count("?") == len(values)
        in_text_order = list(values)
    else:
        numbers = [int(n) for n in re.findall(r"\$(\d+)", sql)]
        assert sorted(numbers) == list(range(1, len(values) + 1))
        in_text_order = [values[n - 1] for n in numbers]
    # the WHERE clause's values as written, then LIMIT 1 (and SQLite's OFFSET 0)
    assert in_text_order == [-10, BIG, 5, 11, PAST_FLOAT, "plain", 1] + ([0] if sqlite else [])
    assert await _same_rows(trip, "limit", statement, params) == [(11,)]
    assert await _same_rows(trip, "limit", statement, params | {"low": -1}) == [(PAST_FLOAT,)]


# OneTrip.rows: SQLAlchemy's rows, raw


async def test_rows_are_sqlalchemys_rows_in_raw_form(engine: AsyncEngine, trip: OneTrip) -> None:
    assert _on_reader_thread(engine) == (engine.dialect.name == "sqlite")
    expected = await _same_rows(trip, "all kinds", _all_kinds())
    assert [row[0] for row in expected] == [BIG, PAST_FLOAT, 11, 5]
    assert expected[0][:6] == (BIG, "plain", True, 3, T1, BIG)
    assert expected[2][1] == ODD_TEXT and expected[2][2] is None
    await _check_union_all(trip)


async def test_rows_in_memory_are_sqlalchemys_rows_in_raw_form(memory_trip: OneTrip) -> None:
    assert not _on_reader_thread(memory_trip.engine)
    expected = await _same_rows(memory_trip, "all kinds", _all_kinds())
    assert [row[0] for row in expected] == [BIG, PAST_FLOAT, 11, 5]
    await _check_union_all(memory_trip)


async def _check_union_all(trip: OneTrip) -> None:
    """A compound select, as the home page's statement is: both halves, in order."""
    first = select(literal(1), probes.c.id).where(probes.c.score >= 0)
    second = select(literal(0), probes.c.id).where(probes.c.flag.is_(False))
    statement = union_all(first, second).order_by("id")
    assert await _same_rows(trip, "union", statement) == [(0, 5), (1, PAST_FLOAT), (1, BIG)]


async def test_datetimes_and_booleans_come_back_raw(engine: AsyncEngine, trip: OneTrip) -> None:
    """The documented form, spelt out: text and 0/1 on SQLite, the driver's types on PostgreSQL."""
    statement = select(probes.c.at, probes.c.flag).where(probes.c.id == BIG)
    [(at, flag)] = await trip.rows(trip.prepared("raw", lambda: statement), {})
    if engine.dialect.name == "sqlite":
        assert (at, flag) == ("2026-03-01 09:30:00.250000", 1) and type(flag) is int
    else:
        assert (at, flag) == (T1, True) and at.utcoffset() == timedelta(0)


async def test_raw_forms_in_memory(memory_trip: OneTrip) -> None:
    statement = select(probes.c.at, probes.c.flag).where(probes.c.id == BIG)
    [row] = await memory_trip.rows(memory_trip.prepared("raw", lambda: statement), {})
    assert tuple(row) == ("2026-03-01 09:30:00.250000", 1)


async def test_no_rows_is_an_empty_list(engine: AsyncEngine, trip: OneTrip) -> None:
    statement = select(probes.c.id, probes.c.name).where(probes.c.id < 0)
    assert await trip.rows(trip.prepared("none", lambda: statement), {}) == []
    async with engine.begin() as conn:
        await conn.execute(probes.delete())
    assert await trip.rows(trip.prepared("all kinds", _all_kinds), {}) == []


async def test_no_rows_in_memory_is_an_empty_list(memory_trip: OneTrip) -> None:
    statement = select(probes.c.id, probes.c.name).where(probes.c.id < 0)
    assert await memory_trip.rows(memory_trip.prepared("none", lambda: statement), {}) == []


# prepared(), datetime_keys, close(), freshness


async def test_build_runs_once_per_key(sqlite_url: str) -> None:
    engine = create_engine(sqlite_url)
    trip = OneTrip(engine)
    built: list[str] = []

    def build(name: str) -> Statement:
        built.append(name)
        return select(literal(name))

    try:
        first = trip.prepared("a", lambda: build("a"))
        assert trip.prepared("a", lambda: build("a again")) is first
        other = trip.prepared(("b", 2), lambda: build("b"))
        assert other is not first and trip.prepared(("b", 2), lambda: build("b again")) is other
        assert built == ["a", "b"]
        assert await trip.rows(first, {}) == [["a"]] and await trip.rows(other, {}) == [["b"]]
    finally:
        await trip.close()
        await engine.dispose()


async def test_datetime_keys_name_the_times_a_statement_was_built_with(engine: AsyncEngine, trip: OneTrip
                                                                       ) -> None:
    """A statement comparing with "now" at its building is run with the current time."""
    statement = select(probes.c.id).where(probes.c.at > T0).order_by(probes.c.id)  # an anonymous parameter
    prepared = trip.prepared("since built", lambda: statement)
    assert len(prepared.datetime_keys) == 1
    assert await _same_rows(trip, "since built", statement) == [(11,), (PAST_FLOAT,), (BIG,)]
    later = dict.fromkeys(prepared.datetime_keys, T2)
    assert [tuple(row) for row in await trip.rows(prepared, later)] == [(PAST_FLOAT,)]

    named = select(probes.c.id).where(probes.c.at < bindparam("until", value=T2, type_=UTCDateTime))
    assert trip.prepared("named", lambda: named).datetime_keys == ["until"]
    plain = select(probes.c.id).where(probes.c.score > 0, probes.c.name == bindparam("name", type_=String))
    assert trip.prepared("plain", lambda: plain).datetime_keys == []


async def test_close_closes_the_reader_and_twice_is_harmless(sqlite_url: str) -> None:
    """The last connection to a WAL database to close removes its -wal file: while it exists
    after the engine is gone, the reader is open; once it is gone, the reader is closed."""
    engine = create_engine(sqlite_url)
    await _fill(engine)
    trip = OneTrip(engine)
    five = trip.prepared("five", lambda: select(probes.c.id).where(probes.c.id == 5))
    assert await trip.rows(five, {}) == [[5]]
    await engine.dispose()
    wal = Path(f"{make_url(sqlite_url).database}-wal")
    assert wal.exists()
    await trip.close()
    assert not wal.exists()
    await trip.close()
    with pytest.raises(RuntimeError, match="closed"):  # not a wrongly shaped answer from the engine
        await trip.rows(five, {})


async def test_close_without_a_reader_is_harmless(memory_trip: OneTrip) -> None:
    await memory_trip.close()
    await memory_trip.close()


async def test_a_row_written_after_the_reader_opened_is_seen(sqlite_url: str) -> None:
    engine = create_engine(sqlite_url)
    await _fill(engine, ROWS[:1])
    trip = OneTrip(engine)
    try:
        prepared = trip.prepared("ids", lambda: select(probes.c.id).order_by(probes.c.id))
        assert await trip.rows(prepared, {}) == [[BIG]]
        for row in ROWS[1:]:
            async with engine.begin() as conn:
                await conn.execute(insert(probes), [row])
            seen = await trip.rows(prepared, {})
            assert [found for found, in seen] == sorted(r["id"] for r in ROWS[:ROWS.index(row) + 1])
    finally:
        await trip.close()
        await engine.dispose()


async def test_a_generic_plan_statement_runs_where_postgresql_keeps_one_plan(engine: AsyncEngine,
                                                                           trip: OneTrip) -> None:
    """PostgreSQL: `generic_plan=True` statements run on connections set to one generic plan;
    the others keep PostgreSQL's own choice. SQLite has no such setting: both run alike."""
    mode = select(probes.c.id, func.current_setting("plan_cache_mode")).where(probes.c.id == 5)
    if engine.dialect.name != "postgresql":
        plain = trip.prepared("plain", lambda: select(probes.c.id).where(probes.c.id == 5))
        generic = trip.prepared("generic", lambda: select(probes.c.id).where(probes.c.id == 5),
                                generic_plan=True)
        assert await trip.rows(plain, {}) == await trip.rows(generic, {}) == [[5]]
        return
    assert await trip.rows(trip.prepared("auto", lambda: mode), {}) == [(5, "auto")]
    generic = trip.prepared("generic", lambda: mode, generic_plan=True)
    assert await trip.rows(generic, {}) == [(5, "force_generic_plan")]
    async with engine.connect() as conn:  # the engine's own pool is left as it was
        assert (await conn.execute(select(func.current_setting("plan_cache_mode")))).scalar() == "auto"
