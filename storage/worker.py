"""Workers: claim jobs in batches, run their handlers concurrently, record outcomes in batches.

A worker keeps up to `concurrency` handlers running. It claims as many ready jobs as it has
free slots (one statement), starts them as tasks, and writes finished outcomes in one
transaction every `flush_interval` or `batch_size` results, whichever comes first. A slow job
holds one slot, never the batch. Handlers receive a `JobContext` and do their own short
transactions; none is open while they wait on the network.
"""

from __future__ import annotations

import asyncio
import logging
import os
import random
import socket
import traceback
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine

from storage import queue
from storage.queue import ClaimedJob, Outcome, RetryPolicy

log = logging.getLogger("amity.worker")


class RetryLater(Exception):
    """Raised by a handler to be tried again at a given time (e.g. a peer's Retry-After)."""

    def __init__(self, reason: str, *, delay_seconds: float) -> None:
        super().__init__(reason)
        self.delay_seconds = delay_seconds


class GiveUp(Exception):
    """Raised by a handler when trying again cannot help (e.g. HTTP 410 Gone)."""


@dataclass(frozen=True)
class JobContext:
    job: ClaimedJob
    deps: Any  # the services handlers need (sessions, HTTP client, config), given by the app

    @property
    def payload(self) -> Any:
        return self.job.payload


Handler = Callable[[JobContext], Awaitable[None]]


@dataclass(frozen=True)
class JobKind:
    handler: Handler
    policy: RetryPolicy = field(default_factory=RetryPolicy)
    timeout: float | None = None  # seconds; defaults to 80% of the lease


class Registry:
    """Job kinds by name. Built once by the composition root."""

    def __init__(self) -> None:
        self._kinds: dict[str, JobKind] = {}

    def register(self, name: str, handler: Handler, *, policy: RetryPolicy | None = None,
                 timeout: float | None = None) -> None:
        if name in self._kinds:
            raise ValueError(f"job kind {name!r} registered twice")
        self._kinds[name] = JobKind(handler, policy or RetryPolicy(), timeout)

    def get(self, name: str) -> JobKind | None:
        return self._kinds.get(name)

    def names(self) -> list[str]:
        return sorted(self._kinds)


def default_worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


class Worker:
    def __init__(
        self,
        engine: AsyncEngine,
        registry: Registry,
        *,
        deps: Any = None,
        queues: Sequence[str] = ("default",),
        concurrency: int = 100,
        batch_size: int = 100,
        lease_seconds: float = 300,
        flush_interval: float = 0.02,
        idle_poll: tuple[float, float] = (0.05, 1.0),
        clock: Callable[[], int] = queue.now_ms,
        worker_id: str | None = None,
    ) -> None:
        self.engine = engine
        self.registry = registry
        self.deps = deps
        self.queues = tuple(queues)
        self.concurrency = concurrency
        self.batch_size = batch_size
        self.lease_ms = int(lease_seconds * 1000)
        self.flush_interval = flush_interval
        self.idle_poll = idle_poll
        self.clock = clock
        self.worker_id = worker_id or default_worker_id()
        self._running: set[asyncio.Task[None]] = set()
        self._deadlines: dict[asyncio.Task[None], float] = {}  # loop time each running job must end by
        self._overdue: set[asyncio.Task[None]] = set()  # cancelled by the watchdog, not by a shutdown
        self._outcomes: list[Outcome] = []
        self._wake = asyncio.Event()
        self._slot_free = asyncio.Event()
        self._rng = random.Random()
        # Claim when at least half a batch of slots is free: fewer, fuller claims.
        self._min_claim = max(1, min(batch_size, concurrency) // 2)

    def wake(self) -> None:
        """Tell an idle worker that new jobs may be ready (after a commit in this process)."""
        self._wake.set()

    # -- running one job ---------------------------------------------------------------

    async def _execute(self, job: ClaimedJob) -> Outcome:
        kind = self.registry.get(job.kind)
        if kind is None:
            log.error("job.unknown_kind", extra={"job_id": job.id, "kind": job.kind})
            return Outcome(job, error=f"no handler for job kind {job.kind!r}", retry_at=None)
        timeout = self._timeout(kind)
        try:
            await kind.handler(JobContext(job, self.deps))
        except asyncio.CancelledError:
            task = asyncio.current_task()
            if task is None or task not in self._overdue:
                raise  # shutdown, not our watchdog
            task.uncancel()
            return self._failed(job, f"timed out after {timeout:g}s",
                                kind.policy.next_run(job, self.clock(), rng=self._rng))
        except RetryLater as exc:
            retry_at = self.clock() + int(exc.delay_seconds * 1000)
            if job.attempts >= kind.policy.max_attempts:
                return self._failed(job, f"retry later: {exc}", None)
            return self._failed(job, f"retry later: {exc}", retry_at)
        except GiveUp as exc:
            return self._failed(job, f"gave up: {exc}", None)
        except Exception as exc:
            error = _describe(exc)
            return self._failed(job, error, kind.policy.next_run(job, self.clock(), rng=self._rng))
        if log.isEnabledFor(logging.DEBUG):
            log.debug("job.done", extra={"job_id": job.id, "kind": job.kind, "attempt": job.attempts,
                                         "worker": self.worker_id})
        return Outcome(job)

    def _failed(self, job: ClaimedJob, error: str, retry_at: int | None) -> Outcome:
        level = logging.WARNING if retry_at is not None else logging.ERROR
        log.log(level, "job.failed" if retry_at is not None else "job.dead", extra={
            "job_id": job.id, "kind": job.kind, "attempt": job.attempts, "error": error,
            "retry_in_s": None if retry_at is None else round((retry_at - self.clock()) / 1000, 1),
        })
        return Outcome(job, error=error, retry_at=retry_at)

    async def _run_and_collect(self, job: ClaimedJob) -> None:
        outcome = await self._execute(job)
        self._outcomes.append(outcome)  # not before the await: flush() swaps the list

    # -- batches -----------------------------------------------------------------------

    async def claim_batch(self) -> list[ClaimedJob]:
        """Record finished outcomes and claim as many jobs as there are free slots, in one commit."""
        free = self.concurrency - len(self._running)
        outcomes, self._outcomes = self._outcomes, []
        try:
            return await queue.claim(self.engine, self.queues, limit=min(free, self.batch_size),
                                     lease_ms=self.lease_ms, now=self.clock(), outcomes=outcomes)
        except BaseException:
            self._outcomes[:0] = outcomes  # not written: keep them for the next flush
            raise

    def _timeout(self, kind: JobKind) -> float:
        return kind.timeout or self.lease_ms / 1000 * 0.8

    def _start(self, jobs: list[ClaimedJob]) -> None:
        now = asyncio.get_running_loop().time()
        for job in jobs:
            task = asyncio.create_task(self._run_and_collect(job), name=f"job-{job.id}")
            self._running.add(task)
            kind = self.registry.get(job.kind)
            self._deadlines[task] = now + (self._timeout(kind) if kind else 0.0)
            task.add_done_callback(self._finished)

    def _finished(self, task: asyncio.Task[None]) -> None:
        self._running.discard(task)
        self._deadlines.pop(task, None)
        self._overdue.discard(task)
        self._slot_free.set()

    def _cancel_overdue(self) -> None:
        """The watchdog: cancel jobs past their timeout. One sweep every `flush_interval`
        costs less than a timer per job (which took a third of the kernel's time)."""
        now = asyncio.get_running_loop().time()
        for task, deadline in self._deadlines.items():
            if deadline <= now and task not in self._overdue and not task.done():
                self._overdue.add(task)
                task.cancel()

    async def flush(self) -> int:
        outcomes, self._outcomes = self._outcomes, []
        try:
            await queue.record(self.engine, outcomes, now=self.clock())
        except BaseException:
            self._outcomes[:0] = outcomes  # keep them for the next flush
            raise
        return len(outcomes)

    async def run_once(self) -> int:
        """Claim one batch, run it to the end and record it; returns how many jobs ran."""
        jobs = await self.claim_batch()
        self._start(jobs)
        while self._running:
            await asyncio.wait(list(self._running), timeout=self.flush_interval)
            self._cancel_overdue()
        await self.flush()
        return len(jobs)

    # -- the long-running loop ---------------------------------------------------------

    async def run_forever(self, stop: asyncio.Event) -> None:
        log.info("worker.started", extra={"worker": self.worker_id, "queues": list(self.queues),
                                          "concurrency": self.concurrency})
        flusher = asyncio.create_task(self._flush_loop(stop))
        idle = self.idle_poll[0]
        try:
            while not stop.is_set():
                if self.concurrency - len(self._running) < self._min_claim:
                    self._slot_free.clear()
                    await _wait_any(stop, self._slot_free, seconds=1.0)
                    continue
                try:
                    jobs = await self.claim_batch()
                except Exception as exc:  # database down: keep the process alive and say so
                    log.error("worker.claim_failed", extra={"error": _describe(exc),
                                                            "hint": "check the database"})
                    await _wait_any(stop, seconds=self.idle_poll[1] * 5)
                    continue
                self._start(jobs)
                if jobs:
                    idle = self.idle_poll[0]
                    continue
                self._wake.clear()
                await _wait_any(stop, self._wake, seconds=idle * self._rng.uniform(0.8, 1.2))
                idle = min(idle * 2, self.idle_poll[1])
        finally:
            await self._shutdown(flusher)

    async def _flush_loop(self, stop: asyncio.Event) -> None:
        while not stop.is_set() or self._running:
            await asyncio.sleep(self.flush_interval)
            self._cancel_overdue()
            if self._outcomes:
                try:
                    await self.flush()
                except Exception as exc:
                    # Outcomes are kept and written on the next round; if this process dies,
                    # the leases expire and the jobs run again (handlers are idempotent).
                    log.error("worker.flush_failed", extra={"error": _describe(exc)})

    async def _shutdown(self, flusher: asyncio.Task[None]) -> None:
        if self._running:
            await asyncio.wait(list(self._running), timeout=10)
        for task in list(self._running):
            task.cancel()
        await flusher
        await self.flush()
        log.info("worker.stopped", extra={"worker": self.worker_id})


async def _wait_any(stop: asyncio.Event, *events: asyncio.Event, seconds: float) -> None:
    waiters = [asyncio.create_task(e.wait()) for e in (stop, *events)]
    try:
        await asyncio.wait(waiters, timeout=seconds, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for waiter in waiters:
            waiter.cancel()


def _describe(exc: BaseException) -> str:
    """One line for last_error: type, message and the innermost frame."""
    frames = traceback.extract_tb(exc.__traceback__)
    where = f" at {frames[-1].filename.rsplit('/', 1)[-1]}:{frames[-1].lineno}" if frames else ""
    return f"{type(exc).__name__}: {exc}{where}"


async def drain(worker: Worker, *, max_rounds: int = 10_000) -> int:
    """Run every job that is ready now, and those they enqueue, then return (for tests).

    Jobs scheduled for later stay queued: tests move the worker's clock to reach them.
    """
    total = 0
    for _ in range(max_rounds):
        ran = await worker.run_once()
        total += ran
        if ran == 0:
            return total
    raise RuntimeError(f"queue not drained after {max_rounds} rounds")
