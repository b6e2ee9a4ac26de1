"""Test doubles for federation tests that must never send a packet off the machine.

`FakeResolver` answers names from a table (never real DNS); `Recorder` is the outbound
connector's socket factory: it records every connection attempt and only creates sockets for
loopback addresses. `Peer` is a loopback aiohttp server that plays other servers (by Host
header), recording every request it gets. `RemoteActor` signs requests as a remote account.
"""

from __future__ import annotations

import ipaddress
import json
import socket
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from aiohappyeyeballs import AddrInfoType
from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncSession

from federation.httpsig.signatures import sign_request
from storage.models import Actor, utcnow

AS2_TYPE = "application/activity+json"
LOCAL_HOST = "amity.test"
PUBLIC = "https://www.w3.org/ns/activitystreams#Public"


class Recorder:
    """Socket factory: records each connection attempt; only loopback ones get a socket."""

    def __init__(self) -> None:
        self.attempts: list[tuple[str, int]] = []

    def __call__(self, addr_info: AddrInfoType) -> socket.socket:
        family, kind, proto, _, address = addr_info
        self.attempts.append((str(address[0]), int(address[1])))
        if not ipaddress.ip_address(str(address[0])).is_loopback:
            raise OSError(f"test recorder refuses to connect to {address[0]}")
        return socket.socket(family, kind, proto)


Responder = Callable[[web.Request], Awaitable[web.StreamResponse]]


class Peer:
    """Loopback server for several fake hosts: documents keyed by (host, path)."""

    def __init__(self) -> None:
        self.port = 0
        self.routes: dict[tuple[str, str], Any] = {}
        self.hits: list[str] = []  # "host/path" of every request received

    def url(self, host: str, path: str) -> str:
        return f"http://{host}:{self.port}{path}"

    def serve(self, url: str, document: Any) -> None:
        """`document`: a JSON-able value, an int (answer that status) or a responder."""
        host, path = _split(url)
        self.routes[(host, path)] = document

    def forget(self, url: str) -> None:
        self.routes.pop(_split(url), None)

    async def handle(self, request: web.Request) -> web.StreamResponse:
        host = request.host.rsplit(":", 1)[0]
        self.hits.append(f"{host}{request.path}")
        found = self.routes.get((host, request.path))
        if found is None:
            return web.Response(status=404)
        if isinstance(found, int):
            return web.Response(status=found)
        if callable(found):
            return await found(request)
        return web.Response(body=json.dumps(found).encode(), content_type=AS2_TYPE)

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self.handle)
        return app


def _split(url: str) -> tuple[str, str]:
    rest = url.split("://", 1)[1]
    hostport, _, path = rest.partition("/")
    return hostport.rsplit(":", 1)[0], "/" + path


@dataclass
class RemoteActor:
    base: str  # scheme://host:port
    name: str
    private_pem: str
    public_pem: str
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def uri(self) -> str:
        return f"{self.base}/users/{self.name}"

    @property
    def key_id(self) -> str:
        return f"{self.uri}#main-key"

    @property
    def inbox(self) -> str:
        return f"{self.uri}/inbox"

    @property
    def followers(self) -> str:
        return f"{self.uri}/followers"

    def document(self) -> dict[str, Any]:
        return {
            "@context": ["https://www.w3.org/ns/activitystreams", "https://w3id.org/security/v1"],
            "id": self.uri, "type": "Person", "preferredUsername": self.name, "name": self.name.title(),
            "inbox": self.inbox, "outbox": f"{self.uri}/outbox", "followers": self.followers,
            "endpoints": {"sharedInbox": f"{self.base}/inbox"},
            "publicKey": {"id": self.key_id, "owner": self.uri, "publicKeyPem": self.public_pem},
            **self.extra,
        }

    def sign(self, body: bytes, *, path: str = "/inbox", key_id: str | None = None,
             private_pem: str | None = None, now: datetime | None = None) -> dict[str, str]:
        return sign_request("POST", f"http://{LOCAL_HOST}{path}", key_id=key_id or self.key_id,
                            private_key_pem=private_pem or self.private_pem, body=body,
                            content_type=AS2_TYPE, now=now)

    def note(self, number: int, **fields: Any) -> dict[str, Any]:
        doc = {"id": f"{self.uri}/statuses/{number}", "type": "Note", "attributedTo": self.uri,
               "content": f"<p>note {number}</p>", "to": [PUBLIC], "cc": [self.followers],
               "published": "2025-01-02T03:04:05Z"}
        doc.update(fields)
        return doc

    def activity(self, kind: str, obj: Any, *, number: int = 1, **fields: Any) -> dict[str, Any]:
        doc = {"@context": "https://www.w3.org/ns/activitystreams",
               "id": f"{self.uri}/activities/{kind.lower()}-{number}", "type": kind, "actor": self.uri,
               "object": obj}
        doc.update(fields)
        return doc


async def add_remote(session: AsyncSession, actor: RemoteActor, **values: Any) -> Actor:
    """Store a remote actor with its key, as if fetched a moment ago."""
    domain = actor.base.split("://", 1)[1]
    row = Actor(username=actor.name, domain=domain, uri=actor.uri, inbox_url=actor.inbox,
                shared_inbox_url=f"{actor.base}/inbox", followers_url=actor.followers,
                key_id=actor.key_id, public_key_pem=actor.public_pem, fetched_at=utcnow(), **values)
    session.add(row)
    await session.flush()
    return row


async def add_local(session: AsyncSession, name: str, *, public_pem: str, private_pem: str,
                    locked: bool = False) -> Actor:
    """A local actor without a login (faster than creating a user)."""
    uri = f"http://{LOCAL_HOST}/users/{name}"
    row = Actor(username=name, domain=None, uri=uri, inbox_url=f"{uri}/inbox",
                shared_inbox_url=f"http://{LOCAL_HOST}/inbox", followers_url=f"{uri}/followers",
                key_id=f"{uri}#main-key", public_key_pem=public_pem, private_key_pem=private_pem,
                locked=locked)
    session.add(row)
    await session.flush()
    return row
