"""A real Amity node for tests: the full app (with its workers) served on a loopback port.

Used by tests/integration (two Amity nodes talking) and tests/interop (Amity and Fedify).
Nodes are named `localhost:PORT` over http, with loopback allowed as a private host, exactly
like `make run`'s development node.
"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, Self, TypeVar

from aiohttp import web
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from actors.accounts import local_users
from federation.services import Services
from storage.config import NodeConfig
from storage.models import Actor, User
from tests.conftest import make_config
from ui.app import create_app
from ui.keys import SERVICES, WORKER

T = TypeVar("T")

# Ports that browsers and Node's fetch refuse to connect to (the WHATWG "bad ports").
BAD_PORTS = frozenset({
    1, 7, 9, 11, 13, 15, 17, 19, 20, 21, 22, 23, 25, 37, 42, 43, 53, 69, 77, 79, 87, 95, 101, 102,
    103, 104, 109, 110, 111, 113, 115, 117, 119, 123, 135, 137, 139, 143, 161, 179, 389, 427, 465,
    512, 513, 514, 515, 526, 530, 531, 532, 540, 548, 554, 556, 563, 587, 601, 636, 989, 990, 993,
    995, 1719, 1720, 1723, 2049, 3659, 4045, 4190, 5060, 5061, 6000, 6566, 6665, 6666, 6667, 6668,
    6669, 6679, 6697, 10080,
})
LOOPBACK = ["127.0.0.0/8", "::1/128", "localhost"]


def free_port() -> int:
    while True:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = int(probe.getsockname()[1])
        if port not in BAD_PORTS:
            return port


class AmityNode:
    """One running node. Start with `await AmityNode.start(database_url, tmp_path)`."""

    def __init__(self, config: NodeConfig, runner: web.AppRunner) -> None:
        self.config = config
        self.runner = runner

    @classmethod
    async def start(cls, database_url: str, tmp_path: Path, **overrides: Any) -> Self:
        port = free_port()
        config = make_config(database_url, tmp_path / f"node-{port}", domain=f"localhost:{port}",
                             scheme="http", allowed_private_hosts=LOOPBACK, **overrides)
        app = create_app(config, run_workers=True)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", port).start()
        return cls(config, runner)

    async def stop(self) -> None:
        await self.runner.cleanup()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    @property
    def app(self) -> web.Application:
        return self.runner.app

    @property
    def services(self) -> Services:
        return self.app[SERVICES]

    @property
    def domain(self) -> str:
        return self.config.domain

    @property
    def base_url(self) -> str:
        return self.config.base_url

    def wake(self) -> None:
        """Have the node's worker look for new jobs now rather than at its next poll."""
        self.app[WORKER].wake()

    async def create_user(self, username: str, *, locked: bool = False) -> Actor:
        async with self.services.sessions() as session, session.begin():
            user = await local_users.create_local_user(
                session, base_url=self.base_url, username=username,
                email=f"{username}@example.org", password="test password")
            actor = await session.get(Actor, user.actor_id)
            assert actor is not None
            actor.locked = locked
        return actor

    async def actor(self, username: str) -> Actor:
        async with self.services.sessions() as session:
            actor = await session.scalar(
                select(Actor).join(User, User.actor_id == Actor.id)
                .where(Actor.username == username, Actor.domain.is_(None)))
        assert actor is not None, f"no local actor {username}"
        return actor

    async def query(self, fn: Callable[[AsyncSession], Awaitable[T]]) -> T:
        async with self.services.sessions() as session:
            return await fn(session)

    async def write(self, fn: Callable[[AsyncSession], Awaitable[T]]) -> T:
        async with self.services.sessions() as session, session.begin():
            result = await fn(session)
        self.wake()
        return result


async def eventually(check: Callable[[], Awaitable[T | None]], *, seconds: float = 10.0,
                     nodes: tuple[AmityNode, ...] = ()) -> T:
    """Poll `check` until it returns something truthy; fail after `seconds` (bounded)."""
    deadline = asyncio.get_running_loop().time() + seconds
    while True:
        for node in nodes:
            node.wake()
        result = await check()
        if result:
            return result
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"condition not met within {seconds}s: {check}")
        await asyncio.sleep(0.05)
