"""The job kernel's storage side, on SQLite and PostgreSQL."""

from __future__ import annotations

import itertools

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from storage import queue
from storage.db import session_maker
from storage.models import DEAD, QUEUED, Job
from storage.queue import ClaimedJob, Outcome, RetryPolicy

LEASE_MS = 60_000


async def _enqueue(engine: AsyncEngine, count: int, kind: str = "test.kind", queue_name: str = "default",
                   ) -> None:
    async with session_maker(engine)() as session, session.begin():
        await queue.enqueue_many(session, kind, [{"n": i} for i in range(count)], queue=queue_name)


async def _jobs(engine: AsyncEngine) -> list[Job]:
    async with session_maker(engine)() as session:
        return list((await session.scalars(select(Job).order_by(Job.id))).all())


async def test_enqueue_is_part_of_the_callers_transaction(engine: AsyncEngine) -> None:
    async with session_maker(engine)() as session:
        await queue.enqueue(session, "test.kind", {"a": 1})
        await session.rollback()
    assert await _jobs(engine) == []
    async with session_maker(engine)() as session, session.begin():
        await queue.enqueue(session, "test.kind", {"a": 1})
    assert [j.payload for j in await _jobs(engine)] == [{"a": 1}]


async def test_claim_takes_a_batch_and_hides_it_from_other_claims(engine: AsyncEngine) -> None:
    await _enqueue(engine, 7)
    now = queue.now_ms()
    first = await queue.claim(engine, ["default"], limit=5, lease_ms=LEASE_MS, now=now)
    second = await queue.claim(engine, ["default"], limit=5, lease_ms=LEASE_MS, now=now)
    assert len(first) == 5 and len(second) == 2
    assert not {j.id for j in first} & {j.id for j in second}
    assert all(j.attempts == 1 for j in first + second)
    assert await queue.claim(engine, ["default"], limit=5, lease_ms=LEASE_MS, now=now) == []


async def test_claim_only_reads_the_named_queues(engine: AsyncEngine) -> None:
    await _enqueue(engine, 2, queue_name="deliveries")
    await _enqueue(engine, 3, queue_name="default")
    claimed = await queue.claim(engine, ["deliveries"], limit=10, lease_ms=LEASE_MS)
    assert len(claimed) == 2


async def test_claim_skips_jobs_scheduled_for_later(engine: AsyncEngine) -> None:
    async with session_maker(engine)() as session, session.begin():
        await queue.enqueue(session, "test.kind", {}, delay_seconds=30)
    now = queue.now_ms()
    assert await queue.claim(engine, ["default"], limit=10, lease_ms=LEASE_MS, now=now) == []
    later = await queue.claim(engine, ["default"], limit=10, lease_ms=LEASE_MS, now=now + 31_000)
    assert len(later) == 1


async def test_an_expired_lease_makes_the_job_claimable_again(engine: AsyncEngine) -> None:
    await _enqueue(engine, 1)
    now = queue.now_ms()
    [job] = await queue.claim(engine, ["default"], limit=1, lease_ms=LEASE_MS, now=now)
    assert await queue.claim(engine, ["default"], limit=1, lease_ms=LEASE_MS,
                             now=now + LEASE_MS - 1) == []
    [again] = await queue.claim(engine, ["default"], limit=1, lease_ms=LEASE_MS, now=now + LEASE_MS)
    assert again.id == job.id and again.attempts == 2


async def test_completions_in_one_batch_delete_the_jobs(engine: AsyncEngine) -> None:
    await _enqueue(engine, 300)
    claimed = await queue.claim(engine, ["default"], limit=300, lease_ms=LEASE_MS)
    await queue.record(engine, [Outcome(j) for j in claimed])
    assert await _jobs(engine) == []


async def test_a_stale_worker_cannot_complete_a_job_taken_over_by_another(engine: AsyncEngine) -> None:
    await _enqueue(engine, 1)
    now = queue.now_ms()
    [stale] = await queue.claim(engine, ["default"], limit=1, lease_ms=LEASE_MS, now=now)
    [current] = await queue.claim(engine, ["default"], limit=1, lease_ms=LEASE_MS, now=now + LEASE_MS)
    await queue.record(engine, [Outcome(stale)])
    [row] = await _jobs(engine)
    assert row.attempts == 2
    await queue.record(engine, [Outcome(current)])
    assert await _jobs(engine) == []


async def test_a_failure_reschedules_the_job_and_keeps_its_error(engine: AsyncEngine) -> None:
    await _enqueue(engine, 1)
    [job] = await queue.claim(engine, ["default"], limit=1, lease_ms=LEASE_MS)
    retry_at = queue.now_ms() + 5_000
    await queue.record(engine, [Outcome(job, error="ValueError: boom", retry_at=retry_at)])
    [row] = await _jobs(engine)
    assert (row.state, row.run_after, row.last_error, row.locked_until) == (
        QUEUED, retry_at, "ValueError: boom", 0)


async def test_a_failure_without_retry_marks_the_job_dead(engine: AsyncEngine) -> None:
    await _enqueue(engine, 1)
    [job] = await queue.claim(engine, ["default"], limit=1, lease_ms=LEASE_MS)
    await queue.record(engine, [Outcome(job, error="gave up: 410 Gone")])
    [row] = await _jobs(engine)
    assert (row.state, row.last_error) == (DEAD, "gave up: 410 Gone")
    assert await queue.claim(engine, ["default"], limit=1, lease_ms=LEASE_MS,
                             now=queue.now_ms() + 10**9) == []


async def test_retry_dead_requeues_with_a_fresh_attempt_budget(engine: AsyncEngine) -> None:
    await _enqueue(engine, 2, kind="a")
    await _enqueue(engine, 1, kind="b")
    claimed = await queue.claim(engine, ["default"], limit=10, lease_ms=LEASE_MS)
    await queue.record(engine, [Outcome(j, error="dead") for j in claimed])
    assert await queue.retry_dead(engine, kind="a") == 2
    rows = await _jobs(engine)
    assert sorted((r.kind, r.state, r.attempts) for r in rows) == [
        ("a", QUEUED, 0), ("a", QUEUED, 0), ("b", DEAD, 1)]


async def test_stats_count_ready_running_delayed_and_dead(engine: AsyncEngine) -> None:
    await _enqueue(engine, 4)
    async with session_maker(engine)() as session, session.begin():
        await queue.enqueue(session, "test.kind", {}, delay_seconds=600)
    now = queue.now_ms()
    running = await queue.claim(engine, ["default"], limit=2, lease_ms=LEASE_MS, now=now)
    [dead] = await queue.claim(engine, ["default"], limit=1, lease_ms=LEASE_MS, now=now)
    await queue.record(engine, [Outcome(dead, error="x")], now=now)
    [row] = await queue.stats(engine, now=now)
    assert (row.ready, row.running, row.delayed, row.dead) == (1, len(running), 1, 1)


async def test_release_hands_jobs_back_without_counting_an_attempt(engine: AsyncEngine) -> None:
    await _enqueue(engine, 2)
    claimed = await queue.claim(engine, ["default"], limit=2, lease_ms=LEASE_MS)
    await queue.release(engine, claimed)
    again = await queue.claim(engine, ["default"], limit=2, lease_ms=LEASE_MS)
    assert sorted(j.id for j in again) == sorted(j.id for j in claimed)
    assert all(j.attempts == 1 for j in again)


async def test_enqueue_many_writes_one_row_per_payload(engine: AsyncEngine) -> None:
    await _enqueue(engine, 1000)
    async with engine.connect() as conn:
        assert (await conn.execute(select(func.count()).select_from(Job))).scalar() == 1000


def test_retry_policy_delays_grow_and_stop_at_the_attempt_limit() -> None:
    policy = RetryPolicy(max_attempts=5, base_delay=10, max_delay=10_000, horizon=10**6)
    now = 1_000_000_000
    delays = []
    for attempt in range(1, 5):
        job = ClaimedJob(1, "k", {}, attempt, created_at=now)
        retry_at = policy.next_run(job, now)
        assert retry_at is not None
        delays.append(retry_at - now)
    assert all(later > earlier for earlier, later in itertools.pairwise(delays))
    assert 8_000 <= delays[0] <= 12_000
    assert policy.next_run(ClaimedJob(1, "k", {}, 5, created_at=now), now) is None


def test_retry_policy_gives_up_past_the_horizon() -> None:
    policy = RetryPolicy(max_attempts=100, base_delay=10, max_delay=3600, horizon=3600)
    created = 0
    job = ClaimedJob(1, "k", {}, 3, created_at=created)
    assert policy.next_run(job, created + 1000) is not None
    assert policy.next_run(job, created + 3_600_000) is None
