"""A running app and what client API tests do with it: members, apps, tokens, requests, row counts."""

from __future__ import annotations

import base64
import hashlib
import html
import re
import secrets
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from aiohttp import ClientResponse, web
from aiohttp.test_utils import TestClient
from pytest_aiohttp import AiohttpClient
from sqlalchemy import func, select

from actors.accounts.local_users import create_local_user
from federation.services import SERVICES, Services
from storage import settings
from storage.config import NodeConfig
from storage.models import (
    Actor,
    Base,
    BrowserSession,
    OAuthAccessToken,
    OAuthApplication,
    OAuthAuthorizationCode,
    User,
)
from tests.conftest import make_config
from ui.app import create_app

TestClient.__test__ = False

PASSWORD = "correct horse battery"
OOB = "urn:ietf:wg:oauth:2.0:oob"
CALLBACK = "https://app.example/callback"
ALL = "read write follow push"
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
_HIDDEN = re.compile(r'<input type="hidden" name="([^"]+)" value="([^"]*)">')
OAUTH_TABLES: tuple[type[Base], ...] = (OAuthApplication, OAuthAuthorizationCode, OAuthAccessToken,
                                        BrowserSession)


def pkce_pair() -> tuple[str, str]:
    """(verifier, S256 challenge)."""
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).decode().rstrip("=")
    return verifier, challenge


def csrf_of(page: str) -> str:
    found = _CSRF.search(page)
    assert found is not None, page
    return found.group(1)


def hidden_fields(page: str) -> dict[str, str]:
    return {k: html.unescape(v) for k, v in _HIDDEN.findall(page)}


def query_of(location: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}


class Api:
    """The app under test, with helpers to make members and apps and to call the API."""

    def __init__(self, client: TestClient[web.Request, web.Application]) -> None:
        self.client = client

    @property
    def services(self) -> Services:
        return self.client.app[SERVICES]

    @property
    def config(self) -> NodeConfig:
        return self.services.config

    async def member(self, name: str, *, role: str = "member", **actor_fields: Any) -> Actor:
        async with self.services.sessions() as session, session.begin():
            user = await create_local_user(session, base_url=self.config.base_url, username=name,
                                           email=f"{name}@example.org", password=PASSWORD, role=role)
            actor = await session.get(Actor, user.actor_id)
            assert actor is not None
            for key, value in actor_fields.items():
                setattr(actor, key, value)
        return actor

    async def update_user(self, actor: Actor, **fields: Any) -> None:
        async with self.services.sessions() as session, session.begin():
            user = await session.scalar(select(User).where(User.actor_id == actor.id))
            assert user is not None
            for key, value in fields.items():
                setattr(user, key, value)

    async def setting(self, key: str, value: Any) -> None:
        async with self.services.sessions() as session, session.begin():
            await settings.set_value(session, key, value)

    async def count(self, model: type[Base]) -> int:
        async with self.services.sessions() as session:
            return int(await session.scalar(select(func.count()).select_from(model)) or 0)

    async def counts(self) -> dict[str, int]:
        return {m.__tablename__: await self.count(m) for m in OAUTH_TABLES}

    async def register_app(self, *, scopes: str = ALL, redirect_uris: str | list[str] = OOB,
                           name: str = "Test app") -> dict[str, Any]:
        response = await self.client.post("/api/v1/apps", data={
            "client_name": name, "scopes": scopes,
            "redirect_uris": redirect_uris if isinstance(redirect_uris, str) else "\n".join(redirect_uris)})
        assert response.status == 200, await response.text()
        return dict(await response.json())

    async def password_token(self, app: dict[str, Any], username: str, *, scope: str = ALL) -> str:
        response = await self.client.post("/oauth/token", data={
            "grant_type": "password", "client_id": app["client_id"], "client_secret": app["client_secret"],
            "username": f"{username}@example.org", "password": PASSWORD, "scope": scope})
        assert response.status == 200, await response.text()
        return str((await response.json())["access_token"])

    async def token_for(self, username: str, scope: str = ALL) -> str:
        """A member's token with `scope`, from a fresh app."""
        return await self.password_token(await self.register_app(scopes=scope), username, scope=scope)

    async def app_token(self, app: dict[str, Any], scope: str = "read") -> str:
        response = await self.client.post("/oauth/token", json={
            "grant_type": "client_credentials", "client_id": app["client_id"],
            "client_secret": app["client_secret"], "scope": scope})
        assert response.status == 200, await response.text()
        return str((await response.json())["access_token"])

    async def request(self, method: str, path: str, token: str | None = None, **kwargs: Any
                      ) -> ClientResponse:
        headers = dict(kwargs.pop("headers", {}))
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"
        return await self.client.request(method, path, headers=headers, allow_redirects=False, **kwargs)

    async def json(self, method: str, path: str, token: str | None = None, *, status: int = 200,
                   **kwargs: Any) -> Any:
        response = await self.request(method, path, token, **kwargs)
        assert response.status == status, f"{response.status}: {await response.text()}"
        return await response.json()

    async def sign_in(self, username: str, password: str = PASSWORD, next_path: str = "") -> ClientResponse:
        """Fill in the sign-in form as a browser would (the client keeps the cookies)."""
        page = await self.client.get(f"/auth/sign_in?next={next_path}" if next_path else "/auth/sign_in")
        text = await page.text()
        return await self.client.post("/auth/sign_in", allow_redirects=False, data={
            "username": username, "password": password, "csrf_token": csrf_of(text),
            "next": hidden_fields(text).get("next", "")})


async def start_api(aiohttp_client: AiohttpClient, database_url: str, tmp_path: Path, **config: Any) -> Api:
    app = create_app(make_config(database_url, tmp_path, **config), run_workers=False)
    client = await aiohttp_client(app)
    return Api(client)
