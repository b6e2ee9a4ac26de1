"""OutboundClient's SSRF guard: forbidden addresses, names and schemes are refused before any
connection, by each guard layer alone, and again at every redirect hop (at most five).

Names resolve through `FakeResolver`; `Recorder` refuses sockets to non-loopback addresses.
"""

from __future__ import annotations

from typing import Any

import aiohttp
import pytest
from aiohttp import TCPConnector, web
from aiohttp.abc import ResolveResult
from pytest_aiohttp import AiohttpServer

from federation.client import (
    AS2,
    JSON,
    BlockedAddress,
    OutboundClient,
    TooManyRedirects,
    Unreachable,
    UnsupportedURL,
)
from federation.ssrf import AddressPolicy, GuardedConnector
from tests.federation.client_fakes import (
    AS2_TYPE,
    Handler,
    MakeClient,
    Recorder,
    local,
    make_client,
    recorder,
    redirect_to,
    resolver,
    serve,
)
from tests.network_fakes import FakeResolver

__all__ = ["local", "make_client", "recorder", "resolver"]  # fixtures from client_fakes


@pytest.mark.parametrize("url", [
    "http://127.0.0.1/", "http://10.0.0.1/", "http://172.16.0.1/", "http://192.168.1.1/",
    "http://[::1]/", "http://[::ffff:127.0.0.1]/", "https://[::ffff:10.0.0.1]/",
    "http://169.254.169.254/latest/meta-data/", "http://0.0.0.0/", "http://100.64.0.1/",
    "http://[64:ff9b::7f00:1]/", "http://[fe80::1]/", "http://[fc00::1]/", "http://224.0.0.1/",
    "http://255.255.255.255/", "http://[::]/",
])
async def test_literal_forbidden_ip_is_refused_before_connecting(
        make_client: MakeClient, recorder: Recorder, resolver: FakeResolver, url: str) -> None:
    with pytest.raises(BlockedAddress, match="not a public address"):
        await make_client().get_json(url, accept=JSON)
    assert recorder.attempts == []
    assert resolver.lookups == []


@pytest.mark.parametrize("host", ["2130706433", "127.1", "0x7f.0.0.1", "017700000001"])
async def test_legacy_numeric_ipv4_forms_are_refused(make_client: MakeClient, recorder: Recorder,
                                                     resolver: FakeResolver, host: str) -> None:
    resolver.table[host] = ["127.0.0.1"]  # what libc's getaddrinfo answers for these forms
    with pytest.raises((UnsupportedURL, BlockedAddress)):
        await make_client().get_json(f"http://{host}/", accept=JSON)
    assert recorder.attempts == []


async def test_hostname_resolving_to_loopback_is_refused(make_client: MakeClient, recorder: Recorder,
                                                         resolver: FakeResolver) -> None:
    resolver.table["evil.test"] = ["127.0.0.1"]
    with pytest.raises(BlockedAddress, match=r"evil\.test resolves to it"):
        await make_client().get_json("http://evil.test/", accept=JSON)
    assert resolver.lookups == ["evil.test"]
    assert recorder.attempts == []


async def test_name_with_public_and_private_addresses_is_refused_whole(
        make_client: MakeClient, recorder: Recorder, resolver: FakeResolver) -> None:
    resolver.table["mixed.test"] = ["93.184.216.34", "10.0.0.1"]
    with pytest.raises(BlockedAddress, match=r"10\.0\.0\.1"):
        await make_client().get_json("http://mixed.test/", accept=JSON)
    assert recorder.attempts == []


async def test_public_address_passes_the_guard_to_the_socket_layer(
        make_client: MakeClient, recorder: Recorder, resolver: FakeResolver) -> None:
    resolver.table["public.test"] = ["93.184.216.34"]
    with pytest.raises(Unreachable):  # the recorder refuses the socket: nothing is sent
        await make_client().get_json("http://public.test/", accept=JSON)
    assert recorder.attempts == ["93.184.216.34"]


@pytest.mark.parametrize("url", ["ftp://example.org/x", "file:///etc/passwd", "gopher://example.org/",
                                 "javascript:alert(1)", "/relative/path", "http://user:pw@example.org/"])
async def test_non_http_urls_are_refused(make_client: MakeClient, recorder: Recorder, resolver: FakeResolver,
                                         url: str) -> None:
    with pytest.raises(UnsupportedURL):
        await make_client().get_json(url, accept=JSON)
    assert recorder.attempts == [] and resolver.lookups == []


class ResolutionUnguarded(GuardedConnector):
    """Only the connect-time check remains."""

    async def _resolve_host(self, host: str, port: int, traces: Any = None) -> list[ResolveResult]:
        return await TCPConnector._resolve_host(self, host, port, traces=traces)


class ConnectUnguarded(GuardedConnector):
    """Only the resolution-time check remains."""

    async def _wrap_create_connection(self, *args: Any, **kwargs: Any) -> Any:
        return await TCPConnector._wrap_create_connection(self, *args, **kwargs)


@pytest.mark.parametrize("layer", [ResolutionUnguarded, ConnectUnguarded])
@pytest.mark.parametrize("url", ["http://evil.test/", "http://10.0.0.1/", "http://[::ffff:10.0.0.1]/"])
async def test_each_guard_layer_alone_refuses(recorder: Recorder, resolver: FakeResolver,
                                              layer: type[GuardedConnector], url: str) -> None:
    resolver.table["evil.test"] = ["10.0.0.1"]
    connector = layer(AddressPolicy(), resolver=resolver, socket_factory=recorder)
    async with aiohttp.ClientSession(connector=connector) as session:
        with pytest.raises(BlockedAddress):
            await session.get(url)
    assert recorder.attempts == []


async def test_redirect_to_forbidden_ip_is_refused_at_second_hop(
        aiohttp_server: AiohttpServer, local: OutboundClient, recorder: Recorder) -> None:
    hits: list[str] = []

    async def start(request: web.Request) -> web.Response:
        hits.append(request.path)
        return web.Response(status=302, headers={"Location": f"http://127.0.0.2:{request.url.port}/x"})

    server = await serve(aiohttp_server, {"/start": start})
    with pytest.raises(BlockedAddress, match=r"127\.0\.0\.2"):
        await local.get_json(str(server.make_url("/start")), accept=AS2)
    assert hits == ["/start"]
    assert recorder.attempts == ["127.0.0.1"]


async def test_redirect_to_name_resolving_to_private_address_is_refused(
        aiohttp_server: AiohttpServer, local: OutboundClient, recorder: Recorder,
        resolver: FakeResolver) -> None:
    resolver.table["internal.test"] = ["10.0.0.1"]
    server = await serve(aiohttp_server, {"/start": redirect_to("http://internal.test/admin", 307)})
    with pytest.raises(BlockedAddress, match=r"internal\.test resolves to it"):
        await local.get_json(str(server.make_url("/start")), accept=AS2)
    assert resolver.lookups == ["internal.test"]
    assert recorder.attempts == ["127.0.0.1"]


async def test_redirect_to_non_http_scheme_is_refused(aiohttp_server: AiohttpServer,
                                                      local: OutboundClient) -> None:
    server = await serve(aiohttp_server, {"/start": redirect_to("file:///etc/passwd")})
    with pytest.raises(UnsupportedURL, match="file:///etc/passwd"):
        await local.get_json(str(server.make_url("/start")), accept=AS2)


def redirect_chain(stop: int) -> Handler:
    async def handler(request: web.Request) -> web.Response:
        step = int(request.match_info["step"])
        if step < stop:
            return web.Response(status=301, headers={"Location": f"/r/{step + 1}"})
        return web.json_response({"step": step}, content_type=AS2_TYPE)
    return handler


async def test_five_redirects_are_followed(aiohttp_server: AiohttpServer, local: OutboundClient) -> None:
    server = await serve(aiohttp_server, {"/r/{step}": redirect_chain(stop=5)})
    result = await local.get_json(str(server.make_url("/r/0")), accept=AS2)
    assert result.data == {"step": 5}
    assert result.final_url == str(server.make_url("/r/5"))


async def test_sixth_redirect_is_refused(aiohttp_server: AiohttpServer, local: OutboundClient) -> None:
    server = await serve(aiohttp_server, {"/r/{step}": redirect_chain(stop=6)})
    with pytest.raises(TooManyRedirects, match="more than 5"):
        await local.get_json(str(server.make_url("/r/0")), accept=AS2)
