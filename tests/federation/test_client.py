"""OutboundClient against loopback test servers, a fake resolver and a connection recorder.

No test sends a packet to a non-loopback address: names resolve through `FakeResolver`
(never real DNS), and `Recorder` (the connector's socket factory) records every connection
attempt and refuses to create a socket for any non-loopback address.
"""

from __future__ import annotations

import asyncio
import ipaddress
import json
import socket
from collections.abc import AsyncIterator, Callable, Mapping
from typing import Any

import aiohttp
import pytest
from aiohappyeyeballs import AddrInfoType
from aiohttp import TCPConnector, web
from aiohttp.abc import ResolveResult
from aiohttp.test_utils import TestServer
from pytest_aiohttp import AiohttpServer

from federation.client import (
    AS2,
    IMAGES,
    JSON,
    BlockedAddress,
    InvalidJSON,
    OriginMismatch,
    OutboundClient,
    RemoteError,
    TooDeep,
    TooLarge,
    TooManyRedirects,
    UnexpectedContentType,
    Unreachable,
    UnsupportedURL,
    content_type_matches,
    origin,
    parse_json,
)
from federation.ssrf import AddressPolicy, GuardedConnector
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


# --- the guard, before any connection -------------------------------------------------------

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


# --- loopback servers that are allowed ------------------------------------------------------

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


# --- redirects -------------------------------------------------------------------------------

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


# --- size, content type, JSON ----------------------------------------------------------------

def stalling_body(prefix: bytes, release: asyncio.Event, length: int | None = None) -> Handler:
    """Sends `prefix`, then holds the response open until `release` is set."""
    async def handler(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(headers={"Content-Type": AS2_TYPE})
        if length is not None:
            response.content_length = length
        await response.prepare(request)
        await response.write(prefix)
        await release.wait()
        return response
    return handler


async def test_body_over_the_cap_is_refused_without_reading_the_rest(
        aiohttp_server: AiohttpServer, make_client: MakeClient) -> None:
    release = asyncio.Event()  # the body never ends while the client waits: it must stop on its own
    server = await serve(aiohttp_server, {"/": stalling_body(b"[" + b"0," * 1000, release)})
    client = make_client(allowed_private_hosts=("127.0.0.1",), max_fetch_bytes=1000)
    try:
        with pytest.raises(TooLarge, match="limit of 1000"):
            await asyncio.wait_for(client.get_json(str(server.make_url("/")), accept=AS2), 5)
    finally:
        release.set()


async def test_announced_length_over_the_cap_is_refused_before_reading(
        aiohttp_server: AiohttpServer, make_client: MakeClient) -> None:
    release = asyncio.Event()
    server = await serve(aiohttp_server, {"/": stalling_body(b"[0", release, length=10_000_000)})
    client = make_client(allowed_private_hosts=("127.0.0.1",), max_fetch_bytes=1000)
    try:
        with pytest.raises(TooLarge, match="announced 10000000 bytes"):
            await asyncio.wait_for(client.get_json(str(server.make_url("/")), accept=AS2), 5)
    finally:
        release.set()


async def test_get_bytes_takes_its_cap_per_call(aiohttp_server: AiohttpServer, local: OutboundClient) -> None:
    async def image(request: web.Request) -> web.Response:
        return web.Response(body=b"\x89PNG" + b"\0" * 96, content_type="image/png")

    server = await serve(aiohttp_server, {"/a.png": image})
    client = local
    url = str(server.make_url("/a.png"))
    assert len((await client.get_bytes(url, accept=IMAGES, max_bytes=100)).data) == 100
    with pytest.raises(TooLarge):
        await client.get_bytes(url, accept=IMAGES, max_bytes=99)


async def test_wrong_content_type_is_refused(aiohttp_server: AiohttpServer, local: OutboundClient) -> None:
    server = await serve(aiohttp_server, {"/": json_handler({"id": "x"}, content_type="text/html")})
    with pytest.raises(UnexpectedContentType, match="text/html"):
        await local.get_json(str(server.make_url("/")), accept=AS2)


@pytest.mark.parametrize("header", [
    AS2_TYPE, "application/activity+json; charset=utf-8", "Application/Activity+JSON",
    "application/ld+json", 'application/ld+json; profile="https://www.w3.org/ns/activitystreams"',
    'application/ld+json;profile="https://example.org/x https://www.w3.org/ns/activitystreams"',
])
def test_as2_content_types_accepted(header: str) -> None:
    assert content_type_matches(header, AS2)


@pytest.mark.parametrize("header", [
    None, "", "application/json", "text/html", "application/activity+jsonx",
    'application/ld+json; profile="https://example.org/other"',
])
def test_other_content_types_refused_for_as2(header: str | None) -> None:
    assert not content_type_matches(header, AS2)


async def test_deeply_nested_json_is_refused(aiohttp_server: AiohttpServer, local: OutboundClient) -> None:
    async def deep(request: web.Request) -> web.Response:
        return web.Response(body=b"[" * 1000 + b"]" * 1000, content_type=AS2_TYPE)

    server = await serve(aiohttp_server, {"/": deep})
    with pytest.raises(TooDeep):
        await local.get_json(str(server.make_url("/")), accept=AS2)


@pytest.mark.parametrize("depth", [65, 100_000])
def test_parse_json_refuses_depth_over_64_without_recursion_error(depth: int) -> None:
    with pytest.raises(TooDeep):
        parse_json(b'{"a":' * depth + b"1" + b"}" * depth)


def test_parse_json_accepts_depth_64() -> None:
    assert parse_json(b"[" * 64 + b"]" * 64) is not None


@pytest.mark.parametrize("body", [b"{", b"NaN", b"\xff\xfe\x00", b""])
def test_parse_json_refuses_invalid_documents(body: bytes) -> None:
    with pytest.raises(InvalidJSON):
        parse_json(body)


# --- the same-origin rule --------------------------------------------------------------------

def test_origin_fills_default_ports_and_ignores_case() -> None:
    assert origin("https://Example.org/users/a") == origin("https://example.org:443/x") == (
        "https", "example.org", 443)
    assert origin("http://example.org/") != origin("https://example.org/")
    assert origin("http://example.org:8080/") != origin("http://example.org/")


async def test_object_with_same_origin_id_is_returned(aiohttp_server: AiohttpServer,
                                                      local: OutboundClient) -> None:
    async def note(request: web.Request) -> web.Response:
        return web.json_response({"id": str(request.url.with_path("/notes/1")), "type": "Note"},
                                 content_type=AS2_TYPE)

    server = await serve(aiohttp_server, {"/notes/1": note})
    result = await local.fetch_object(str(server.make_url("/notes/1")))
    assert result.data["type"] == "Note"


@pytest.mark.parametrize("document", [
    {"id": "http://other.example/notes/1", "type": "Note"},
    {"type": "Note"},
])
async def test_object_without_same_origin_id_is_refused(aiohttp_server: AiohttpServer, local: OutboundClient,
                                                        document: dict[str, Any]) -> None:
    server = await serve(aiohttp_server, {"/notes/1": json_handler(document)})
    with pytest.raises(OriginMismatch):
        await local.fetch_object(str(server.make_url("/notes/1")))


@pytest.mark.parametrize(("id_host", "accepted"), [("b.test", True), ("a.test", False)])
async def test_origin_is_judged_from_the_final_url_after_redirects(
        aiohttp_server: AiohttpServer, make_client: MakeClient, resolver: FakeResolver,
        id_host: str, accepted: bool) -> None:
    resolver.table.update({"a.test": ["127.0.0.1"], "b.test": ["127.0.0.1"]})

    async def start(request: web.Request) -> web.Response:
        return web.Response(status=302, headers={"Location": f"http://b.test:{request.url.port}/note"})

    async def note(request: web.Request) -> web.Response:
        return web.json_response({"id": f"http://{id_host}:{request.url.port}/note"}, content_type=AS2_TYPE)

    server = await serve(aiohttp_server, {"/start": start, "/note": note})
    client = make_client(allowed_private_hosts=("a.test", "b.test"))
    fetch = client.fetch_object(f"http://a.test:{server.port}/start")
    if accepted:
        assert (await fetch).final_url == f"http://b.test:{server.port}/note"
    else:
        with pytest.raises(OriginMismatch):
            await fetch

