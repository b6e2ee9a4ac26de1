"""Real `amity worker` processes against one PostgreSQL: shared draining, crash recovery, SQLite refusal.

Each test starts `python -m ui.cli worker` subprocesses with a config file in tmp_path, logs at
debug level as JSON on stderr (one `job.done` line per finished job), and synchronises only by
polling the database or the log files against a deadline. Processes are always killed in a
`finally`.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
import time
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from storage import queue
from storage.config import render_toml
from storage.db import create_engine, session_maker
from storage.models import Job
from storage.probe import PROBE_KIND
from ui.jobs import PERIODIC

REPO_ROOT = Path(__file__).resolve().parents[2]
POLL_S = 0.05


@pytest.fixture
def engine_kind() -> str:
    """`db_url` on PostgreSQL only: skips without a server, fails if one is required."""
    return "postgresql"


@pytest.fixture
def pg_url(db_url: str) -> str:
    return db_url


@pytest.fixture
async def pg_engine(pg_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(pg_url, pool_size=2)
    yield engine
    await engine.dispose()


def write_config(tmp_path: Path, database_url: str) -> Path:
    path = tmp_path / "amity.toml"
    path.write_text(render_toml({
        "domain": "amity.test", "scheme": "http", "database_url": database_url,
        "secret_key": "s" * 40, "media_dir": str(tmp_path / "media"),
        "log_level": "debug", "log_format": "json",
    }))
    return path


def child_env(**amity: str) -> dict[str, str]:
    """The test's environment without AMITY_* variables (the config file is the only source),
    plus the given AMITY_* overrides."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AMITY_")}
    env.update(amity)
    return env


class WorkerProcess:
    """One `amity worker` subprocess whose stderr goes to a file we can read while it runs."""

    def __init__(self, proc: asyncio.subprocess.Process, log_path: Path) -> None:
        self.proc = proc
        self.log_path = log_path

    @classmethod
    async def start(cls, config: Path, log_path: Path, env: dict[str, str],
                    *extra: str) -> WorkerProcess:
        with log_path.open("wb") as log_file:
            proc = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "ui.cli", "--config", str(config), "worker", *extra,
                cwd=REPO_ROOT, env=env, stdin=asyncio.subprocess.DEVNULL,
                stdout=asyncio.subprocess.DEVNULL, stderr=log_file,
            )
        return cls(proc, log_path)

    def records(self) -> list[dict[str, Any]]:
        """Every complete JSON log line so far (a line still being written is skipped)."""
        text = self.log_path.read_text(encoding="utf-8", errors="replace")
        out = []
        for line in text.splitlines(keepends=True):
            if not line.endswith("\n"):
                break
            try:
                out.append(json.loads(line))
            except json.JSONDecodeError:
                out.append({"event": "<not json>", "line": line.rstrip("\n")})
        return out

    def events(self, name: str) -> list[dict[str, Any]]:
        return [r for r in self.records() if r.get("event") == name]

    def log_text(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    async def stop(self, *, grace_s: float = 15) -> int:
        """SIGTERM, then wait for a graceful exit; returns the exit code."""
        if self.proc.returncode is None:
            self.proc.send_signal(signal.SIGTERM)
        return await asyncio.wait_for(self.proc.wait(), grace_s)

    async def kill(self) -> None:
        if self.proc.returncode is None:
            self.proc.kill()
        await self.proc.wait()


async def wait_until(condition: Callable[[], Awaitable[bool]], *, seconds: float, what: str,
                     procs: tuple[WorkerProcess, ...] = ()) -> None:
    """Poll `condition` until it holds; fail (with the workers' logs) at the deadline or if a
    worker exits early."""
    deadline = time.monotonic() + seconds
    while not await condition():
        for p in procs:
            if p.proc.returncode is not None:
                pytest.fail(f"worker exited with {p.proc.returncode} while waiting for {what}:\n"
                            f"{p.log_text()[-4000:]}")
        if time.monotonic() > deadline:
            logs = "\n---\n".join(p.log_text()[-2000:] for p in procs)
            pytest.fail(f"timed out after {seconds:g}s waiting for {what}\n{logs}")
        await asyncio.sleep(POLL_S)


async def count_jobs(engine: AsyncEngine) -> int:
    """Jobs left, besides the periodic ones a starting worker queues for later."""
    async with engine.connect() as conn:
        return int((await conn.execute(
            select(func.count()).select_from(Job).where(Job.kind.not_in(PERIODIC)))).scalar_one())


async def enqueue_probes(engine: AsyncEngine, payloads: list[Any]) -> set[int]:
    """Enqueue probes in one transaction; returns their ids (read inside that transaction)."""
    async with session_maker(engine)() as session, session.begin():
        await queue.enqueue_many(session, PROBE_KIND, payloads)
        return set((await session.scalars(select(Job.id).where(Job.kind == PROBE_KIND))).all())


def started(proc: WorkerProcess) -> Callable[[], Awaitable[bool]]:
    async def check() -> bool:
        return bool(proc.events("worker.started"))
    return check


async def test_two_worker_processes_run_ten_thousand_jobs_exactly_once(
        tmp_path: Path, pg_url: str, pg_engine: AsyncEngine) -> None:
    config = write_config(tmp_path, pg_url)
    env = child_env()
    procs: list[WorkerProcess] = []
    try:
        for name in ("a", "b"):
            procs.append(await WorkerProcess.start(config, tmp_path / f"worker-{name}.log", env))
        for p in procs:
            await wait_until(started(p), seconds=20, what="worker.started", procs=tuple(procs))

        ids = await enqueue_probes(pg_engine, [{} for _ in range(10_000)])
        assert len(ids) == 10_000

        async def drained() -> bool:
            return await count_jobs(pg_engine) == 0
        await wait_until(drained, seconds=60, what="the jobs table to empty", procs=tuple(procs))

        codes = [await p.stop() for p in procs]
        assert codes == [0, 0], [p.log_text()[-2000:] for p in procs]
    finally:
        for p in procs:
            await p.kill()

    runs: Counter[int] = Counter()
    per_worker: dict[int, set[int]] = {}
    for p in procs:
        assert p.proc.pid is not None
        done = [r for r in p.events("job.done") if r["kind"] not in PERIODIC]  # periodic ones, at start
        assert all(r["worker"].endswith(f":{p.proc.pid}") for r in done)
        assert all(r["kind"] == PROBE_KIND and r["attempt"] == 1 for r in done)
        per_worker[p.proc.pid] = {int(r["job_id"]) for r in done}
        runs.update(int(r["job_id"]) for r in done)
        assert not p.events("job.failed") and not p.events("job.dead")
        assert p.events("worker.stopped")
    twice = [job_id for job_id, n in runs.items() if n > 1]
    assert twice == [], f"{len(twice)} jobs ran more than once"
    assert set(runs) == ids
    assert all(per_worker.values()), {pid: len(s) for pid, s in per_worker.items()}
    assert await count_jobs(pg_engine) == 0


async def test_a_job_held_by_a_killed_worker_runs_again_after_its_lease(
        tmp_path: Path, pg_url: str, pg_engine: AsyncEngine) -> None:
    lease_s = 3  # the handler timeout is 80% of it: worker A must be killed within 2.4 s of the claim
    config = write_config(tmp_path, pg_url)
    env = child_env(AMITY_JOB_LEASE_SECONDS=str(lease_s))
    [job_id] = await enqueue_probes(pg_engine, [{"hang_on_attempts": [1]}])

    async def job_row() -> Job | None:
        async with session_maker(pg_engine)() as session:
            return await session.get(Job, job_id)

    a: WorkerProcess | None = None
    b: WorkerProcess | None = None
    try:
        a = await WorkerProcess.start(config, tmp_path / "worker-a.log", env)

        async def claimed() -> bool:
            row = await job_row()
            return row is not None and row.attempts == 1 and row.locked_until > 0
        await wait_until(claimed, seconds=20, what="worker A to claim the job", procs=(a,))
        a.proc.send_signal(signal.SIGKILL)
        await asyncio.wait_for(a.proc.wait(), 10)
        assert a.proc.returncode == -signal.SIGKILL

        row = await job_row()
        # A recorded nothing: a failure would set last_error, a release would undo the attempt
        assert row is not None and row.attempts == 1 and row.last_error is None
        lease_end = row.locked_until
        assert lease_end - queue.now_ms() <= lease_s * 1000

        b = await WorkerProcess.start(config, tmp_path / "worker-b.log", env)

        async def gone() -> bool:
            return await job_row() is None
        await wait_until(gone, seconds=20, what="worker B to finish the job", procs=(b,))
        assert await b.stop() == 0
    finally:
        for p in (a, b):
            if p is not None:
                await p.kill()

    assert a is not None and b is not None
    assert [r for r in a.records() if r.get("job_id") == job_id] == []
    done = [r for r in b.events("job.done") if r["job_id"] == job_id]
    assert len(done) == 1, b.log_text()
    assert done[0]["attempt"] == 2
    finished_ms = datetime.fromisoformat(done[0]["ts"]).timestamp() * 1000
    assert finished_ms >= lease_end  # B waited for A's lease to run out
    assert done[0]["worker"].endswith(f":{b.proc.pid}")


async def test_worker_on_sqlite_refuses_in_one_line(tmp_path: Path, sqlite_url: str) -> None:
    config = write_config(tmp_path, sqlite_url)
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "ui.cli", "--config", str(config), "worker",
        cwd=REPO_ROOT, env=child_env(), stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )
    try:
        stdout, stderr = await asyncio.wait_for(proc.communicate(), 30)
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
    err = stderr.decode()
    assert proc.returncode not in (0, None)
    assert stdout == b""
    lines = err.splitlines()
    assert len(lines) == 1, err
    assert "Traceback" not in err
    assert "needs PostgreSQL" in lines[0]
    assert lines[0].startswith("amity: ")
