"""Registration by apps (`POST /api/v1/accounts`) and the sign-up, confirmation and password
pages, with mail through a real SMTP server on loopback; refusals store nothing."""

from __future__ import annotations

import html
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from pytest_aiohttp import AiohttpClient
from sqlalchemy import select

from actors.accounts.mailer import MAIL_KIND, send_mail
from actors.accounts.registration import create_invite
from storage.models import OAuthAccessToken, User, UserToken
from storage.worker import Registry, Worker, drain
from tests.smtp_server import MailDrop, running_smtp_server
from tests.ui.api.schemas import TOKEN, assert_entity
from tests.ui.client_api import PASSWORD, Api, csrf_of, start_api

SIGN_UP = "/api/v1/accounts"


@pytest.fixture
def smtp() -> Iterator[MailDrop]:
    with running_smtp_server() as drop:
        yield drop


@pytest.fixture
async def mail_api(aiohttp_client: AiohttpClient, db_url: str, tmp_path: Path,
                   smtp: MailDrop) -> AsyncIterator[Api]:
    api = await start_api(aiohttp_client, db_url, tmp_path, smtp={
        "host": "127.0.0.1", "port": smtp.port, "security": "none", "timeout_seconds": 5})
    await api.setting("registration_mode", "open")
    yield api


async def _send_mail(api: Api) -> None:
    registry = Registry()
    registry.register(MAIL_KIND, send_mail)
    await drain(Worker(api.services.engine, registry, deps=api.services))


async def _users(api: Api) -> list[str]:
    async with api.services.sessions() as session:
        return sorted((await session.scalars(select(User.email))).all())


def _path(link: str) -> str:
    parts = urlsplit(link)
    return f"{parts.path}?{parts.query}"


async def _app_token(api: Api, scope: str = "read write follow") -> str:
    return await api.app_token(await api.register_app(scopes=scope), scope)


def _form(**fields: str) -> dict[str, str]:
    return {"username": "bea", "email": "bea@school.example", "password": PASSWORD, "agreement": "true",
            "locale": "pt", **fields}


async def test_an_app_signs_up_a_member_whose_token_works_after_confirmation(mail_api: Api,
                                                                             smtp: MailDrop) -> None:
    api = mail_api
    token = await _app_token(api)
    answer = await api.json("POST", SIGN_UP, token, data=_form())
    assert_entity(answer, TOKEN)
    assert answer["scope"] == "read write follow"
    refused = await api.request("GET", "/api/v1/accounts/verify_credentials", answer["access_token"])
    assert refused.status == 403 and "confirmed e-mail" in (await refused.json())["error"]
    await _send_mail(api)
    link = smtp.link(r"http://amity\.test/auth/confirmation\?confirmation_token=")
    page = await api.client.get(_path(link))
    assert page.status == 200 and "you can sign in now" in await page.text()
    me = await api.json("GET", "/api/v1/accounts/verify_credentials", answer["access_token"])
    assert me["username"] == "bea"
    again = await api.client.get(_path(link))  # the link works once
    assert again.status == 400 and "not valid" in await again.text()


async def test_approval_mode_token_waits_for_a_moderator(api: Api) -> None:
    await api.setting("registration_mode", "approval")
    answer = await api.json("POST", SIGN_UP, await _app_token(api), json=_form(reason="I teach here"))
    refused = await api.request("GET", "/api/v1/accounts/verify_credentials", answer["access_token"])
    assert refused.status == 403 and "pending approval" in (await refused.json())["error"]
    async with api.services.sessions() as session:
        user = await session.scalar(select(User))
        assert user is not None and user.sign_up_reason == "I teach here" and not user.approved


@pytest.mark.parametrize(("mode", "fields", "status", "message"), [
    ("closed", {}, 403, "not accepting"),
    ("invite", {}, 403, "invitation only"),
    ("invite", {"invite_code": "made-up"}, 422, "invite link is not valid"),
    ("open", {"agreement": "false"}, 422, "agree"),
    ("open", {"password": "short"}, 422, "password"),
    ("open", {"username": "no spaces"}, 422, "username"),
    ("open", {"email": "nobody"}, 422, "e-mail"),
])
async def test_refused_sign_ups_store_nothing(api: Api, mode: str, fields: dict[str, str], status: int,
                                              message: str) -> None:
    await api.setting("registration_mode", mode)
    token = await _app_token(api)
    tokens_before = await api.count(OAuthAccessToken)
    response = await api.request("POST", SIGN_UP, token, data=_form(**fields))
    assert response.status == status, await response.text()
    assert message in (await response.json())["error"].lower()
    assert await _users(api) == [] and await api.count(OAuthAccessToken) == tokens_before


async def test_sign_up_needs_an_app_token_with_write_accounts(api: Api) -> None:
    await api.setting("registration_mode", "open")
    await api.member("ana")
    assert (await api.request("POST", SIGN_UP, data=_form())).status == 401
    read_only = await _app_token(api, "read")
    assert (await api.request("POST", SIGN_UP, read_only, data=_form())).status == 403
    member = await api.token_for("ana", "write")
    assert (await api.request("POST", SIGN_UP, member, data=_form())).status == 403
    assert await _users(api) == ["ana@example.org"]


async def test_an_invite_lets_an_app_sign_up_on_an_invite_only_node(api: Api) -> None:
    await api.setting("registration_mode", "invite")
    async with api.services.sessions() as session, session.begin():
        _, code = await create_invite(session, max_uses=1)
    answer = await api.json("POST", SIGN_UP, await _app_token(api), data=_form(invite_code=code))
    me = await api.json("GET", "/api/v1/accounts/verify_credentials", answer["access_token"])
    assert me["username"] == "bea"
    used = await api.request("POST", SIGN_UP, await _app_token(api),
                             data=_form(invite_code=code, username="cid", email="cid@school.example"))
    assert used.status == 422 and await _users(api) == ["bea@school.example"]


# -- pages ---------------------------------------------------------------------------------------

async def _form_page(api: Api, path: str) -> tuple[str, str]:
    page = await api.client.get(path)
    text = await page.text()
    assert page.status == 200, text
    assert '<html lang="en">' in text and "<h1>" in text and "<label for=" in text
    return text, csrf_of(text)


async def test_the_sign_up_page_creates_an_account_and_mails_the_link(mail_api: Api, smtp: MailDrop) -> None:
    api = mail_api
    await api.setting("rules", ["Be kind", "No <b>spam</b>"])
    text, csrf = await _form_page(api, "/auth/sign_up")
    assert "<li>Be kind</li>" in text and "<li>No &lt;b&gt;spam&lt;/b&gt;</li>" in text
    response = await api.client.post("/auth/sign_up", data={
        "csrf_token": csrf, "username": "bea", "email": "bea@school.example", "password": PASSWORD,
        "password_confirmation": PASSWORD, "agreement": "1"})
    assert response.status == 200 and "Check your e-mail" in await response.text()
    await _send_mail(api)
    page = await api.client.get(_path(smtp.link(r"http://amity\.test/auth/confirmation")))
    assert "you can sign in now" in await page.text()
    signed_in = await api.sign_in("bea")
    assert signed_in.status == 303


async def test_hostile_sign_up_forms_store_nothing(api: Api) -> None:
    await api.setting("registration_mode", "open")
    good = {"username": "bea", "email": "bea@school.example", "password": PASSWORD,
            "password_confirmation": PASSWORD, "agreement": "1"}
    _, csrf = await _form_page(api, "/auth/sign_up")
    no_csrf = await api.client.post("/auth/sign_up", data=good)
    assert no_csrf.status == 403 and "expired" in await no_csrf.text()
    wrong_csrf = await api.client.post("/auth/sign_up", data={**good, "csrf_token": "x" * 43})
    assert wrong_csrf.status == 403
    mismatch = await api.client.post("/auth/sign_up", data={**good, "csrf_token": csrf,
                                                            "password_confirmation": "other one!!"})
    assert mismatch.status == 422 and "not the same" in await mismatch.text()
    escaped = await api.client.post("/auth/sign_up", data={**good, "csrf_token": csrf,
                                                           "username": "<script>x</script>"})
    text = await escaped.text()
    assert escaped.status == 422 and "<script>x" not in text and "&lt;script&gt;" in text
    await api.setting("registration_mode", "closed")
    assert (await api.client.get("/auth/sign_up")).status == 403
    closed = await api.client.post("/auth/sign_up", data={**good, "csrf_token": csrf})
    assert closed.status == 403
    await api.setting("registration_mode", "invite")
    page = await api.client.get("/auth/sign_up")
    assert page.status == 403 and "invitation only" in await page.text()
    no_code = await api.client.post("/auth/sign_up", data={**good, "csrf_token": csrf})
    assert no_code.status == 403
    assert await _users(api) == []


async def test_an_invite_link_shows_the_sign_up_form_in_invite_mode(api: Api) -> None:
    await api.setting("registration_mode", "invite")
    async with api.services.sessions() as session, session.begin():
        _, code = await create_invite(session, max_uses=1)
    text, csrf = await _form_page(api, f"/invite/{code}")
    assert f'name="invite_code" value="{html.escape(code)}"' in text
    response = await api.client.post("/auth/sign_up", data={
        "csrf_token": csrf, "invite_code": code, "username": "bea", "email": "bea@school.example",
        "password": PASSWORD, "password_confirmation": PASSWORD, "agreement": "1"})
    assert response.status == 200 and "ready" in await response.text()
    assert (await api.client.get(f"/invite/{code}")).status == 404  # used up
    assert (await api.client.get("/invite/made-up")).status == 404
    assert await _users(api) == ["bea@school.example"]


async def test_password_reset_pages(mail_api: Api, smtp: MailDrop) -> None:
    api = mail_api
    await api.member("ana")
    _, csrf = await _form_page(api, "/auth/password")
    unknown = await api.client.post("/auth/password", data={"csrf_token": csrf, "email": "nobody@x.example"})
    known = await api.client.post("/auth/password", data={"csrf_token": csrf, "email": "ana@example.org"})
    assert unknown.status == known.status == 200
    assert await unknown.text() == await known.text()  # the same answer either way
    no_csrf = await api.client.post("/auth/password", data={"email": "ana@example.org"})
    assert no_csrf.status == 403
    await _send_mail(api)
    assert len(smtp.messages) == 1
    link = smtp.link(r"http://amity\.test/auth/password/edit\?reset_password_token=")
    text, csrf = await _form_page(api, _path(link))
    token = link.split("reset_password_token=")[1]
    assert f'value="{token}"' in text
    new = "a brand new password"
    fields: dict[str, Any] = {"reset_password_token": token, "password": new, "password_confirmation": new}
    assert (await api.client.post("/auth/password/edit", data=fields)).status == 403  # no CSRF
    done = await api.client.post("/auth/password/edit", data={**fields, "csrf_token": csrf})
    assert done.status == 200 and "Password changed" in await done.text()
    reused = await api.client.post("/auth/password/edit", data={**fields, "csrf_token": csrf})
    assert reused.status == 422 and "not valid" in await reused.text()
    assert (await api.sign_in("ana", new)).status == 303
    async with api.services.sessions() as session:
        assert len((await session.scalars(select(UserToken))).all()) == 1
