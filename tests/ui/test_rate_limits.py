"""Rate limits on the client API and the account pages: each surface flooded sees 429 with
Retry-After and X-RateLimit-*, in its route family's shape, and the refused requests store
nothing. Limits are small explicit settings; the counting is the real one."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from aiohttp import ClientResponse
from pytest_aiohttp import AiohttpClient
from sqlalchemy import func, select

from actors.accounts.mailer import MAIL_KIND
from storage.models import BrowserSession, Job, MediaAttachment, OAuthAccessToken, Status, User
from tests.ui.client_api import PASSWORD, Api, csrf_of, start_api

SMTP = {"host": "127.0.0.1", "port": 2525, "security": "none"}  # mail is queued, never sent here


@pytest.fixture
async def api(aiohttp_client: AiohttpClient, sqlite_url: str, tmp_path: Path) -> AsyncIterator[Api]:
    api = await start_api(aiohttp_client, sqlite_url, tmp_path, smtp=SMTP)
    await api.setting("registration_mode", "open")
    yield api


async def _refused(response: ClientResponse, limit: int) -> str:
    """Assert a 429 with the headers; its body text."""
    text = await response.text()
    assert response.status == 429, text
    assert response.headers["X-RateLimit-Limit"] == str(limit)
    assert response.headers["X-RateLimit-Remaining"] == "0"
    reset = datetime.fromisoformat(response.headers["X-RateLimit-Reset"])
    assert reset > datetime.now(UTC)
    assert int(response.headers["Retry-After"]) >= 1
    return text


async def _count(api: Api, model: Any, *where: Any) -> int:
    async with api.services.sessions() as db:
        return int(await db.scalar(select(func.count()).select_from(model).where(*where)) or 0)


async def test_posting_statuses_is_limited_per_token(api: Api) -> None:
    await api.member("ana")
    token = await api.token_for("ana")
    await api.setting("rate_limit_statuses", "2/3h")
    first = await api.request("POST", "/api/v1/statuses", token, data={"status": "one"})
    assert first.status == 200 and first.headers["X-RateLimit-Remaining"] == "1"
    assert (await api.request("POST", "/api/v1/statuses", token, data={"status": "two"})).status == 200
    third = await api.request("POST", "/api/v1/statuses", token, data={"status": "three"})
    await _refused(third, 2)
    assert await third.json() == {"error": "Too many requests"}
    assert await _count(api, Status) == 2
    other = await api.token_for("ana")  # another token has its own count
    assert (await api.request("POST", "/api/v1/statuses", other, data={"status": "four"})).status == 200


async def test_media_uploads_are_limited_before_the_body_is_read(api: Api) -> None:
    await api.member("ana")
    token = await api.token_for("ana")
    await api.setting("rate_limit_media", "1/30m")
    assert (await api.request("POST", "/api/v2/media", token, data={"x": "no file"})).status == 422
    upload = {"file": io.BytesIO(b"\x89PNG not read")}
    refused = await api.request("POST", "/api/v2/media", token, data=upload)
    await _refused(refused, 1)
    assert await _count(api, MediaAttachment) == 0


async def test_anonymous_searches_have_the_stricter_limit(api: Api) -> None:
    await api.member("ana")
    token = await api.token_for("ana")
    await api.setting("rate_limit_api_anonymous", "2/5m")
    for _ in range(2):
        assert (await api.request("GET", "/api/v2/search?q=ana")).status == 200
    await _refused(await api.request("GET", "/api/v2/search?q=ana"), 2)
    member = await api.request("GET", "/api/v2/search?q=ana", token)
    assert member.status == 200 and member.headers["X-RateLimit-Limit"] == "300"


async def test_resolve_searches_have_their_own_limit_per_token(api: Api) -> None:
    await api.member("ana")
    token = await api.token_for("ana")
    await api.setting("rate_limit_resolve", "1/5m")
    assert (await api.request("GET", "/api/v2/search?q=ana&resolve=true", token)).status == 200
    await _refused(await api.request("GET", "/api/v2/search?q=ana&resolve=true", token), 1)
    assert (await api.request("GET", "/api/v2/search?q=ana", token)).status == 200


async def test_every_limited_api_request_counts_per_address_too(api: Api) -> None:
    await api.member("ana")
    await api.setting("rate_limit_api_ip", "2/5m")
    tokens = [await api.token_for("ana") for _ in range(3)]
    for token in tokens[:2]:
        assert (await api.request("POST", "/api/v1/statuses", token, data={"status": "hi"})).status == 200
    await _refused(await api.request("POST", "/api/v1/statuses", tokens[2], data={"status": "hi"}), 2)
    assert await _count(api, Status) == 2


async def _sign_in_form(api: Api) -> str:
    return csrf_of(await (await api.client.get("/auth/sign_in")).text())


async def test_sign_in_attempts_are_limited_per_address_on_the_page_and_the_password_grant(
        api: Api) -> None:
    await api.member("ana")
    app = await api.register_app()
    await api.setting("rate_limit_sign_in_ip", "2/5m")
    csrf = await _sign_in_form(api)
    for _ in range(2):
        wrong = await api.client.post("/auth/sign_in", data={"username": "ana", "password": "wrong!!!",
                                                             "csrf_token": csrf})
        assert wrong.status == 401
    page = await api.client.post("/auth/sign_in", data={"username": "ana", "password": PASSWORD,
                                                        "csrf_token": csrf})
    assert "Too many requests" in await _refused(page, 2)
    assert page.content_type == "text/html" and await _count(api, BrowserSession) == 0
    grant = await api.client.post("/oauth/token", data={
        "grant_type": "password", "client_id": app["client_id"], "client_secret": app["client_secret"],
        "username": "ana@example.org", "password": PASSWORD, "scope": "read"})
    await _refused(grant, 2)
    body = await grant.json()
    assert body["error"] == "invalid_request" and "Too many requests" in body["error_description"]
    assert await _count(api, OAuthAccessToken) == 0


async def test_sign_in_attempts_are_limited_per_login_from_any_address(
        aiohttp_client: AiohttpClient, sqlite_url: str, tmp_path: Path) -> None:
    api = await start_api(aiohttp_client, sqlite_url, tmp_path, trusted_proxies=["127.0.0.1"])
    await api.member("ana")
    await api.setting("rate_limit_sign_in_account", "2/1h")
    csrf = await _sign_in_form(api)

    async def attempt(address: str, login: str = "ANA") -> ClientResponse:
        return await api.client.post("/auth/sign_in", headers={"X-Forwarded-For": address}, data={
            "username": login, "password": "wrong!!!", "csrf_token": csrf})

    assert (await attempt("192.0.2.1")).status == 401
    assert (await attempt("192.0.2.2", "ana")).status == 401
    await _refused(await attempt("192.0.2.3"), 2)
    assert (await attempt("192.0.2.3", "bob")).status == 401


async def _app_token(api: Api) -> str:
    return await api.app_token(await api.register_app(scopes="read write"), "write")


def _account(name: str) -> dict[str, str]:
    return {"username": name, "email": f"{name}@school.example", "password": PASSWORD, "agreement": "true"}


async def test_accounts_made_by_sign_up_are_limited_per_address_on_the_api_and_the_page(api: Api) -> None:
    token = await _app_token(api)
    await api.setting("rate_limit_sign_up_ip", "2/30m")
    bad = await api.request("POST", "/api/v1/accounts", token, data={**_account("x"), "email": "nope"})
    assert bad.status == 422  # a refused sign-up made no account: it does not count
    for name in ("bea", "cai"):
        assert (await api.request("POST", "/api/v1/accounts", token, data=_account(name))).status == 200
    refused = await api.request("POST", "/api/v1/accounts", token, data=_account("dan"))
    await _refused(refused, 2)
    assert await refused.json() == {"error": "Too many requests"}
    page = await api.client.get("/auth/sign_up")
    form = {**_account("eve"), "password_confirmation": PASSWORD, "agreement": "1",
            "csrf_token": csrf_of(await page.text())}
    await _refused(await api.client.post("/auth/sign_up", data=form), 2)
    assert await _count(api, User) == 2


async def test_sign_up_attempts_are_limited_per_address(api: Api) -> None:
    await api.setting("rate_limit_sign_up_attempts_ip", "2/5m")
    for _ in range(2):
        assert (await api.client.post("/auth/sign_up", data=_account("bea"))).status == 403  # no CSRF
    await _refused(await api.client.post("/auth/sign_up", data=_account("bea")), 2)


async def test_password_reset_mails_are_limited_per_address(api: Api) -> None:
    await api.member("ana")
    await api.setting("rate_limit_mail_address", "2/30m")
    csrf = csrf_of(await (await api.client.get("/auth/password")).text())
    for address in ("ana@example.org", "ANA@example.org "):
        asked = await api.client.post("/auth/password", data={"email": address, "csrf_token": csrf})
        assert asked.status == 200
    refused = await api.client.post("/auth/password", data={"email": "ana@example.org", "csrf_token": csrf})
    await _refused(refused, 2)
    assert await _count(api, Job, Job.kind == MAIL_KIND) == 2


async def test_password_reset_requests_are_limited_per_address_of_the_client(api: Api) -> None:
    await api.setting("rate_limit_mail_ip", "2/5m")
    csrf = csrf_of(await (await api.client.get("/auth/password")).text())
    for n in range(2):
        data = {"email": f"someone{n}@example.org", "csrf_token": csrf}
        assert (await api.client.post("/auth/password", data=data)).status == 200
    data = {"email": "someone9@example.org", "csrf_token": csrf}
    await _refused(await api.client.post("/auth/password", data=data), 2)
