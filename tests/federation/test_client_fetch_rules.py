"""What OutboundClient trusts in a fetched object, and how it follows and signs redirects:
an object speaks only for the URL it was fetched from; https never downgrades to http."""

from __future__ import annotations

from collections.abc import Mapping

import pytest
from aiohttp import web
from pytest_aiohttp import AiohttpServer
from yarl import URL

from federation.client import OriginMismatch, OutboundClient, UnsupportedURL, _redirect_target
from tests.federation.client_fakes import AS2_TYPE, MakeClient, local, make_client, recorder, resolver, serve

__all__ = ["local", "make_client", "recorder", "resolver"]  # fixtures from client_fakes


async def test_an_object_naming_another_id_is_refetched_from_that_id(aiohttp_server: AiohttpServer,
                                                                     local: OutboundClient) -> None:
    hits: list[str] = []

    async def document(request: web.Request) -> web.Response:
        hits.append(request.path)
        claimed = request.url.with_path("/users/alice").with_query(None)
        return web.json_response({"id": str(claimed), "type": "Person", "name": request.path},
                                 content_type=AS2_TYPE)

    server = await serve(aiohttp_server, {"/media/abc.json": document, "/users/alice": document})
    result = await local.fetch_object(str(server.make_url("/media/abc.json")))
    assert result.data["name"] == "/users/alice"  # the document its id serves, not the upload
    assert result.final_url == str(server.make_url("/users/alice"))
    assert hits == ["/media/abc.json", "/users/alice"]


async def test_a_refetched_object_must_carry_exactly_its_id(aiohttp_server: AiohttpServer,
                                                            local: OutboundClient) -> None:
    hits: list[str] = []

    async def elsewhere(request: web.Request) -> web.Response:  # every answer names the next URL
        hits.append(request.path)
        next_url = str(request.url.with_path(request.path + "x"))
        return web.json_response({"id": next_url}, content_type=AS2_TYPE)

    server = await serve(aiohttp_server, {"/a": elsewhere, "/ax": elsewhere, "/axx": elsewhere})
    with pytest.raises(OriginMismatch, match="does not serve an object with that id"):
        await local.fetch_object(str(server.make_url("/a")))
    assert hits == ["/a", "/ax"]  # one refetch at most


async def test_a_refetch_that_redirects_away_from_the_id_is_refused(aiohttp_server: AiohttpServer,
                                                                    local: OutboundClient) -> None:
    async def upload(request: web.Request) -> web.Response:  # claims the actor's id
        return web.json_response({"id": str(request.url.with_path("/users/alice"))}, content_type=AS2_TYPE)

    async def to_upload(request: web.Request) -> web.Response:
        return web.Response(status=302, headers={"Location": "/media/abc.json"})

    server = await serve(aiohttp_server, {"/media/abc.json": upload, "/users/alice": to_upload})
    with pytest.raises(OriginMismatch):
        await local.fetch_object(str(server.make_url("/media/abc.json")))


@pytest.mark.parametrize("location", ["http://a.test/next", "HTTP://a.test/next", "//a.test:80/next"])
def test_a_redirect_from_https_to_http_is_refused(location: str) -> None:
    current = URL("https://a.test/start")
    if location.startswith("//"):  # scheme-relative: stays https, so it is followed
        assert _redirect_target(current, location).scheme == "https"
        return
    with pytest.raises(UnsupportedURL, match="https is never followed to http"):
        _redirect_target(current, location)


def test_a_redirect_from_http_to_https_is_followed() -> None:
    assert str(_redirect_target(URL("http://a.test/start"), "https://a.test/next")) == "https://a.test/next"


async def test_each_redirect_hop_is_signed_anew_for_its_own_url(aiohttp_server: AiohttpServer,
                                                               make_client: MakeClient) -> None:
    seen: list[tuple[str, str]] = []
    calls: list[tuple[str, str]] = []

    async def hop(request: web.Request) -> web.Response:
        seen.append((request.path, request.headers.get("Signature", "")))
        if request.path == "/first":
            return web.Response(status=302, headers={"Location": "/second"})
        return web.json_response({"id": str(request.url)}, content_type=AS2_TYPE)

    def signer(method: str, url: str, body: bytes | None, content_type: str | None) -> Mapping[str, str]:
        calls.append((method, url))
        return {"Signature": f"signed {url}"}

    server = await serve(aiohttp_server, {"/first": hop, "/second": hop})
    client = make_client(allowed_private_hosts=("127.0.0.1",), signer=signer)
    first, second = str(server.make_url("/first")), str(server.make_url("/second"))
    await client.fetch_object(first)
    assert calls == [("GET", first), ("GET", second)]
    assert seen == [("/first", f"signed {first}"), ("/second", f"signed {second}")]


async def test_an_id_spelled_as_the_client_spells_its_url_is_the_same_url(aiohttp_server: AiohttpServer,
                                                                         local: OutboundClient) -> None:
    hits: list[str] = []

    async def tag(request: web.Request) -> web.Response:
        hits.append(request.path)
        document = {"id": f"http://127.0.0.1:{request.url.port}/tags/café"}
        return web.json_response(document, content_type=AS2_TYPE)

    server = await serve(aiohttp_server, {"/tags/{name}": tag})
    result = await local.fetch_object(f"http://127.0.0.1:{server.port}/tags/café")
    assert result.data["id"].endswith("/tags/café") and hits == ["/tags/café"]  # no refetch
