"""A node killed with SIGKILL in the middle of a fan-out loses no delivery.

A real node process (`amity worker` on PostgreSQL, `amity serve` on SQLite, whose in-process
workers take both queues) fans a post out to 300 remote inboxes on a slow loopback sink,
is SIGKILLed part-way, and is started again. Deliveries are at least once (a request the
killed process sent but did not record runs again; receivers dedupe by activity id): the
test asserts that every inbox received the post and that the job table ends empty.
Synchronisation is by polling what the sink received and the job table, against deadlines.
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest
from aiohttp import web
from pytest_aiohttp import AiohttpServer
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from actors.posts import posting
from storage.config import render_toml
from storage.db import session_maker
from storage.models import Job
from tests.actors.factories import add, follows, local_actor, remote_actor, seed
from tests.conftest import make_config
from ui.jobs import PERIODIC

REPO_ROOT = Path(__file__).resolve().parents[3]
FOLLOWERS = 300
SINK_DELAY_S = 0.02  # per request: the fan-out takes long enough to be killed in the middle


class Sink:
    def __init__(self) -> None:
        self.received: list[str] = []  # request paths, duplicates included

    async def handle(self, request: web.Request) -> web.Response:
        await request.read()
        await asyncio.sleep(SINK_DELAY_S)
        self.received.append(request.path)
        return web.Response(status=202)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def start_node(config: Path, command: list[str], log: Path) -> asyncio.subprocess.Process:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AMITY_")}
    env["AMITY_JOB_LEASE_SECONDS"] = "3"  # a killed node's claims come back quickly
    env["AMITY_WORKER_CONCURRENCY"] = "8"  # few claimed at once: none waits long for a host slot
    with log.open("ab") as out:
        return await asyncio.create_subprocess_exec(
            sys.executable, "-m", "ui.cli", "--config", str(config), *command, cwd=REPO_ROOT, env=env,
            stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.DEVNULL, stderr=out)


async def wait_until(condition: Callable[[], Awaitable[bool]], what: str, proc: asyncio.subprocess.Process,
                     log: Path, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while not await condition():
        if proc.returncode is not None or time.monotonic() > deadline:
            tail = log.read_text(errors="replace")[-3000:]
            pytest.fail(f"waiting for {what}: node exited with {proc.returncode}\n{tail}"
                        if proc.returncode is not None else f"timed out waiting for {what}\n{tail}")
        await asyncio.sleep(0.05)


async def count_jobs(engine: AsyncEngine) -> int:
    """Jobs left, besides the periodic ones a starting worker queues for later."""
    async with engine.connect() as conn:
        return int((await conn.execute(
            select(func.count()).select_from(Job).where(Job.kind.not_in(PERIODIC)))).scalar_one())


async def test_a_node_killed_during_a_fan_out_delivers_everything_after_a_restart(
        aiohttp_server: AiohttpServer, engine_kind: str, db_url: str, engine: AsyncEngine,
        tmp_path: Path) -> None:
    sink = Sink()
    app = web.Application()
    app.router.add_post("/{tail:.*}", sink.handle)
    server = await aiohttp_server(app, host="127.0.0.1")
    host = f"127.0.0.1:{server.port}"
    author = local_actor("ana")
    followers = [remote_actor(f"f{i}", host, shared=False, scheme="http") for i in range(FOLLOWERS)]
    await seed(engine, author, *followers)
    await add(engine, *follows(followers, author))
    expected = {f"/users/f{i}/inbox" for i in range(FOLLOWERS)}

    config_path = tmp_path / "amity.toml"
    config_path.write_text(render_toml({
        "domain": "amity.test", "scheme": "http", "database_url": db_url, "secret_key": "s" * 40,
        "media_dir": str(tmp_path / "media"), "allowed_private_hosts": ["127.0.0.1"],
        "log_format": "json"}))
    if engine_kind == "postgresql":
        command = ["worker"]
    else:
        command = ["serve", "--host", "127.0.0.1", "--port", str(free_port())]
    async with session_maker(engine)() as session, session.begin():
        await posting.create_status(session, make_config(db_url, tmp_path), author,
                posting.NewStatus(text="to everyone"))

    log = tmp_path / "node.log"
    first = await start_node(config_path, command, log)
    try:
        async def some_arrived() -> bool:
            return len(sink.received) >= FOLLOWERS // 5
        await wait_until(some_arrived, "the first deliveries", first, log)
        first.send_signal(signal.SIGKILL)
        await asyncio.wait_for(first.wait(), 10)
    finally:
        if first.returncode is None:
            first.kill()
            await first.wait()
    at_kill = set(sink.received)
    assert len(at_kill) < FOLLOWERS, "the fan-out finished before the kill: make the sink slower"

    second = await start_node(config_path, command, log)
    try:
        async def all_done() -> bool:
            return set(sink.received) == expected and await count_jobs(engine) == 0
        await wait_until(all_done, "every delivery and an empty job table", second, log)
        second.send_signal(signal.SIGTERM)
        await asyncio.wait_for(second.wait(), 20)
    finally:
        if second.returncode is None:
            second.kill()
            await second.wait()
    assert set(sink.received) == expected  # nothing lost; a few may have arrived twice
    assert len(sink.received) - FOLLOWERS <= 50
