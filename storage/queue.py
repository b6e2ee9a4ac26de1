"""The durable job queue: enqueue in the caller's transaction, claim and complete in batches.

Every statement here is short: a claim takes up to `limit` ready rows in one UPDATE and
commits; the work happens with no transaction open; outcomes of many jobs are written in
one more transaction. `attempts` doubles as a fencing token: an outcome is only recorded if
the row still carries the attempt number that was claimed, so a worker whose lease ran out
cannot overwrite the run of the worker that took the job over.

*On SQLite* the kernel's hot path runs on the driver connection itself.

For the one transaction every batch runs (delete what finished, claim the next jobs),
SQLAlchemy's async layer costs more than SQLite takes to do the work: measured here, about
7 ms against 3 ms per 100 jobs. So on SQLite the worker sends these two statements to
aiosqlite directly, in the same single transaction; everything else, and every other
engine, goes through SQLAlchemy (`claim` builds the same statement there).
"""

from __future__ import annotations

import functools
import json
import random
import sqlite3
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Table, and_, bindparam, delete, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession

from storage.models.base import new_id
from storage.models.jobs import DEAD, QUEUED, Job

MAX_ERROR_CHARS = 2000
_JOBS: Table = Job.__table__  # type: ignore[assignment]  # the Core table: the kernel skips the ORM
_jobs = _JOBS.c


def now_ms() -> int:
    return time.time_ns() // 1_000_000


@dataclass(frozen=True)
class ClaimedJob:
    id: int
    kind: str
    payload: Any
    attempts: int  # including this run
    created_at: int
    lease_end: int = 0  # when the claim's lease ends; with `id`, it identifies this very claim


@dataclass(frozen=True)
class Outcome:
    """What happened to one claimed job. `retry_at=None` with an error means: give up."""

    job: ClaimedJob
    error: str | None = None
    retry_at: int | None = None

    @property
    def succeeded(self) -> bool:
        return self.error is None


@dataclass(frozen=True)
class RetryPolicy:
    """Exponential backoff with jitter, bounded by a number of attempts and a time horizon."""

    max_attempts: int = 8
    base_delay: float = 10.0  # seconds before the second attempt
    max_delay: float = 6 * 3600.0
    horizon: float = 3 * 86400.0  # never retry a job older than this

    def next_run(self, job: ClaimedJob, now: int, *, rng: random.Random | None = None) -> int | None:
        """When to try again, or None to give up."""
        if job.attempts >= self.max_attempts:
            return None
        delay = min(self.base_delay * 2 ** (job.attempts - 1), self.max_delay)
        delay *= (rng or random).uniform(0.8, 1.2)
        retry_at = now + int(delay * 1000)
        if retry_at - job.created_at > self.horizon * 1000:
            return None
        return retry_at


def job_row(kind: str, payload: Any, *, queue: str = "default", run_after: int | None = None,
            now: int | None = None) -> dict[str, Any]:
    now = now_ms() if now is None else now
    return {
        "id": new_id(),
        "queue": queue,
        "kind": kind,
        "payload": payload,
        "state": QUEUED,
        "attempts": 0,
        "run_after": now if run_after is None else run_after,
        "locked_until": 0,
        "created_at": now,
    }


async def enqueue(session: AsyncSession, kind: str, payload: Any, *, queue: str = "default",
                  delay_seconds: float = 0) -> int:
    """Add a job in the caller's transaction; it becomes visible when that commits."""
    now = now_ms()
    row = job_row(kind, payload, queue=queue, run_after=now + int(delay_seconds * 1000), now=now)
    await session.execute(insert(_JOBS), [row])
    return int(row["id"])


async def enqueue_many(session: AsyncSession | AsyncConnection, kind: str, payloads: Iterable[Any], *,
                       queue: str = "default") -> int:
    now = now_ms()
    rows = [job_row(kind, p, queue=queue, now=now) for p in payloads]
    if rows:
        await session.execute(insert(_JOBS), rows)  # Core: no ORM bulk-insert bookkeeping
    return len(rows)


_SQLITE_INSERT = ("INSERT INTO jobs (id, queue, kind, payload, state, attempts, run_after, locked_until, "
                  "created_at) VALUES (:id, :queue, :kind, :payload, :state, :attempts, :run_after, "
                  ":locked_until, :created_at)")


def enqueue_many_sqlite(conn: sqlite3.Connection, kind: str, payloads: Iterable[Any], *,
                        queue: str = "default") -> int:
    """`enqueue_many` on a direct `sqlite3` connection, in its transaction (storage/round_trips.py)."""
    now = now_ms()
    rows = [job_row(kind, p, queue=queue, now=now) for p in payloads]
    conn.executemany(_SQLITE_INSERT, [{**row, "payload": json.dumps(row["payload"])} for row in rows])
    return len(rows)


_POSTGRESQL_INSERT = (
    "INSERT INTO jobs (id, queue, kind, payload, state, attempts, run_after, locked_until, created_at) "
    "SELECT id, $2, $3, payload, $4, 0, $5, 0, $5 FROM unnest($1::bigint[], $6::json[]) AS t(id, payload)")


async def enqueue_many_asyncpg(conn: Any, kind: str, payloads: Sequence[Any], *,
                               queue: str = "default") -> int:
    """`enqueue_many` on a raw asyncpg connection, in its transaction: one statement for all rows."""
    if not payloads:
        return 0
    now = now_ms()
    await conn.execute(_POSTGRESQL_INSERT, [new_id() for _ in payloads], queue, kind, QUEUED, now,
                       [json.dumps(p) for p in payloads])
    return len(payloads)


async def claim(engine: AsyncEngine, queues: Sequence[str], *, limit: int, lease_ms: int,
                now: int | None = None, outcomes: Sequence[Outcome] = ()) -> list[ClaimedJob]:
    """Take up to `limit` ready jobs, hiding them from other workers until the lease ends.

    `outcomes` of earlier jobs, if given, are recorded in the same transaction: one commit
    instead of two when a worker finishes a batch and takes the next.
    """
    now = now_ms() if now is None else now
    if limit <= 0:
        await record(engine, outcomes, now=now)
        return []
    lease_end = now + lease_ms
    if engine.dialect.name == "sqlite" and all(o.succeeded for o in outcomes):
        done: dict[int, list[int]] = {}
        for outcome in outcomes:
            done.setdefault(outcome.job.lease_end, []).append(outcome.job.id)
        claimed = await finish_and_claim(engine, done, queues, limit=limit, now=now,
                                                      lease_end=lease_end)
        return sorted((ClaimedJob(*row, lease_end) for row in claimed), key=lambda j: j.id)
    async with engine.begin() as conn:
        await _record(conn, outcomes, now)
        statement = _claim_statement(engine.dialect.name, tuple(queues))
        rows = (await conn.execute(statement, {"now": now, "lease_end": lease_end, "limit": limit})).all()
    jobs = [ClaimedJob(r.id, r.kind, r.payload, r.attempts, r.created_at, lease_end) for r in rows]
    jobs.sort(key=lambda j: j.id)
    return jobs


@functools.lru_cache(maxsize=64)
def _claim_statement(dialect: str, queues: tuple[str, ...]) -> Any:
    """The claim UPDATE, built once per dialect and queue list (binds: now, lease_end, limit)."""
    ready = (
        select(_jobs.id)
        .where(_jobs.state == QUEUED, _jobs.queue.in_(queues), _jobs.run_after <= bindparam("now"))
        .order_by(_jobs.run_after, _jobs.id)
        .limit(bindparam("limit"))
    )
    if dialect == "postgresql":
        ready = ready.with_for_update(skip_locked=True)
    lease_end: Any = bindparam("lease_end")
    return (
        update(_JOBS)
        .where(_jobs.id.in_(ready.scalar_subquery()))
        .values(run_after=lease_end, locked_until=lease_end, attempts=_jobs.attempts + 1)
        .returning(_jobs.id, _jobs.kind, _jobs.payload, _jobs.attempts, _jobs.created_at)
    )


async def record(engine: AsyncEngine, outcomes: Sequence[Outcome], *, now: int | None = None) -> None:
    """Write the outcomes of many jobs in one transaction."""
    if not outcomes:
        return
    async with engine.begin() as conn:
        await _record(conn, outcomes, now_ms() if now is None else now)


async def _record(conn: AsyncConnection, outcomes: Sequence[Outcome], now: int) -> None:
    if not outcomes:
        return
    await _delete_done(conn, [o.job for o in outcomes if o.succeeded])
    for outcome in outcomes:
        if not outcome.succeeded:
            await _record_failure(conn, outcome, now)


_DELETE_DONE = (
    delete(_JOBS)
    .where(_jobs.id.in_(bindparam("ids", expanding=True)), _jobs.locked_until == bindparam("lease_end"))
)


async def _delete_done(conn: AsyncConnection, jobs: list[ClaimedJob]) -> None:
    """Delete finished jobs still held by the claim that ran them.

    A job claimed again after its lease ran out carries a later `locked_until`, so a worker
    that overran its lease cannot delete the run of the worker that took the job over.
    """
    by_claim: dict[int, list[int]] = {}
    for job in jobs:
        by_claim.setdefault(job.lease_end, []).append(job.id)
    for lease_end, ids in by_claim.items():
        for start in range(0, len(ids), 500):
            await conn.execute(_DELETE_DONE, {"ids": ids[start:start + 500], "lease_end": lease_end})


async def _record_failure(conn: AsyncConnection, outcome: Outcome, now: int) -> None:
    error = (outcome.error or "")[:MAX_ERROR_CHARS]
    values: dict[str, Any] = {"last_error": error, "locked_until": 0}
    if outcome.retry_at is None:
        values["state"] = DEAD
        values["run_after"] = now
    else:
        values["run_after"] = outcome.retry_at
    await conn.execute(
        update(Job)
        .where(and_(Job.id == outcome.job.id, Job.attempts == outcome.job.attempts))
        .values(**values)
    )


async def release(engine: AsyncEngine, jobs: Sequence[ClaimedJob], *, now: int | None = None) -> None:
    """Hand claimed but unstarted jobs back (on shutdown), without counting an attempt."""
    if not jobs:
        return
    now = now_ms() if now is None else now
    async with engine.begin() as conn:
        for job in jobs:
            await conn.execute(
                update(Job)
                .where(and_(Job.id == job.id, Job.attempts == job.attempts))
                .values(run_after=now, locked_until=0, attempts=Job.attempts - 1)
            )


@dataclass(frozen=True)
class QueueStats:
    queue: str
    kind: str
    ready: int
    running: int
    delayed: int
    dead: int


async def stats(engine: AsyncEngine, *, now: int | None = None) -> list[QueueStats]:
    now = now_ms() if now is None else now
    running = and_(Job.state == QUEUED, Job.locked_until > now)
    ready = and_(Job.state == QUEUED, Job.locked_until <= now, Job.run_after <= now)
    delayed = and_(Job.state == QUEUED, Job.locked_until <= now, Job.run_after > now)

    def count_if(cond: Any) -> Any:
        return func.sum(func.cast(cond, Job.attempts.type))

    stmt = (
        select(Job.queue, Job.kind, count_if(ready), count_if(running), count_if(delayed),
               count_if(Job.state == DEAD))
        .group_by(Job.queue, Job.kind)
        .order_by(Job.queue, Job.kind)
    )
    async with engine.connect() as conn:
        rows = (await conn.execute(stmt)).all()
    return [QueueStats(r[0], r[1], *(int(x or 0) for x in r[2:])) for r in rows]


async def retry_dead(engine: AsyncEngine, *, kind: str | None = None, queue: str | None = None,
                     now: int | None = None) -> int:
    """Put dead jobs back in the queue with a fresh attempt budget; returns how many."""
    now = now_ms() if now is None else now
    stmt = update(Job).where(Job.state == DEAD)
    if kind:
        stmt = stmt.where(Job.kind == kind)
    if queue:
        stmt = stmt.where(Job.queue == queue)
    stmt = stmt.values(state=QUEUED, attempts=0, run_after=now, locked_until=0, created_at=now)
    async with engine.begin() as conn:
        result = await conn.execute(stmt)
    return int(getattr(result, "rowcount", 0) or 0)


_CLAIM = (
    "UPDATE jobs SET attempts = attempts + 1, run_after = ?, locked_until = ? WHERE id IN ("
    "SELECT id FROM jobs WHERE state = 'queued' AND queue IN ({queues}) AND run_after <= ? "
    "ORDER BY run_after, id LIMIT ?) RETURNING id, kind, payload, attempts, created_at"
)
_DELETE = "DELETE FROM jobs WHERE locked_until = ? AND id IN ({ids})"
_CHUNK = 500

Row = tuple[int, str, Any, int, int]


async def finish_and_claim(engine: AsyncEngine, done: Mapping[int, Sequence[int]], queues: Sequence[str], *,
                           limit: int, now: int, lease_end: int) -> list[Row]:
    """Delete finished jobs (`{lease_end of their claim: ids}`) and claim up to `limit` more,
    in one transaction; a job claimed again since keeps its row (its lease end differs)."""
    async with engine.connect() as conn:
        db: Any = (await conn.get_raw_connection()).driver_connection  # an aiosqlite.Connection
        try:
            for claimed_until, ids in done.items():
                for start in range(0, len(ids), _CHUNK):
                    chunk = ids[start:start + _CHUNK]
                    await db.execute(_DELETE.format(ids=",".join("?" * len(chunk))), (claimed_until, *chunk))
            cursor = await db.execute(_CLAIM.format(queues=",".join("?" * len(queues))),
                                      (lease_end, lease_end, *queues, now, limit))
            rows = await cursor.fetchall()
            await cursor.close()
            await db.commit()
        except BaseException:
            await db.rollback()
            raise
    return [(r[0], r[1], json.loads(r[2]), r[3], r[4]) for r in rows]
