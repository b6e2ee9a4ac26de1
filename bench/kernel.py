"""Job kernel throughput: no-op `kernel.probe` jobs per second through claim -> run -> complete.

Every run starts from a fresh table holding N ready jobs (enqueued before the clock starts) and
stops the clock when the last outcome is written, i.e. when the table is empty again.

    naive_sqlite                   raw aiosqlite, one transaction per job: select one ready row,
                                   mark it claimed, run the probe, delete it, commit
    kernel_sqlite_1_worker         storage.worker.Worker.run_forever, node default settings
    kernel_sqlite_4_workers        4 Worker instances in one process sharing one engine
    kernel_postgresql_1_worker     as above, on PostgreSQL (when AMITY_TEST_POSTGRES is set)
    kernel_postgresql_4_workers    4 Worker instances in one process
    kernel_postgresql_4_processes  4 real `amity worker` processes
"""

from __future__ import annotations

import asyncio
import json
import os
import secrets
import shutil
import signal
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import aiosqlite
import asyncpg
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from bench.servers import asyncpg_dsn, pg_admin
from storage import migrate, queue
from storage.config import Limits, render_toml
from storage.db import SQLITE_BUSY_TIMEOUT_MS, create_engine, session_maker
from storage.models import Job
from storage.probe import PROBE_KIND, run_probe
from storage.queue import ClaimedJob
from storage.worker import JobContext, Registry, Worker

JOBS = 20_000
QUICK_JOBS = 5_000
PG_ENV = "AMITY_TEST_POSTGRES"
REPO_ROOT = Path(__file__).resolve().parents[1]
LIMITS = Limits()  # what `amity serve` and `amity worker` run with unless configured
PROCESS_POLL_S = 0.02
PROCESS_DEADLINE_S = 600.0


def _progress(message: str) -> None:
    print(f"bench.kernel: {message}", file=sys.stderr, flush=True)


def _rate(jobs: int, seconds: float) -> dict[str, Any]:
    return {"jobs": jobs, "seconds": round(seconds, 3), "jobs_per_s": round(jobs / seconds, 1)}


# -- setup -----------------------------------------------------------------------------

async def _migrate(url: str) -> None:
    engine = create_engine(url)
    try:
        await migrate.upgrade(engine)
    finally:
        await engine.dispose()


async def _enqueue(engine: AsyncEngine, jobs: int) -> None:
    async with session_maker(engine)() as session, session.begin():
        await queue.enqueue_many(session, PROBE_KIND, ({} for _ in range(jobs)))


async def _remaining(engine: AsyncEngine) -> int:
    async with engine.connect() as conn:
        return int((await conn.execute(select(func.count()).select_from(Job))).scalar_one())


# -- the kernel, in this process -------------------------------------------------------

async def _kernel_in_process(url: str, *, jobs: int, workers: int,
                             concurrency: int = LIMITS.worker_concurrency) -> dict[str, Any]:
    """`workers` Worker instances sharing one engine run `jobs` probes; timed until all are recorded."""
    engine = create_engine(url)
    try:
        await _enqueue(engine, jobs)
        stop = asyncio.Event()
        done = 0

        async def probe(ctx: JobContext) -> None:  # the real handler, counted to know when to stop
            nonlocal done
            await run_probe(ctx)
            done += 1
            if done >= jobs:
                stop.set()

        registry = Registry()
        registry.register(PROBE_KIND, probe)
        pool = [Worker(engine, registry, concurrency=concurrency,
                       batch_size=LIMITS.job_batch_size, lease_seconds=LIMITS.job_lease_seconds,
                       worker_id=f"bench-{i}") for i in range(workers)]
        started = time.perf_counter()
        # run_forever returns once stop is set and its last outcomes are written
        await asyncio.gather(*(w.run_forever(stop) for w in pool))
        elapsed = time.perf_counter() - started
        left = await _remaining(engine)
    finally:
        await engine.dispose()
    if left or done != jobs:
        raise RuntimeError(f"kernel run ended with {left} jobs left and {done} of {jobs} run")
    return _rate(jobs, elapsed)


# -- the naive baseline ----------------------------------------------------------------

# Oldest first by run_after alone: ix_jobs_ready (queue, run_after) serves it without a sort.
# Adding the kernel's `id` tie-break would make every select sort all the jobs enqueued in the
# same millisecond (the whole batch here): quadratic, a measure of that index, not of batching.
_NAIVE_SELECT = (
    "SELECT id, kind, payload, attempts, created_at FROM jobs "
    "WHERE state = 'queued' AND queue = 'default' AND run_after <= ? "
    "ORDER BY run_after LIMIT 1"
)
_NAIVE_MARK = "UPDATE jobs SET attempts = attempts + 1, run_after = ?, locked_until = ? WHERE id = ?"
_NAIVE_DELETE = "DELETE FROM jobs WHERE id = ?"


async def _naive_sqlite(path: Path, *, jobs: int) -> dict[str, Any]:
    """One job per transaction with raw aiosqlite, on the same migrated table and pragmas."""
    lease_ms = LIMITS.job_lease_seconds * 1000
    ran = 0
    async with aiosqlite.connect(path, isolation_level=None) as db:
        for pragma in ("journal_mode=WAL", "synchronous=NORMAL", f"busy_timeout={SQLITE_BUSY_TIMEOUT_MS}"):
            await db.execute(f"PRAGMA {pragma}")
        started = time.perf_counter()
        while True:
            now = queue.now_ms()
            await db.execute("BEGIN IMMEDIATE")
            async with db.execute(_NAIVE_SELECT, (now,)) as cursor:
                row = await cursor.fetchone()
            if row is None:
                await db.execute("COMMIT")
                break
            job_id, kind, payload, attempts, created_at = row
            await db.execute(_NAIVE_MARK, (now + lease_ms, now + lease_ms, job_id))
            await run_probe(JobContext(ClaimedJob(job_id, kind, json.loads(payload), attempts + 1,
                                                  created_at), None))
            await db.execute(_NAIVE_DELETE, (job_id,))
            await db.execute("COMMIT")
            ran += 1
        elapsed = time.perf_counter() - started
    if ran != jobs:
        raise RuntimeError(f"naive run ran {ran} of {jobs} jobs")
    return _rate(jobs, elapsed)


async def _sqlite_runs(tmp: Path, *, jobs: int) -> dict[str, dict[str, Any]]:
    template = tmp / "template.db"
    await _migrate(f"sqlite+aiosqlite:///{template}")

    def fresh(name: str) -> Path:
        path = tmp / f"{name}.db"
        shutil.copy(template, path)
        return path

    results: dict[str, dict[str, Any]] = {}
    path = fresh("naive")
    engine = create_engine(f"sqlite+aiosqlite:///{path}")
    try:
        await _enqueue(engine, jobs)  # the same rows the kernel gets, outside the timing
    finally:
        await engine.dispose()
    _progress(f"naive_sqlite: {jobs} jobs")
    results["naive_sqlite"] = await _naive_sqlite(path, jobs=jobs)
    for workers in (1, 4):
        name = f"kernel_sqlite_{workers}_worker{'s' if workers > 1 else ''}"
        _progress(f"{name}: {jobs} jobs")
        result = await _kernel_in_process(f"sqlite+aiosqlite:///{fresh(name)}", jobs=jobs, workers=workers)
        if workers > 1:
            result["mode"] = f"{workers} Worker instances in one process sharing one engine"
        results[name] = result
    return results


# -- PostgreSQL ------------------------------------------------------------------------

def _database_url(admin_url: str, name: str) -> str:
    return asyncpg_dsn(admin_url).rsplit("/", 1)[0] + f"/{name}"


async def _pg_server_version(admin_url: str) -> str:
    conn = await asyncpg.connect(asyncpg_dsn(admin_url))
    try:
        return str(await conn.fetchval("SHOW server_version"))
    finally:
        await conn.close()


async def _vacuum(url: str) -> None:
    conn = await asyncpg.connect(url)
    try:
        await conn.execute("VACUUM ANALYZE jobs")
    finally:
        await conn.close()


def _child_env() -> dict[str, str]:
    # The workers' config comes from their file alone, not from the caller's AMITY_* variables.
    return {k: v for k, v in os.environ.items() if not k.startswith("AMITY_")}


async def _wait_for(condition: Callable[[], Awaitable[bool]], *, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not await condition():
        if time.monotonic() > deadline:
            raise RuntimeError(f"timed out after {seconds:g}s waiting for {what}")
        await asyncio.sleep(PROCESS_POLL_S)


async def _kernel_processes(url: str, tmp: Path, *, jobs: int, processes: int) -> dict[str, Any]:
    """Real `amity worker` processes; the clock runs from the first claim to the empty table."""
    config = tmp / "amity.toml"
    config.write_text(render_toml({
        "domain": "bench.test", "scheme": "http", "database_url": url, "secret_key": "b" * 40,
        "media_dir": str(tmp / "media"), "log_level": "info", "log_format": "json",
    }))
    logs = [tmp / f"worker-{i}.log" for i in range(processes)]
    procs: list[asyncio.subprocess.Process] = []
    engine = create_engine(url)
    watcher = await asyncpg.connect(asyncpg_dsn(url))
    try:
        for log_path in logs:
            with log_path.open("wb") as log_file:
                procs.append(await asyncio.create_subprocess_exec(
                    sys.executable, "-m", "ui.cli", "--config", str(config), "worker",
                    cwd=REPO_ROOT, env=_child_env(), stdin=asyncio.subprocess.DEVNULL,
                    stdout=asyncio.subprocess.DEVNULL, stderr=log_file))

        async def all_started() -> bool:
            for proc, log_path in zip(procs, logs, strict=True):
                if proc.returncode is not None:
                    raise RuntimeError(f"amity worker exited with {proc.returncode}: "
                                       f"{log_path.read_text()[-2000:]}")
            return all('"worker.started"' in p.read_text() for p in logs)
        await _wait_for(all_started, seconds=60, what="the worker processes to start")

        await _enqueue(engine, jobs)
        # Idle workers poll at most once a second: start the clock at the last look that still
        # saw every job unclaimed (the first claim came after it), stop it at the first look
        # that sees the table empty.
        started = time.perf_counter()
        stopped = 0.0
        deadline = time.monotonic() + PROCESS_DEADLINE_S
        while True:
            unclaimed, total = await watcher.fetchrow(
                "SELECT count(*) FILTER (WHERE attempts = 0), count(*) FROM jobs")
            now = time.perf_counter()
            if unclaimed == jobs:
                started = now
            if total == 0:
                stopped = now
                break
            if time.monotonic() > deadline:
                raise RuntimeError(f"{total} jobs left after {PROCESS_DEADLINE_S:g}s")
            await asyncio.sleep(PROCESS_POLL_S)
        for proc in procs:
            proc.send_signal(signal.SIGTERM)
        codes = [await asyncio.wait_for(proc.wait(), 30) for proc in procs]
        if any(codes):
            raise RuntimeError(f"amity worker exit codes {codes}")
    finally:
        for proc in procs:
            if proc.returncode is None:
                proc.kill()
                await proc.wait()
        await watcher.close()
        await engine.dispose()
    result = _rate(jobs, stopped - started)
    result["mode"] = f"{processes} `amity worker` processes (python -m ui.cli worker)"
    result["timing"] = (f"from the first claim to the empty table, polled every {PROCESS_POLL_S}s "
                        "from this process")
    return result


async def _postgresql_runs(admin_url: str, tmp: Path, *, jobs: int) -> dict[str, dict[str, Any]]:
    name = f"amity_bench_{secrets.token_hex(4)}"
    await pg_admin(admin_url, f"CREATE DATABASE {name}")
    url = _database_url(admin_url, name)
    sa_url = url.replace("postgresql://", "postgresql+asyncpg://", 1)
    results: dict[str, dict[str, Any]] = {}
    try:
        await _migrate(sa_url)
        for workers in (1, 4):
            label = f"kernel_postgresql_{workers}_worker{'s' if workers > 1 else ''}"
            _progress(f"{label}: {jobs} jobs")
            result = await _kernel_in_process(sa_url, jobs=jobs, workers=workers)
            if workers > 1:
                result["mode"] = f"{workers} Worker instances in one process sharing one engine"
            results[label] = result
            await _vacuum(url)
        _progress(f"kernel_postgresql_4_processes: {jobs} jobs")
        results["kernel_postgresql_4_processes"] = await _kernel_processes(
            sa_url, tmp, jobs=jobs, processes=4)
    finally:
        await pg_admin(admin_url, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    return results


# -- entry -----------------------------------------------------------------------------

async def _run(jobs: int) -> dict[str, Any]:
    out: dict[str, Any] = {
        "jobs": jobs,
        "worker_settings": {"concurrency": LIMITS.worker_concurrency, "batch_size": LIMITS.job_batch_size,
                            "lease_seconds": LIMITS.job_lease_seconds},
    }
    with tempfile.TemporaryDirectory(prefix="amity-bench-") as tmp_dir:
        tmp = Path(tmp_dir)
        out.update(await _sqlite_runs(tmp, jobs=jobs))
        admin_url = os.environ.get(PG_ENV)
        if admin_url:
            out["postgresql"] = await _pg_server_version(admin_url)
            out.update(await _postgresql_runs(admin_url, tmp, jobs=jobs))
        else:
            out["postgresql"] = f"skipped: set {PG_ENV} (or run `make bench`)"
    naive = out["naive_sqlite"]["jobs_per_s"]
    runs = {k: v for k, v in out.items() if k.startswith("kernel_sqlite")}
    out["ratios"] = {f"{name} / naive_sqlite": round(run["jobs_per_s"] / naive, 2)
                     for name, run in runs.items()}
    out["ratios"]["target"] = ">= 10 for kernel_sqlite_1_worker / naive_sqlite"
    return out


def run(quick: bool) -> dict[str, Any]:
    return asyncio.run(_run(QUICK_JOBS if quick else JOBS))


if __name__ == "__main__":
    print(json.dumps(run("--quick" in sys.argv[1:]), indent=2))
