"""Media uploads through the API: v2 and v1, alt text and focus, updates, oversized files."""

from __future__ import annotations

import io
import os
from pathlib import Path

from aiohttp import FormData
from PIL import Image
from pytest_aiohttp import AiohttpClient

from storage.models import MediaAttachment
from tests.ui.api.schemas import MEDIA_ATTACHMENT, assert_entity
from tests.ui.client_api import Api, start_api

MEDIA = "/api/v2/media"


def png_bytes(size: int = 8) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (size, size), (200, 30, 30)).save(out, format="PNG")
    return out.getvalue()


def _form(data: bytes, **fields: str) -> FormData:
    form = FormData()
    form.add_field("file", data, filename="picture.png", content_type="image/png")
    for name, value in fields.items():
        form.add_field(name, value)
    return form


async def test_upload_with_alt_text_and_focus(any_api: Api) -> None:
    api = any_api
    await api.member("alice")
    token = await api.token_for("alice")
    body = await api.json("POST", MEDIA, token, data=_form(png_bytes(), description="a red square",
                                                             focus="0.5,-0.25"))
    assert_entity(body, MEDIA_ATTACHMENT)
    assert body["type"] == "image" and body["description"] == "a red square"
    assert body["url"].startswith(api.config.base_url) and body["meta"]["focus"] == {"x": 0.5, "y": -0.25}
    v1 = await api.json("POST", "/api/v1/media", token, data=_form(png_bytes()))
    assert v1["description"] is None
    shown = await api.json("GET", f"/api/v1/media/{body['id']}", token)
    assert shown["id"] == body["id"]
    changed = await api.json("PUT", f"/api/v1/media/{body['id']}", token, data={"description": "red"})
    assert changed["description"] == "red"


async def test_others_uploads_and_attached_ones_are_not_found(api: Api) -> None:
    await api.member("alice")
    await api.member("bob")
    alice, bob = await api.token_for("alice"), await api.token_for("bob")
    body = await api.json("POST", MEDIA, alice, data=_form(png_bytes()))
    assert (await api.request("GET", f"/api/v1/media/{body['id']}", bob)).status == 404
    response = await api.request("PUT", f"/api/v1/media/{body['id']}", bob, data={"description": "mine"})
    assert response.status == 404
    await api.json("POST", "/api/v1/statuses", alice, data={"status": "pic", "media_ids[]": body["id"]})
    response = await api.request("PUT", f"/api/v1/media/{body['id']}", alice, data={"description": "late"})
    assert response.status == 404


async def test_not_a_picture_is_422_and_nothing_is_stored(api: Api, tmp_path: Path) -> None:
    await api.member("alice")
    token = await api.token_for("alice")
    response = await api.request("POST", MEDIA, token, data=_form(b"<html>not an image</html>"))
    assert response.status == 422
    assert await api.count(MediaAttachment) == 0
    assert not [p for p in Path(api.config.media_dir).rglob("*") if p.is_file()]


async def test_an_oversized_upload_is_413_and_nothing_is_stored(
        aiohttp_client: AiohttpClient, sqlite_url: str, tmp_path: Path) -> None:
    api = await start_api(aiohttp_client, sqlite_url, tmp_path, limits={"max_upload_bytes": 50_000})
    await api.member("alice")
    token = await api.token_for("alice")
    response = await api.request("POST", MEDIA, token, data=_form(b"\x89PNG\r\n\x1a\n" + b"\0" * 200_000))
    assert response.status == 413
    assert "at most" in (await response.json())["error"]
    assert await api.count(MediaAttachment) == 0
    assert not [p for p in Path(api.config.media_dir).rglob("*") if p.is_file()]


async def test_an_image_over_the_image_cap_is_413(aiohttp_client: AiohttpClient, sqlite_url: str,
                                                  tmp_path: Path) -> None:
    api = await start_api(aiohttp_client, sqlite_url, tmp_path, limits={"max_image_bytes": 2_000})
    await api.member("alice")
    token = await api.token_for("alice")
    noisy = Image.frombytes("RGB", (64, 64), os.urandom(64 * 64 * 3))  # noise: PNG cannot shrink it
    out = io.BytesIO()
    noisy.save(out, format="PNG")
    assert len(out.getvalue()) > 2_000
    response = await api.request("POST", MEDIA, token, data=_form(out.getvalue()))
    assert response.status == 413 and "an image may be at most" in (await response.json())["error"]
    assert await api.count(MediaAttachment) == 0
