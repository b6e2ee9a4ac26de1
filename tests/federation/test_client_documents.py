"""What OutboundClient accepts as an answer: size caps (announced or read), content types,
JSON depth and validity, and the same-origin rule for fetched objects.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from aiohttp import web
from pytest_aiohttp import AiohttpServer

from federation.client import (
    AS2,
    IMAGES,
    InvalidJSON,
    OriginMismatch,
    OutboundClient,
    TooDeep,
    TooLarge,
    UnexpectedContentType,
    content_type_matches,
    origin,
    parse_json,
)
from tests.federation.client_fakes import (
    AS2_TYPE,
    Handler,
    MakeClient,
    json_handler,
    local,
    make_client,
    recorder,
    resolver,
    serve,
)
from tests.network_fakes import FakeResolver

__all__ = ["local", "make_client", "recorder", "resolver"]  # fixtures from client_fakes


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
