"""A running app and helpers to fill its database: members, statuses, remote actors, signed GETs."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from aiohttp import ClientResponse, web
from aiohttp.test_utils import TestClient
from pytest_aiohttp import AiohttpClient
from sqlalchemy import select

from actors.accounts.local_users import create_local_user
from federation.httpsig.keys import generate_rsa_keypair
from federation.httpsig.signatures import sign_request
from federation.services import SERVICES, Services
from federation.urls import status_uri, status_url
from storage import settings
from storage.models import ACCEPTED, Actor, Follow, Mention, Status, User
from storage.models.base import new_id
from tests.conftest import make_config
from ui.app import create_app
from ui.keys import SETTINGS_CACHE

AS2 = "application/activity+json"
BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
REMOTE_DOMAIN = "remote.example"

TestClient.__test__ = False


@dataclass(frozen=True)
class Remote:
    """A remote actor whose key is in our cache, so its signatures verify without a fetch."""

    actor: Actor
    private_key_pem: str


class Node:
    """The app under test, plus ways to put rows in its database and to ask it things."""

    def __init__(self, client: TestClient[web.Request, web.Application], keys: tuple[str, str]) -> None:
        self.client = client
        self._keys = keys

    @property
    def services(self) -> Services:
        return self.client.app[SERVICES]

    @property
    def base_url(self) -> str:
        return self.services.base_url

    async def user(self, name: str, **actor_fields: Any) -> Actor:
        async with self.services.sessions() as session, session.begin():
            user = await create_local_user(session, base_url=self.base_url, username=name,
                                           email=f"{name}@example.org", password="correct horse")
            actor = await session.get(Actor, user.actor_id)
            assert actor is not None
            for key, value in actor_fields.items():
                setattr(actor, key, value)
        return actor

    async def update_login(self, actor: Actor, **fields: Any) -> None:
        """Change the `User` row of a member (locale, disabled...)."""
        async with self.services.sessions() as session, session.begin():
            user = await session.scalar(select(User).where(User.actor_id == actor.id))
            assert user is not None
            for key, value in fields.items():
                setattr(user, key, value)

    async def status(self, author: Actor, *, visibility: str = "public", mentions: tuple[Actor, ...] = (),
                     **fields: Any) -> Status:
        status_id = new_id()
        row = Status(id=status_id, uri=status_uri(self.base_url, author.username, status_id),
                     url=status_url(self.base_url, author.username, status_id), actor_id=author.id,
                     local=True, visibility=visibility, content=fields.pop("content", "<p>Hello</p>"),
                     **fields)
        async with self.services.sessions() as session, session.begin():
            session.add(row)
            await session.flush()
            session.add_all([Mention(status_id=status_id, actor_id=m.id) for m in mentions])
        return row

    async def remote(self, name: str, domain: str = REMOTE_DOMAIN, **fields: Any) -> Remote:
        private_pem, public_pem = self._keys
        uri = f"https://{domain}/users/{name}"
        actor = Actor(username=name, domain=domain, uri=uri, inbox_url=f"{uri}/inbox",
                      key_id=f"{uri}#main-key", public_key_pem=public_pem, **fields)
        async with self.services.sessions() as session, session.begin():
            session.add(actor)
        return Remote(actor, private_pem)

    async def follow(self, follower: Actor, followee: Actor, state: str = ACCEPTED) -> None:
        async with self.services.sessions() as session, session.begin():
            session.add(Follow(follower_id=follower.id, followee_id=followee.id, state=state,
                               uri=f"{follower.uri}#follows/{followee.id}"))

    async def setting(self, key: str, value: Any) -> None:
        async with self.services.sessions() as session, session.begin():
            await settings.set_value(session, key, value)
        self.client.app[SETTINGS_CACHE].clear()  # as if the setting's few seconds had passed

    async def get(self, path: str, accept: str | None = AS2, **headers: str) -> ClientResponse:
        if accept is not None:
            headers["Accept"] = accept
        return await self.client.get(path, headers=headers, allow_redirects=False)

    async def signed_get(self, path: str, signer: Remote, accept: str = AS2) -> ClientResponse:
        signed = sign_request("GET", f"{self.base_url}{path}", key_id=signer.actor.key_id or "",
                              private_key_pem=signer.private_key_pem)
        return await self.get(path, accept, **signed)

    async def json(self, path: str, signer: Remote | None = None, status: int = 200) -> Any:
        response = await (self.signed_get(path, signer) if signer else self.get(path))
        assert response.status == status, await response.text()
        return await response.json(content_type=None)


@pytest.fixture(scope="session")
def remote_keys() -> tuple[str, str]:
    """One key pair for every remote actor of the session (RSA generation is slow)."""
    return generate_rsa_keypair()


async def _node(aiohttp_client: AiohttpClient, url: str, tmp_path: Path, keys: tuple[str, str]) -> Node:
    client = await aiohttp_client(create_app(make_config(url, tmp_path), run_workers=False))
    return Node(client, keys)


@pytest.fixture
async def node(aiohttp_client: AiohttpClient, sqlite_url: str, tmp_path: Path,
               remote_keys: tuple[str, str]) -> AsyncIterator[Node]:
    """The app on SQLite."""
    yield await _node(aiohttp_client, sqlite_url, tmp_path, remote_keys)


@pytest.fixture
async def any_node(aiohttp_client: AiohttpClient, db_url: str, tmp_path: Path,
                   remote_keys: tuple[str, str]) -> AsyncIterator[Node]:
    """The app on each engine (tests using it run on SQLite and PostgreSQL)."""
    yield await _node(aiohttp_client, db_url, tmp_path, remote_keys)
