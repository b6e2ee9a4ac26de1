"""Rows and services for the posting, fan-out and delivery tests (no network, no passwords).

Actors are inserted directly (one RSA key pair per test session), so a test with a hundred
followers costs a hundred rows, not a hundred key generations.
"""

from __future__ import annotations

import functools
import secrets
import shutil
from collections.abc import Iterator, Sequence
from typing import Any

import pytest
from sqlalchemy import delete, select, text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from actors.outgoing.fanout import FANOUT_KIND, run_fanout
from actors.posts import posting
from actors.posts.post_content import NOTHING, PreparedMentions
from federation.client import OutboundClient, Timeouts
from federation.httpsig.keys import generate_rsa_keypair
from federation.services import Services
from storage import queue
from storage.config import NodeConfig
from storage.db import session_maker
from storage.models import ACCEPTED, Actor, Base, Follow, Job, OutboxActivity, Status
from storage.worker import Registry, Worker, drain
from tests.conftest import _pg_admin_url, _pg_exec, _sa_url, run_sync

BASE = "http://amity.test"


def shared_database(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
                    ) -> Iterator[str]:
    """One migrated database per test module and engine (`request.param`): creating one per
    test costs more than the tests themselves on PostgreSQL. Use `wipe` before each test."""
    if request.param == "sqlite":
        path = tmp_path_factory.mktemp("shared") / "amity.db"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        yield f"sqlite+aiosqlite:///{path}"
        return
    admin = _pg_admin_url()
    name = f"amity_m_{secrets.token_hex(6)}"
    run_sync(_pg_exec(admin, f"CREATE DATABASE {name} TEMPLATE {request.getfixturevalue('pg_template')}"))
    try:
        yield _sa_url(admin, name)
    finally:
        run_sync(_pg_exec(admin, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))


async def wipe(engine: AsyncEngine) -> None:
    """Empty every table (the schema stays) but the audit log, which the database keeps
    append-only (migration 0020): tests read it by their own targets."""
    tables = [t for t in reversed(Base.metadata.sorted_tables) if t.name != "audit_log"]
    async with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            await conn.execute(text(f"TRUNCATE {', '.join(t.name for t in tables)} CASCADE"))
        else:
            for table in tables:
                await conn.execute(delete(table))


@functools.cache
def keypair() -> tuple[str, str]:
    return generate_rsa_keypair()


class Clock:
    """The worker's and the delivery handler's clock, moved by hand (integer milliseconds)."""

    def __init__(self) -> None:
        self.ms = queue.now_ms()

    def __call__(self) -> int:
        return self.ms

    def catch_up(self) -> None:
        """At least the real time: jobs enqueued just now are due."""
        self.ms = max(self.ms, queue.now_ms())

    def advance_to(self, ms: int) -> None:
        self.ms = max(self.ms, ms)


def local_actor(username: str, *, keyed: bool = True) -> Actor:
    private_pem, public_pem = keypair() if keyed else (None, None)
    uri = f"{BASE}/users/{username}"
    return Actor(username=username, domain=None, uri=uri, url=f"{BASE}/@{username}",
                 inbox_url=f"{uri}/inbox", shared_inbox_url=f"{BASE}/inbox",
                 followers_url=f"{uri}/followers", key_id=f"{uri}#main-key",
                 public_key_pem=public_pem, private_key_pem=private_pem)


def remote_actor(username: str, host: str, *, shared: bool = True, scheme: str = "https") -> Actor:
    uri = f"{scheme}://{host}/users/{username}"
    return Actor(username=username, domain=host, uri=uri, inbox_url=f"{uri}/inbox",
                 shared_inbox_url=f"{scheme}://{host}/inbox" if shared else None,
                 followers_url=f"{uri}/followers")


async def add(engine: AsyncEngine, *rows: Any) -> None:
    async with session_maker(engine)() as session, session.begin():
        session.add_all(rows)


def follows(followers: Sequence[Actor], followee: Actor, *, state: str = ACCEPTED) -> list[Follow]:
    return [Follow(follower_id=f.id, followee_id=followee.id, uri=f"{f.uri}#follows/{followee.id}",
                   state=state) for f in followers]


async def seed(engine: AsyncEngine, *actors: Actor) -> None:
    """Insert actors (their ids are set on the objects), in one transaction."""
    async with session_maker(engine)() as session, session.begin():
        session.add_all(actors)
        await session.flush()


def make_services(config: NodeConfig, engine: AsyncEngine, *, timeouts: Timeouts | None = None
                  ) -> Services:
    client = OutboundClient(allowed_private_hosts=("127.0.0.1",), timeouts=timeouts or Timeouts())
    return Services(config=config, engine=engine, sessions=session_maker(engine), client=client)


async def jobs(session: AsyncSession, kind: str | None = None) -> list[Job]:
    stmt = select(Job).order_by(Job.id)
    if kind is not None:
        stmt = stmt.where(Job.kind == kind)
    return list((await session.scalars(stmt)).all())


async def delivered(engine: AsyncEngine) -> dict[str, list[dict[str, Any]]]:
    """Queued deliveries: inbox -> the activities queued for it, in job order."""
    async with session_maker(engine)() as session:
        rows = (await session.execute(select(OutboxActivity.id, OutboxActivity.body))).all()
        bodies: dict[int, dict[str, Any]] = {row_id: body for row_id, body in rows}
        queued = await jobs(session, "federation.deliver")
    out: dict[str, list[dict[str, Any]]] = {}
    for job in queued:
        out.setdefault(job.payload["inbox"], []).append(bodies[job.payload["activity_id"]])
    return out


async def post(services: Services, author: Actor, *, prepared: PreparedMentions = NOTHING,
               **fields: Any) -> Status:
    """`author` posts (`fields` are `posting.NewStatus`'s; the text is "hello" unless given)."""
    fields.setdefault("text", "hello")
    async with services.sessions() as session, session.begin():
        return await posting.create_status(session, services, author, posting.NewStatus(**fields),
                                           prepared=prepared)


async def run_fanouts(services: Services) -> int:
    """Run the fan-out jobs (deliveries stay queued: this worker does not take them)."""
    registry = Registry()
    registry.register(FANOUT_KIND, run_fanout)
    return await drain(Worker(services.engine, registry, deps=services, queues=("default",)))
