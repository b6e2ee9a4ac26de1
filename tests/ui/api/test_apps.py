"""Registering client apps: form or JSON, redirect URIs as a string or a list; bad input stores nothing."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from storage.models import OAuthApplication
from tests.ui.api.schemas import APPLICATION, CREDENTIAL_APPLICATION, assert_entity
from tests.ui.client_api import OOB, Api


async def test_an_app_registered_with_a_form(api: Api) -> None:
    body = await api.json("POST", "/api/v1/apps", data={
        "client_name": "Mastodon.py", "scopes": "read write follow push", "redirect_uris": OOB,
        "website": "https://example.org/app"})
    assert_entity(body, CREDENTIAL_APPLICATION)
    assert body["scopes"] == ["read", "write", "follow", "push"] and body["redirect_uris"] == [OOB]
    assert body["website"] == "https://example.org/app" and body["client_secret_expires_at"] == 0
    async with api.services.sessions() as session:
        stored = (await session.scalars(select(OAuthApplication))).one()
    assert stored.client_id == body["client_id"]
    assert body["client_secret"] not in stored.client_secret_hash and len(stored.client_secret_hash) == 64


async def test_an_app_registered_with_json_and_a_list_of_redirect_uris(api: Api) -> None:
    body = await api.json("POST", "/api/v1/apps", json={
        "client_name": "toot", "redirect_uris": ["https://a.example/cb", "elk://cb"], "scopes": "read"})
    assert body["redirect_uris"] == ["https://a.example/cb", "elk://cb"]
    assert body["redirect_uri"] == "https://a.example/cb\nelk://cb"


async def test_scopes_default_to_read(api: Api) -> None:
    body = await api.json("POST", "/api/v1/apps", data={"client_name": "x", "redirect_uris": OOB})
    assert body["scopes"] == ["read"]


@pytest.mark.parametrize(("data", "message"), [
    ({"redirect_uris": OOB}, "name can't be blank"),
    ({"client_name": "x" * 101, "redirect_uris": OOB}, "too long"),
    ({"client_name": "x"}, "Redirect URI can't be blank"),
    ({"client_name": "x", "redirect_uris": "javascript:alert(1)"}, "javascript"),
    ({"client_name": "x", "redirect_uris": "/relative"}, "absolute URI"),
    ({"client_name": "x", "redirect_uris": "https://a.example/#frag"}, "fragment"),
    ({"client_name": "x", "redirect_uris": OOB, "scopes": "read crypto"}, "unknown scope"),
    ({"client_name": "x", "redirect_uris": OOB, "website": "javascript:alert(1)"}, "Website"),
])
async def test_bad_registrations_are_422_and_store_nothing(api: Api, data: dict[str, Any],
                                                           message: str) -> None:
    body = await api.json("POST", "/api/v1/apps", status=422, data=data)
    assert message in body["error"]
    assert await api.count(OAuthApplication) == 0


async def test_verify_credentials_shows_the_app_without_secrets(api: Api) -> None:
    app = await api.register_app()
    body = await api.json("GET", "/api/v1/apps/verify_credentials", await api.app_token(app))
    assert_entity(body, APPLICATION)
    assert "client_secret" not in body and "client_id" not in body and body["id"] == app["id"]
