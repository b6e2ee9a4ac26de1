"""Workers run handlers, retry with backoff, give up, and never run a job twice."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Awaitable, Callable

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from storage import queue
from storage.db import session_maker
from storage.models import DEAD, Job
from storage.queue import RetryPolicy
from storage.worker import GiveUp, JobContext, Registry, RetryLater, Worker, drain


class Clock:
    """A clock the test moves by hand, so backoff and leases need no sleeping."""

    def __init__(self) -> None:
        self.ms = queue.now_ms()

    def __call__(self) -> int:
        return self.ms

    def advance_to(self, ms: int) -> None:
        self.ms = max(self.ms, ms)


async def _enqueue(engine: AsyncEngine, kind: str, payloads: list[dict[str, int]]) -> None:
    async with session_maker(engine)() as session, session.begin():
        await queue.enqueue_many(session, kind, payloads)


async def _rows(engine: AsyncEngine) -> list[Job]:
    async with session_maker(engine)() as session:
        return list((await session.scalars(select(Job))).all())


async def test_drain_runs_each_job_once_including_jobs_enqueued_by_jobs(engine: AsyncEngine) -> None:
    seen: list[int] = []

    async def parent(ctx: JobContext) -> None:
        seen.append(ctx.payload["n"])
        async with session_maker(engine)() as session, session.begin():
            await queue.enqueue(session, "child", {"n": ctx.payload["n"] + 1000})

    async def child(ctx: JobContext) -> None:
        seen.append(ctx.payload["n"])

    registry = Registry()
    registry.register("parent", parent)
    registry.register("child", child)
    await _enqueue(engine, "parent", [{"n": i} for i in range(50)])
    ran = await drain(Worker(engine, registry, batch_size=20, concurrency=20))
    assert ran == 100
    assert sorted(seen) == list(range(50)) + list(range(1000, 1050))
    assert await _rows(engine) == []


async def test_failing_job_is_retried_with_growing_delays_then_dead(engine: AsyncEngine) -> None:
    attempts: list[int] = []

    async def always_fails(ctx: JobContext) -> None:
        attempts.append(ctx.job.attempts)
        raise ConnectionError(f"peer down (attempt {ctx.job.attempts})")

    registry = Registry()
    registry.register("flaky", always_fails,
                      policy=RetryPolicy(max_attempts=4, base_delay=10, max_delay=1000, horizon=10**6))
    await _enqueue(engine, "flaky", [{"n": 1}])
    clock = Clock()  # after enqueueing, so the job is due
    worker = Worker(engine, registry, clock=clock)
    delays = []
    for _ in range(4):
        assert await drain(worker) == 1
        [row] = await _rows(engine)
        if row.state == DEAD:
            break
        delays.append(row.run_after - clock())
        assert await drain(worker) == 0  # not due yet
        clock.advance_to(row.run_after)
    [row] = await _rows(engine)
    assert attempts == [1, 2, 3, 4]
    assert row.state == DEAD
    assert row.last_error is not None and "ConnectionError: peer down (attempt 4)" in row.last_error
    assert len(delays) == 3 and delays[0] < delays[1] < delays[2]


async def test_retry_later_uses_the_delay_the_handler_asked_for(engine: AsyncEngine) -> None:
    async def busy(ctx: JobContext) -> None:
        raise RetryLater("429 Too Many Requests", delay_seconds=120)

    registry = Registry()
    registry.register("busy", busy)
    await _enqueue(engine, "busy", [{"n": 1}])
    clock = Clock()
    await drain(Worker(engine, registry, clock=clock))
    [row] = await _rows(engine)
    assert row.run_after == clock() + 120_000
    assert row.last_error == "retry later: 429 Too Many Requests"


async def test_give_up_marks_the_job_dead_at_once(engine: AsyncEngine) -> None:
    async def gone(ctx: JobContext) -> None:
        raise GiveUp("410 Gone")

    registry = Registry()
    registry.register("gone", gone)
    await _enqueue(engine, "gone", [{"n": 1}])
    await drain(Worker(engine, registry))
    [row] = await _rows(engine)
    assert (row.state, row.attempts, row.last_error) == (DEAD, 1, "gave up: 410 Gone")


async def test_a_job_of_unknown_kind_is_dead_not_a_crash(engine: AsyncEngine) -> None:
    await _enqueue(engine, "nobody.handles.this", [{"n": 1}])
    await drain(Worker(engine, Registry()))
    [row] = await _rows(engine)
    assert row.state == DEAD and "no handler" in (row.last_error or "")


async def test_a_job_that_overruns_its_timeout_is_retried(engine: AsyncEngine) -> None:
    async def hangs(ctx: JobContext) -> None:
        await asyncio.sleep(30)

    registry = Registry()
    registry.register("hangs", hangs, timeout=0.05)
    await _enqueue(engine, "hangs", [{"n": 1}])
    await drain(Worker(engine, registry))
    [row] = await _rows(engine)
    assert row.state != DEAD and row.last_error == "timed out after 0.05s"


async def test_a_slow_job_does_not_hold_back_the_others(engine: AsyncEngine) -> None:
    release = asyncio.Event()
    finished: list[int] = []

    async def job(ctx: JobContext) -> None:
        if ctx.payload["n"] == 0:
            await release.wait()
        finished.append(ctx.payload["n"])

    registry = Registry()
    registry.register("job", job)
    await _enqueue(engine, "job", [{"n": i} for i in range(20)])
    worker = Worker(engine, registry, batch_size=5, concurrency=5, idle_poll=(0.01, 0.02),
                    flush_interval=0.01)
    stop = asyncio.Event()
    task = asyncio.create_task(worker.run_forever(stop))
    for _ in range(500):  # bounded wait for the 19 fast jobs
        if len(finished) == 19:
            break
        await asyncio.sleep(0.01)
    assert sorted(finished) == list(range(1, 20))
    release.set()
    stop.set()
    await task
    assert sorted(finished) == list(range(20))
    assert await _rows(engine) == []


async def test_two_workers_share_a_queue_without_running_a_job_twice(engine: AsyncEngine) -> None:
    runs: Counter[int] = Counter()
    by_worker: Counter[str] = Counter()

    def handler_for(name: str) -> Callable[[JobContext], Awaitable[None]]:
        async def handler(ctx: JobContext) -> None:
            runs[ctx.payload["n"]] += 1
            by_worker[name] += 1
            await asyncio.sleep(0)
        return handler

    workers = []
    for name in ("a", "b"):
        registry = Registry()
        registry.register("count", handler_for(name))
        workers.append(Worker(engine, registry, batch_size=50, concurrency=50,
                              idle_poll=(0.01, 0.05), flush_interval=0.01))
    await _enqueue(engine, "count", [{"n": i} for i in range(2000)])
    stop = asyncio.Event()
    tasks = [asyncio.create_task(w.run_forever(stop)) for w in workers]
    for _ in range(3000):
        if sum(runs.values()) >= 2000 and not await _rows(engine):
            break
        await asyncio.sleep(0.01)
    stop.set()
    await asyncio.gather(*tasks)
    assert set(runs) == set(range(2000))
    assert max(runs.values()) == 1
    assert by_worker["a"] > 0 and by_worker["b"] > 0


async def test_a_running_worker_times_out_a_hanging_job_and_keeps_going(engine: AsyncEngine) -> None:
    finished: list[int] = []

    async def job(ctx: JobContext) -> None:
        if ctx.payload["n"] == 0:
            await asyncio.sleep(30)
        finished.append(ctx.payload["n"])

    registry = Registry()
    registry.register("job", job, timeout=0.05)
    await _enqueue(engine, "job", [{"n": i} for i in range(5)])
    worker = Worker(engine, registry, idle_poll=(0.01, 0.02), flush_interval=0.01)
    stop = asyncio.Event()
    task = asyncio.create_task(worker.run_forever(stop))
    hung: Job | None = None
    for _ in range(500):  # bounded: at most ~5 s
        rows = await _rows(engine)
        if len(rows) == 1 and rows[0].last_error:
            hung = rows[0]
            break
        await asyncio.sleep(0.01)
    stop.set()
    await task
    assert sorted(finished) == [1, 2, 3, 4]
    assert hung is not None and hung.payload == {"n": 0} and hung.last_error == "timed out after 0.05s"
