"""The one sign-in page: a plain form, a secure session cookie, CSRF on every form, local `next` only."""

from __future__ import annotations

from pathlib import Path

import pytest
from pytest_aiohttp import AiohttpClient
from sqlalchemy import select, update

from storage.models import BrowserSession, utcnow
from tests.ui.client_api import PASSWORD, Api, csrf_of, hidden_fields, start_api


async def test_the_sign_in_page_is_a_plain_form_with_a_csrf_token(api: Api) -> None:
    response = await api.client.get("/auth/sign_in?next=/oauth/authorize%3Fclient_id%3Dx")
    html = await response.text()
    assert response.status == 200 and response.content_type == "text/html"
    assert 'type="password"' in html and 'name="username"' in html and "<script" not in html
    assert hidden_fields(html)["next"] == "/oauth/authorize?client_id=x"
    assert response.cookies["amity_csrf"].value == csrf_of(html)
    assert response.headers["X-Frame-Options"] == "DENY"


async def test_signing_in_starts_a_session_with_a_safe_cookie(api: Api) -> None:
    await api.member("ana")
    response = await api.sign_in("ana@example.org", next_path="/auth/sign_in%3Fx%3D1")
    assert response.status == 303 and response.headers["Location"] == "/auth/sign_in?x=1"
    cookie = response.cookies["amity_session"]
    assert cookie["httponly"] and cookie["samesite"] == "Lax" and cookie["path"] == "/"
    assert await api.count(BrowserSession) == 1
    async with api.services.sessions() as session:
        stored = (await session.scalars(select(BrowserSession.session_hash))).one()
    assert stored != cookie.value and cookie.value not in stored  # only the digest is stored


async def test_the_username_works_as_well_as_the_email(api: Api) -> None:
    await api.member("ana")
    assert (await api.sign_in("Ana")).status == 303


async def test_on_https_nodes_the_cookie_is_secure_and_host_only(
        aiohttp_client: AiohttpClient, sqlite_url: str, tmp_path: Path) -> None:
    api = await start_api(aiohttp_client, sqlite_url, tmp_path, scheme="https")
    await api.member("ana")
    page = await api.client.get("/auth/sign_in")
    assert page.cookies["__Host-amity_csrf"]["secure"]
    token = csrf_of(await page.text())
    # The test client speaks http, so it would not send a Secure cookie back: send it by hand.
    response = await api.client.post("/auth/sign_in", allow_redirects=False,
                                     headers={"Cookie": f"__Host-amity_csrf={token}"},
                                     data={"username": "ana", "password": PASSWORD, "csrf_token": token})
    assert response.status == 303
    cookie = response.cookies["__Host-amity_session"]
    assert cookie["secure"] and cookie["httponly"] and cookie["samesite"] == "Lax" and not cookie["domain"]


async def test_a_wrong_password_is_refused_and_stores_nothing(api: Api) -> None:
    await api.member("ana")
    response = await api.sign_in("ana@example.org", password="wrong password")
    assert response.status == 401 and "wrong" in await response.text()
    assert "amity_session" not in response.cookies
    assert await api.count(BrowserSession) == 0


async def test_an_unknown_account_gets_the_same_answer(api: Api) -> None:
    response = await api.sign_in("nobody@example.org")
    assert response.status == 401 and "The e-mail address or password is wrong." in await response.text()


async def test_a_post_without_the_csrf_token_is_refused(api: Api) -> None:
    await api.member("ana")
    await api.client.get("/auth/sign_in")  # has the CSRF cookie, but the form field is missing
    response = await api.client.post("/auth/sign_in", allow_redirects=False,
                                     data={"username": "ana", "password": PASSWORD})
    assert response.status == 403 and "expired" in await response.text()
    assert await api.count(BrowserSession) == 0


async def test_a_csrf_token_from_elsewhere_is_refused(api: Api) -> None:
    await api.member("ana")
    await api.client.get("/auth/sign_in")
    response = await api.client.post("/auth/sign_in", allow_redirects=False, data={
        "username": "ana", "password": PASSWORD, "csrf_token": "x" * 43})
    assert response.status == 403 and await api.count(BrowserSession) == 0


@pytest.mark.parametrize("target", ["//evil.example", "https://evil.example/x", "/\\evil.example"])
async def test_next_never_leads_to_another_site(api: Api, target: str) -> None:
    await api.member("ana")
    page = await api.client.get("/auth/sign_in")
    response = await api.client.post("/auth/sign_in", allow_redirects=False, data={
        "username": "ana", "password": PASSWORD, "csrf_token": csrf_of(await page.text()), "next": target})
    assert response.status == 303 and response.headers["Location"] == "/auth/sign_in"


async def test_disabled_unconfirmed_and_unapproved_members_cannot_sign_in(api: Api) -> None:
    ana = await api.member("ana")
    await api.update_user(ana, disabled=True)
    response = await api.sign_in("ana")
    assert response.status == 401 and "disabled" in await response.text()
    await api.update_user(ana, disabled=False, confirmed_at=None)
    response = await api.sign_in("ana")
    assert response.status == 401 and "confirmed" in await response.text()
    await api.update_user(ana, confirmed_at=utcnow(), approved=False)
    response = await api.sign_in("ana")
    assert response.status == 401 and "pending approval" in await response.text()
    assert await api.count(BrowserSession) == 0


async def test_signed_in_the_page_says_who_and_offers_to_sign_out(api: Api) -> None:
    await api.member("ana")
    await api.sign_in("ana")
    page = await api.client.get("/auth/sign_in")
    html = await page.text()
    assert "@ana@amity.test" in html and 'action="/auth/sign_out"' in html


async def test_signing_out_needs_the_csrf_token_and_ends_the_session(api: Api) -> None:
    await api.member("ana")
    await api.sign_in("ana")
    refused = await api.client.post("/auth/sign_out", allow_redirects=False)
    assert refused.status == 403 and await api.count(BrowserSession) == 1
    page = await api.client.get("/auth/sign_in")
    response = await api.client.post("/auth/sign_out", allow_redirects=False,
                                     data={"csrf_token": csrf_of(await page.text())})
    assert response.status == 303 and await api.count(BrowserSession) == 0
    assert 'type="password"' in await (await api.client.get("/auth/sign_in")).text()


async def test_an_expired_session_is_not_signed_in(api: Api) -> None:
    await api.member("ana")
    await api.sign_in("ana")
    async with api.services.sessions() as session, session.begin():
        await session.execute(update(BrowserSession).values(expires_at=utcnow()))
    assert 'type="password"' in await (await api.client.get("/auth/sign_in")).text()
