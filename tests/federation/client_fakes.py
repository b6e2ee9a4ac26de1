"""Fakes and fixtures for the OutboundClient tests: loopback servers, a fake resolver, a connection recorder.

No test sends a packet to a non-loopback address: names resolve through `FakeResolver`
(never real DNS), and `Recorder` (the connector's socket factory) records every connection
attempt and refuses to create a socket for any non-loopback address.
"""

from __future__ import annotations

import ipaddress
import json
import socket
from collections.abc import AsyncIterator, Callable, Mapping
from typing import Any

import pytest
from aiohappyeyeballs import AddrInfoType
from aiohttp import web
from aiohttp.test_utils import TestServer
from pytest_aiohttp import AiohttpServer

from federation.client import (
    OutboundClient,
)
from tests.network_fakes import FakeResolver

AS2_TYPE = "application/activity+json"


class Recorder:
    """Socket factory: records each connection attempt; only loopback ones get a socket."""

    def __init__(self) -> None:
        self.attempts: list[str] = []

    def __call__(self, addr_info: AddrInfoType) -> socket.socket:
        family, kind, proto, _, address = addr_info
        self.attempts.append(str(address[0]))
        if not ipaddress.ip_address(str(address[0])).is_loopback:
            raise OSError(f"test recorder refuses to connect to {address[0]}")
        return socket.socket(family, kind, proto)


MakeClient = Callable[..., OutboundClient]
Handler = Callable[[web.Request], Any]


@pytest.fixture
def resolver() -> FakeResolver:
    return FakeResolver()


@pytest.fixture
def recorder() -> Recorder:
    return Recorder()


@pytest.fixture
async def make_client(resolver: FakeResolver, recorder: Recorder) -> AsyncIterator[MakeClient]:
    made: list[OutboundClient] = []

    def make(**kwargs: Any) -> OutboundClient:
        client = OutboundClient(resolver=resolver, socket_factory=recorder, **kwargs)
        made.append(client)
        return client

    yield make
    for client in made:
        await client.close()


@pytest.fixture
def local(make_client: MakeClient) -> OutboundClient:
    """A client for which the loopback test server's exact host, 127.0.0.1, is allowed."""
    return make_client(allowed_private_hosts=("127.0.0.1",))


def json_handler(document: Any, content_type: str = AS2_TYPE) -> Handler:
    async def handler(request: web.Request) -> web.Response:
        return web.Response(body=json.dumps(document).encode(), content_type=content_type)
    return handler


async def serve(aiohttp_server: AiohttpServer, routes: Mapping[str, Handler]) -> TestServer:
    app = web.Application()
    for path, handler in routes.items():
        app.router.add_get(path, handler)
        app.router.add_post(path, handler)
    return await aiohttp_server(app, host="127.0.0.1")


def redirect_to(location: str, status: int = 302) -> Handler:
    async def handler(request: web.Request) -> web.Response:
        return web.Response(status=status, headers={"Location": location})
    return handler
