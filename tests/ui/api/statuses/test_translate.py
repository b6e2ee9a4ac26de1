"""`POST /api/v1/statuses/:id/translate` over the translation hook (a LibreTranslate fake on loopback)."""

from __future__ import annotations

from pathlib import Path

import pytest
from pytest_aiohttp import AiohttpClient, AiohttpServer

from tests.content.test_translation import FakeTranslator
from tests.ui.api.schemas import TRANSLATION, assert_entity
from tests.ui.client_api import Api, start_api

STATUSES = "/api/v1/statuses"


@pytest.fixture
async def api(aiohttp_client: AiohttpClient, sqlite_url: str, tmp_path: Path) -> Api:
    """The node may reach the fake translator on loopback."""
    return await start_api(aiohttp_client, sqlite_url, tmp_path, allowed_private_hosts=["127.0.0.0/8"])


async def _translator(api: Api, aiohttp_server: AiohttpServer, fake: FakeTranslator) -> None:
    server = await aiohttp_server(fake.app())
    await api.setting("translation_url", f"http://127.0.0.1:{server.port}")


async def test_a_post_is_translated_into_the_language_asked(api: Api, aiohttp_server: AiohttpServer) -> None:
    await api.member("ana")
    token = await api.token_for("ana")
    post = await api.json("POST", STATUSES, token, data={"status": "Our mural", "language": "en",
                                                          "spoiler_text": "Photo"})
    response = await api.request("POST", f"{STATUSES}/{post['id']}/translate", token, data={"lang": "pt"})
    assert response.status == 404  # translation is off
    fake = FakeTranslator()
    await _translator(api, aiohttp_server, fake)
    body = await api.json("POST", f"{STATUSES}/{post['id']}/translate", token, data={"lang": "pt"})
    assert_entity(body, TRANSLATION)
    assert body["content"] == "[pt] <p>Our mural</p>" and body["spoiler_text"] == "[pt] Photo"
    assert body["detected_source_language"] == "en" and body["language"] == "pt"
    assert body["provider"].startswith("127.0.0.1:")
    instance = await api.json("GET", "/api/v2/instance")
    assert instance["configuration"]["translation"]["enabled"] is True


async def test_private_and_hidden_posts_are_not_sent_for_translation(api: Api,
                                                                     aiohttp_server: AiohttpServer) -> None:
    await api.member("ana")
    await api.member("bob")
    ana, bob = await api.token_for("ana"), await api.token_for("bob")
    fake = FakeTranslator()
    await _translator(api, aiohttp_server, fake)
    private = await api.json("POST", STATUSES, ana, data={"status": "secret", "visibility": "private"})
    response = await api.request("POST", f"{STATUSES}/{private['id']}/translate", ana, data={"lang": "pt"})
    assert response.status == 403 and (await response.json())["error"] == "This action is not allowed"
    response = await api.request("POST", f"{STATUSES}/{private['id']}/translate", bob, data={"lang": "pt"})
    assert response.status == 404
    assert fake.requests == []


async def test_a_translator_that_does_not_answer_is_503(api: Api, aiohttp_server: AiohttpServer) -> None:
    await api.member("ana")
    token = await api.token_for("ana")
    await _translator(api, aiohttp_server, FakeTranslator(answer={"nothing": True}))
    post = await api.json("POST", STATUSES, token, data={"status": "Hello", "language": "en"})
    response = await api.request("POST", f"{STATUSES}/{post['id']}/translate", token, data={"lang": "pt"})
    assert response.status == 503
