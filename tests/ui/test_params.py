"""Request parameters as Mastodon clients send them: query, form, multipart and JSON alike."""

from __future__ import annotations

from typing import Any

import pytest
from aiohttp import FormData, web
from aiohttp.test_utils import TestClient
from multidict import MultiDict
from pytest_aiohttp import AiohttpClient

from storage.errors import Invalid
from ui.params import Params, cast_bool, nest, read_params

TestClient.__test__ = False


def test_rails_style_keys_become_lists_and_hashes() -> None:
    data = nest(MultiDict([("id[]", "1"), ("id[]", "2"), ("source[privacy]", "private"),
                           ("fields_attributes[0][name]", "Web"), ("fields_attributes[0][value]", "x"),
                           ("fields_attributes[1][name]", "Pronouns"), ("plain", "v")]))
    assert data == {"id": ["1", "2"], "source": {"privacy": "private"}, "plain": "v",
                    "fields_attributes": {"0": {"name": "Web", "value": "x"}, "1": {"name": "Pronouns"}}}


def test_keys_too_deep_or_with_empty_middle_parts_are_ignored() -> None:
    assert nest([("a[b][c][d][e][f]", "x"), ("a[][b]", "y")]) == {}


@pytest.mark.parametrize(("value", "expected"), [
    ("1", True), ("true", True), ("TRUE", True), ("0", False), ("false", False), ("f", False),
    (True, True), (False, False), (1, True), (0, False), ("", None), (None, None),
])
def test_booleans_are_cast_as_rails_does(value: Any, expected: bool | None) -> None:
    assert cast_bool("locked", value) is expected


@pytest.mark.parametrize("value", ["maybe", "2", 7, ["true"]])
def test_anything_else_is_not_a_boolean(value: Any) -> None:
    with pytest.raises(Invalid, match="locked must be true or false"):
        cast_bool("locked", value)


def test_one_value_where_a_list_is_expected_counts_as_a_list() -> None:
    params = Params({"a": "1", "b": ["1", 2], "c": {"0": "x", "1": "y"}})
    assert params.strings("a") == ["1"] and params.strings("b") == ["1", "2"]
    assert params.strings("c") == ["x", "y"] and params.strings("missing") == []


def test_wrong_types_are_refused_with_the_parameter_name() -> None:
    with pytest.raises(Invalid, match="display_name must be a string"):
        Params({"display_name": ["a"]}).text("display_name")
    with pytest.raises(Invalid, match="at most 3"):
        Params({"x": "abcd"}).text("x", max_length=3)


async def _echo(aiohttp_client: AiohttpClient) -> TestClient[web.Request, web.Application]:
    async def echo(request: web.Request) -> web.Response:
        params = await read_params(request)
        return web.json_response({"data": params.data, "files": sorted(params.files)})
    app = web.Application()
    app.router.add_route("*", "/echo", echo)
    return await aiohttp_client(app)


async def test_json_form_and_multipart_bodies_read_the_same(aiohttp_client: AiohttpClient) -> None:
    client = await _echo(aiohttp_client)
    expected = {"source": {"privacy": "private"}, "id": ["1", "2"]}
    as_json = await client.post("/echo", json=expected)
    as_form = await client.post("/echo", data=[("source[privacy]", "private"), ("id[]", "1"), ("id[]", "2")])
    multipart = FormData([("source[privacy]", "private"), ("id[]", "1"), ("id[]", "2")])
    multipart.add_field("avatar", b"\x89PNG", filename="a.png", content_type="image/png")
    as_multipart = await client.post("/echo", data=multipart)
    assert (await as_json.json())["data"] == expected
    assert (await as_form.json())["data"] == expected
    assert await as_multipart.json() == {"data": expected, "files": ["avatar"]}


async def test_the_body_overrides_the_query_string(aiohttp_client: AiohttpClient) -> None:
    client = await _echo(aiohttp_client)
    response = await client.post("/echo?a=query&b=query", data={"a": "body"})
    assert (await response.json())["data"] == {"a": "body", "b": "query"}


@pytest.mark.parametrize("body", [b"{not json", b"[1, 2]"])
async def test_bad_json_is_a_400_with_a_json_error(aiohttp_client: AiohttpClient, body: bytes) -> None:
    client = await _echo(aiohttp_client)
    response = await client.post("/echo", data=body, headers={"Content-Type": "application/json"})
    assert response.status == 400
    assert "JSON" in (await response.json())["error"]
