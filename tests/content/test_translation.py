"""Machine translation through a LibreTranslate-compatible fake on loopback."""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from pytest_aiohttp import AiohttpServer
from sqlalchemy.ext.asyncio import AsyncEngine

from actors.reading.translation import TranslationUnavailable, translate_status
from federation.client import OutboundClient
from federation.services import Services
from storage import settings
from storage.errors import Invalid
from storage.models import Actor, Status
from tests.actors.factories import post

SECRET = "s3cret-api-key"


class FakeTranslator:
    def __init__(self, *, delay: float = 0.0, answer: Any = None) -> None:
        self.requests: list[dict[str, Any]] = []
        self.delay, self.answer = delay, answer

    async def translate(self, request: web.Request) -> web.Response:
        body = await request.json()
        self.requests.append(body)
        await asyncio.sleep(self.delay)
        if self.answer is not None:
            return web.json_response(self.answer)
        texts = body["q"] if isinstance(body["q"], list) else [body["q"]]
        out = [f"[{body['target']}] {t}<script>alert(1)</script>" for t in texts]
        return web.json_response({"translatedText": out if isinstance(body["q"], list) else out[0]})

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_post("/translate", self.translate)
        return app


async def _setup(services: Services, aiohttp_server: AiohttpServer, fake: FakeTranslator) -> str:
    server = await aiohttp_server(fake.app())
    url = f"http://127.0.0.1:{server.port}"
    async with services.sessions() as session, session.begin():
        await settings.set_value(session, "translation_url", url)
    return url


async def _status(services: Services, author: Actor, **kwargs: Any) -> Status:
    return await post(services, author, text="Our mural", language="en", **kwargs)


async def test_translation_is_off_by_default(services: Services, author: Actor) -> None:
    with pytest.raises(Invalid, match="turned off"):
        await translate_status(services, await _status(services, author), "pt")


async def test_a_version_is_translated_sanitized_and_labelled(
        services: Services, author: Actor, aiohttp_server: AiohttpServer) -> None:
    fake = FakeTranslator()
    await _setup(services, aiohttp_server, fake)
    services.config = dataclasses.replace(services.config, translation_api_key=SECRET)
    status = await _status(services, author, summary="Photo")
    result = await translate_status(services, status, "pt")
    assert result.content == "[pt] <p>Our mural</p>" and result.summary == "[pt] Photo"
    assert (result.source_language, result.target_language, result.machine) == ("en", "pt", True)
    assert result.provider.startswith("127.0.0.1:")
    [sent] = fake.requests
    assert sent == {"q": ["<p>Our mural</p>", "Photo"], "source": "en", "target": "pt", "format": "html",
                    "api_key": SECRET}


async def test_another_version_can_be_the_source(
        services: Services, author: Actor, aiohttp_server: AiohttpServer) -> None:
    fake = FakeTranslator()
    await _setup(services, aiohttp_server, fake)
    status = await _status(services, author, content_map={"pt": "Nosso mural"})
    result = await translate_status(services, status, "de", source_language="pt")
    assert result.source_language == "pt" and "Nosso mural" in result.content
    assert fake.requests[0]["q"] == "<p>Nosso mural</p>" and "api_key" not in fake.requests[0]


async def test_a_slow_server_times_out_and_the_key_is_never_logged(
        services: Services, author: Actor, aiohttp_server: AiohttpServer,
        caplog: pytest.LogCaptureFixture) -> None:
    await _setup(services, aiohttp_server, FakeTranslator(delay=2.0))
    services.config = dataclasses.replace(services.config, translation_api_key=SECRET)
    caplog.set_level(logging.DEBUG)
    with pytest.raises(TranslationUnavailable, match="timed out"):
        await translate_status(services, await _status(services, author), "pt", seconds=0.2)
    assert caplog.records and all(SECRET not in r.getMessage() and SECRET not in str(r.__dict__)
                                  for r in caplog.records)
    assert SECRET not in repr(services.config)


async def test_an_answer_without_translated_text_is_refused(
        services: Services, author: Actor, aiohttp_server: AiohttpServer) -> None:
    await _setup(services, aiohttp_server, FakeTranslator(answer={"error": "nope"}))
    with pytest.raises(TranslationUnavailable, match="translatedText"):
        await translate_status(services, await _status(services, author), "pt")


async def test_a_private_address_is_refused_by_the_ssrf_guard(
        services: Services, engine: AsyncEngine, author: Actor, aiohttp_server: AiohttpServer,
        tmp_path: Path) -> None:
    fake = FakeTranslator()
    await _setup(services, aiohttp_server, fake)
    guarded = dataclasses.replace(services, client=OutboundClient())  # no private hosts allowed
    try:
        with pytest.raises(TranslationUnavailable):
            await translate_status(guarded, await _status(services, author), "pt")
    finally:
        await guarded.client.close()
    assert fake.requests == []
