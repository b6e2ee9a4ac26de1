"""OutboundClient against loopback test servers: fetching, signing and posting, and the errors
it raises for answers and connections that fail.

Names resolve through `FakeResolver`; `Recorder` refuses sockets to non-loopback addresses.
"""

from __future__ import annotations

import socket
from collections.abc import Mapping

import pytest
from aiohttp import web
from pytest_aiohttp import AiohttpServer

from federation.client import (
    AS2,
    OutboundClient,
    RemoteError,
    Unreachable,
)
from tests.federation.client_fakes import (
    AS2_TYPE,
    MakeClient,
    Recorder,
    json_handler,
    local,
    make_client,
    recorder,
    resolver,
    serve,
)
from tests.network_fakes import FakeResolver

__all__ = ["local", "make_client", "recorder", "resolver"]  # fixtures from client_fakes


async def test_fetches_json_from_allowed_loopback_server(aiohttp_server: AiohttpServer, local: OutboundClient,
                                                         recorder: Recorder) -> None:
    server = await serve(aiohttp_server, {"/note": json_handler({"type": "Note"})})
    result = await local.get_json(str(server.make_url("/note")), accept=AS2)
    assert (result.status, result.data, result.content_type) == (200, {"type": "Note"}, AS2_TYPE)
    assert recorder.attempts == ["127.0.0.1"]


async def test_cidr_entry_allows_loopback_server(aiohttp_server: AiohttpServer,
                                                 make_client: MakeClient) -> None:
    server = await serve(aiohttp_server, {"/": json_handler([1])})
    result = await make_client(allowed_private_hosts=("127.0.0.0/8",)).get_json(
        str(server.make_url("/")), accept=AS2)
    assert result.data == [1]


async def test_allowed_hostname_may_resolve_to_loopback(
        aiohttp_server: AiohttpServer, make_client: MakeClient, resolver: FakeResolver) -> None:
    server = await serve(aiohttp_server, {"/": json_handler([1])})
    resolver.table["dev.test"] = ["127.0.0.1"]
    result = await make_client(allowed_private_hosts=("dev.test",)).get_json(
        f"http://dev.test:{server.port}/", accept=AS2)
    assert result.final_url == f"http://dev.test:{server.port}/"


async def test_sends_accept_and_signer_headers(aiohttp_server: AiohttpServer,
                                               make_client: MakeClient) -> None:
    seen: list[Mapping[str, str]] = []
    calls: list[tuple[str, str, bytes | None, str | None]] = []

    async def handler(request: web.Request) -> web.Response:
        seen.append(request.headers)
        return web.json_response({}, content_type=AS2_TYPE)

    def signer(method: str, url: str, body: bytes | None, content_type: str | None) -> Mapping[str, str]:
        calls.append((method, url, body, content_type))
        return {"Signature": "test-signature"}

    server = await serve(aiohttp_server, {"/": handler})
    url = str(server.make_url("/"))
    await make_client(allowed_private_hosts=("127.0.0.1",), signer=signer).get_json(url, accept=AS2)
    assert seen[0]["Accept"] == ", ".join(AS2)
    assert seen[0]["Signature"] == "test-signature"
    assert calls == [("GET", url, None, None)]


async def test_post_sends_signed_body_and_returns_status(aiohttp_server: AiohttpServer,
                                                         make_client: MakeClient) -> None:
    received: list[tuple[bytes, str, str]] = []

    async def inbox(request: web.Request) -> web.Response:
        received.append((await request.read(), request.content_type, request.headers["Signature"]))
        return web.Response(status=202)

    server = await serve(aiohttp_server, {"/inbox": inbox})
    client = make_client(allowed_private_hosts=("127.0.0.1",), signer=lambda *args: {"Signature": "s"})
    result = await client.post(str(server.make_url("/inbox")), b'{"type":"Follow"}', content_type=AS2_TYPE)
    assert result.status == 202
    assert received == [(b'{"type":"Follow"}', AS2_TYPE, "s")]


async def test_post_ignores_a_long_answer(aiohttp_server: AiohttpServer, local: OutboundClient) -> None:
    async def chatty_inbox(request: web.Request) -> web.Response:
        return web.Response(status=202, body=b"x" * 200_000)

    server = await serve(aiohttp_server, {"/inbox": chatty_inbox})
    result = await local.post(str(server.make_url("/inbox")), b"{}", content_type=AS2_TYPE)
    assert result.status == 202


@pytest.mark.parametrize("status", [307, 410, 500])
async def test_post_error_or_redirect_status_raises_remote_error(aiohttp_server: AiohttpServer,
                                                                 local: OutboundClient, status: int) -> None:
    async def inbox(request: web.Request) -> web.Response:
        return web.Response(status=status, headers={"Location": "/elsewhere", "Retry-After": "120"})

    server = await serve(aiohttp_server, {"/inbox": inbox})
    with pytest.raises(RemoteError) as caught:
        await local.post(str(server.make_url("/inbox")), b"{}", content_type=AS2_TYPE)
    assert (caught.value.status, caught.value.headers["Retry-After"]) == (status, "120")


async def test_get_error_status_raises_remote_error(aiohttp_server: AiohttpServer,
                                                    local: OutboundClient) -> None:
    async def gone(request: web.Request) -> web.Response:
        return web.Response(status=410)

    server = await serve(aiohttp_server, {"/": gone})
    with pytest.raises(RemoteError, match="HTTP 410"):
        await local.get_json(str(server.make_url("/")), accept=AS2)


async def test_connection_refused_is_unreachable(local: OutboundClient) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(Unreachable):
        await local.get_json(f"http://127.0.0.1:{port}/", accept=AS2)
