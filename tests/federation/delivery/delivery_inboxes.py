"""Loopback inboxes, fixtures and helpers for the delivery job tests (one database per module
and engine, emptied before each test; the worker's clock moved by hand).
"""

from __future__ import annotations

import asyncio
import json
import random
import socket
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer
from multidict import CIMultiDict
from pytest_aiohttp import AiohttpServer
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from federation.delivery.hosts import HostPolicy
from federation.delivery.job import (
    DELIVERY_KIND,
    DELIVERY_POLICY,
    DELIVERY_QUEUE,
    DeliverySettings,
    deliver,
    delivery_handler,
)
from federation.services import Services
from federation.vocab import CONTEXT
from storage.db import create_engine, session_maker
from storage.models import Actor, Host, Job
from storage.models.base import new_id
from storage.worker import Registry, Worker
from tests.actors.factories import Clock, local_actor, make_services, seed, shared_database, wipe
from tests.conftest import make_config

FAST_HOSTS = HostPolicy(retry_base=10, retry_max=20, unreachable_after=60, min_failures=3,
                        probe_interval=100, probe_lease=5, jitter=0)


@dataclass
class Received:
    path: str
    headers: CIMultiDict[str]
    body: bytes

    @property
    def activity(self) -> dict[str, Any]:
        return dict(json.loads(self.body))


@dataclass
class Inbox:
    """A loopback server standing in for another node's inboxes."""

    status: int = 202
    headers: dict[str, str] = field(default_factory=dict)
    hang: bool = False
    release: asyncio.Event = field(default_factory=asyncio.Event)
    received: list[Received] = field(default_factory=list)
    server: TestServer | None = None

    async def handle(self, request: web.Request) -> web.Response:
        self.received.append(Received(request.raw_path, CIMultiDict(request.headers), await request.read()))
        if self.hang:
            await self.release.wait()
        return web.Response(status=self.status, headers=self.headers)

    async def start(self, aiohttp_server: AiohttpServer, port: int | None = None) -> Inbox:
        app = web.Application()
        app.router.add_post("/{tail:.*}", self.handle)
        self.server = await aiohttp_server(app, host="127.0.0.1", port=port)
        return self

    def url(self, path: str = "/inbox") -> str:
        assert self.server is not None
        return f"http://127.0.0.1:{self.server.port}{path}"

    def paths(self) -> list[str]:
        return [r.path for r in self.received]


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def module_db(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    yield from shared_database(request, tmp_path_factory)


@pytest.fixture
async def engine(module_db: str) -> AsyncIterator[AsyncEngine]:
    made = create_engine(module_db)
    await wipe(made)
    yield made
    await made.dispose()


@pytest.fixture
async def services(module_db: str, engine: AsyncEngine, tmp_path: Path) -> AsyncIterator[Services]:
    config = make_config(module_db, tmp_path, allowed_private_hosts=["127.0.0.1"])
    made = make_services(config, engine)
    yield made
    await made.client.close()


@pytest.fixture
async def author(engine: AsyncEngine) -> Actor:
    ana = local_actor("ana")
    await seed(engine, ana)
    return ana


@pytest.fixture
def clock() -> Clock:
    return Clock()


def worker(services: Services, clock: Clock, **settings: Any) -> Worker:
    """A worker for deliveries on `clock`, which it first moves to now (jobs queued so far are due)."""
    clock.catch_up()
    registry = Registry()
    handler = delivery_handler(DeliverySettings(clock=clock, busy_wait=10, rng=random.Random(7), **settings))
    registry.register(DELIVERY_KIND, handler, policy=DELIVERY_POLICY)
    return Worker(services.engine, registry, deps=services, queues=(DELIVERY_QUEUE,), clock=clock)


async def send(engine: AsyncEngine, author: Actor, inboxes: list[str], n: int = 1) -> list[dict[str, Any]]:
    """Queue `n` activities by `author`, each to every inbox; returns them in order."""
    sent = []
    for i in range(n):
        activity = {"@context": CONTEXT, "id": f"http://amity.test/activities/{new_id()}", "type": "Create",
                    "actor": author.uri, "object": {"type": "Note", "content": f"<p>{i}</p>"}}
        async with session_maker(engine)() as session, session.begin():
            await deliver(session, author, activity, inboxes)
        sent.append(activity)
    return sent


async def job_rows(engine: AsyncEngine) -> list[Job]:
    async with session_maker(engine)() as session:
        return list((await session.scalars(select(Job).order_by(Job.id))).all())


async def host_row(engine: AsyncEngine, inbox: Inbox) -> Host:
    assert inbox.server is not None
    async with session_maker(engine)() as session:
        host = await session.get(Host, f"127.0.0.1:{inbox.server.port}")
    assert host is not None
    return host


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def until(condition: Callable[[], bool | Awaitable[bool]], what: str, seconds: float = 20) -> None:
    """Wait for an event (bounded); the timing is never asserted."""
    deadline = asyncio.get_running_loop().time() + seconds
    while True:
        result = condition()
        if result if isinstance(result, bool) else await result:
            return
        if asyncio.get_running_loop().time() > deadline:
            pytest.fail(f"gave up waiting for {what}")
        await asyncio.sleep(0.01)
