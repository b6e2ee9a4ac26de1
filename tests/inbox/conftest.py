"""Fixtures for inbox tests: an app whose outbound connections only reach a loopback peer.

Names resolve through `FakeResolver` (remote.test, third.test and forwarder.test are the
peer on 127.0.0.1, and are the only private hosts the node may contact); `Recorder` sees
every connection attempt. The app runs no workers: tests drain the queue themselves.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from aiohttp import ClientResponse
from aiohttp.test_utils import TestClient
from pytest_aiohttp import AiohttpClient, AiohttpServer
from sqlalchemy import func, select, update

from federation.httpsig.keys import generate_rsa_keypair
from federation.services import Services
from storage import queue
from storage.config import NodeConfig
from storage.models import ACCEPTED, Actor, Base, Follow, InboxItem, Job, OutboxActivity
from storage.worker import Worker, drain
from tests.conftest import make_config
from tests.inbox.fakes import AS2_TYPE, Peer, Recorder, RemoteActor, add_local, add_remote
from tests.network_fakes import FakeResolver
from ui.app import create_app
from ui.keys import ENGINE, REGISTRY, SERVICES
from ui.services import Transport

TestClient.__test__ = False
PEER_HOSTS = ("remote.test", "third.test", "forwarder.test")
KeyPair = tuple[str, str]


@pytest.fixture(scope="session")
def keys() -> list[KeyPair]:
    """Three RSA key pairs (private, public), made once: generating keys is slow."""
    return [generate_rsa_keypair() for _ in range(3)]


@pytest.fixture
def resolver() -> FakeResolver:
    return FakeResolver()


@pytest.fixture
def recorder() -> Recorder:
    return Recorder()


@pytest.fixture
async def peer(aiohttp_server: AiohttpServer, resolver: FakeResolver) -> Peer:
    fake = Peer()
    server = await aiohttp_server(fake.app(), host="127.0.0.1")
    assert server.port is not None
    fake.port = server.port
    for host in PEER_HOSTS:
        resolver.table[host] = ["127.0.0.1"]
    return fake


@pytest.fixture
def node_config(db_url: str, tmp_path: Path) -> NodeConfig:
    return make_config(db_url, tmp_path, allowed_private_hosts=list(PEER_HOSTS))


@dataclass
class Node:
    """The app under test, with helpers to post, process and count."""

    client: TestClient[Any, Any]
    peer: Peer
    recorder: Recorder
    resolver: FakeResolver
    keys: list[KeyPair]

    @property
    def services(self) -> Services:
        return self.client.app[SERVICES]

    def remote(self, name: str = "alice", host: str = "remote.test", key: int = 0,
               **extra: Any) -> RemoteActor:
        """A remote actor whose document the peer serves."""
        private, public = self.keys[key]
        actor = RemoteActor(f"http://{host}:{self.peer.port}", name, private, public, extra)
        self.peer.serve(actor.uri, actor.document())
        return actor

    async def seed(self, actor: RemoteActor, **values: Any) -> Actor:
        async with self.services.sessions() as session, session.begin():
            return await add_remote(session, actor, **values)

    async def local(self, name: str = "bob", *, locked: bool = False) -> Actor:
        private, public = self.keys[2]
        async with self.services.sessions() as session, session.begin():
            return await add_local(session, name, public_pem=public, private_pem=private, locked=locked)

    async def followed(self, actor: RemoteActor, follower: str = "fan") -> Actor:
        """`actor` (seeded now if unknown) followed by the local `follower` (made if missing), so
        its posts are solicited here; returns the remote actor's row."""
        async with self.services.sessions() as session, session.begin():
            remote = await session.scalar(select(Actor).where(Actor.uri == actor.uri))
            remote = remote or await add_remote(session, actor)
            local = await session.scalar(select(Actor).where(Actor.domain.is_(None),
                                                             Actor.username == follower))
            if local is None:
                private, public = self.keys[2]
                local = await add_local(session, follower, public_pem=public, private_pem=private)
            session.add(Follow(follower_id=local.id, followee_id=remote.id, state=ACCEPTED,
                               uri=f"{local.uri}#follows/{remote.id}"))
        return remote

    async def post(self, actor: RemoteActor, activity: dict[str, Any], *, path: str = "/inbox",
                   **sign: Any) -> ClientResponse:
        body = json.dumps(activity).encode()
        headers = {**actor.sign(body, path=path, **sign), "Content-Type": AS2_TYPE}
        return await self.client.post(path, data=body, headers=headers)

    async def deliver(self, actor: RemoteActor, activity: dict[str, Any], **options: Any) -> None:
        """POST (expecting 202) and process everything queued."""
        response = await self.post(actor, activity, **options)
        assert response.status == 202, await response.text()
        await self.process()

    async def process(self) -> int:
        """Run inbox jobs until none is ready; deliveries stay queued for the test to inspect."""
        app = self.client.app
        return await drain(Worker(app[ENGINE], app[REGISTRY], deps=app[SERVICES], queues=("default",)))

    async def reprocess(self, activity_id: str) -> None:
        """Run an item's job again as if the first run's outcome had been lost (a crash)."""
        async with self.services.sessions() as session, session.begin():
            found = await session.scalar(select(InboxItem.id).where(InboxItem.activity_id == activity_id))
            assert found is not None
            item_id: int = found
            await session.execute(update(InboxItem).where(InboxItem.id == item_id)
                                  .values(processed_at=None, error=None))
            await queue.enqueue(session, "inbox.process", {"item_id": item_id})
        await self.process()

    async def count(self, model: type[Base], *where: Any) -> int:
        async with self.services.sessions() as session:
            return int(await session.scalar(select(func.count()).select_from(model).where(*where)) or 0)

    async def rows(self, model: type[Base], *where: Any) -> list[Any]:
        async with self.services.sessions() as session:
            return list((await session.scalars(select(model).where(*where))).all())

    async def item(self, activity_id: str, *, forwarded_by: RemoteActor | None = None) -> InboxItem:
        key = activity_id if forwarded_by is None else f"{activity_id} forwarded by {forwarded_by.uri}"
        (found,) = await self.rows(InboxItem, InboxItem.activity_id == key)
        return found

    async def outbox(self) -> list[OutboxActivity]:
        return await self.rows(OutboxActivity)

    async def jobs(self, kind: str | None = None) -> list[Job]:
        return await self.rows(Job, *([Job.kind == kind] if kind else []))


@pytest.fixture
async def node(aiohttp_client: AiohttpClient, node_config: NodeConfig, peer: Peer, recorder: Recorder,
               resolver: FakeResolver, keys: list[KeyPair]) -> AsyncIterator[Node]:
    app = create_app(node_config, run_workers=False,
                     transport=Transport(resolver=resolver, socket_factory=recorder))
    client = await aiohttp_client(app)
    yield Node(client, peer, recorder, resolver, keys)
