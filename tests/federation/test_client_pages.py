"""`OutboundClient.get_page`: web pages (link previews) are fetched unsigned, only their start read."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable

import pytest
from aiohttp import web
from pytest_aiohttp import AiohttpServer

from federation.client import OutboundClient, RemoteError, UnexpectedContentType
from tests.network_fakes import FakeResolver

HTML = ("text/html",)


@pytest.fixture
async def client() -> AsyncIterator[OutboundClient]:
    made = OutboundClient(allowed_private_hosts=("127.0.0.1",), resolver=FakeResolver())
    made.signer = lambda method, url, body, content_type: {"Signature": "signed"}
    yield made
    await made.close()


async def _server(aiohttp_server: AiohttpServer,
                  handler: Callable[[web.Request], Awaitable[web.StreamResponse]]) -> str:
    app = web.Application()
    app.router.add_get("/{tail:.*}", handler)
    server = await aiohttp_server(app, host="127.0.0.1")
    return f"http://127.0.0.1:{server.port}"


async def test_a_page_is_fetched_unsigned_and_cut_at_the_cap(aiohttp_server: AiohttpServer,
                                                             client: OutboundClient) -> None:
    headers: list[dict[str, str]] = []

    async def page(request: web.Request) -> web.Response:
        headers.append(dict(request.headers))
        return web.Response(body=b"<html>" + b"x" * 100_000, content_type="text/html")
    base = await _server(aiohttp_server, page)
    result = await client.get_page(f"{base}/p", accept=HTML, max_bytes=1000)
    assert result.data == (b"<html>" + b"x" * 100_000)[:1000] and result.status == 200
    assert "Signature" not in headers[0] and headers[0]["Accept"] == "text/html"
    short = await client.get_page(f"{base}/p", accept=HTML, max_bytes=200_000)
    assert len(short.data) == 100_006  # a page under the cap comes whole


async def test_a_page_of_another_type_or_status_is_refused(aiohttp_server: AiohttpServer,
                                                          client: OutboundClient) -> None:
    async def page(request: web.Request) -> web.Response:
        if request.path == "/json":
            return web.Response(body=b"{}", content_type="application/json")
        return web.Response(status=404)
    base = await _server(aiohttp_server, page)
    with pytest.raises(UnexpectedContentType, match="application/json"):
        await client.get_page(f"{base}/json", accept=HTML, max_bytes=1000)
    with pytest.raises(RemoteError, match="404"):
        await client.get_page(f"{base}/missing", accept=HTML, max_bytes=1000)
