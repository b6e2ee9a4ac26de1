"""E-mail, e-mail domain and IP blocks (`ui.api.admin.signup_blocks`): Mastodon's entities and
CRUD, each change audited; sign-ups from a blocked range or address are refused with Mastodon's
wording, by the API and the sign-up page, and store nothing."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest
from sqlalchemy import select

from storage.models import Actor, AuditLogEntry, CanonicalEmailBlock, EmailDomainBlock, IpBlock, User
from tests.ui.api.schemas import IP_BLOCK, assert_entity
from tests.ui.client_api import PASSWORD, Api, csrf_of

ADMIN = "read write follow admin:read admin:write"
CANONICAL, DOMAINS, IPS = ("/api/v1/admin/canonical_email_blocks", "/api/v1/admin/email_domain_blocks",
                           "/api/v1/admin/ip_blocks")


async def _admin(api: Api) -> str:
    await api.member("ada", role="admin")
    return await api.token_for("ada", ADMIN)


async def _sign_up(api: Api, email: str = "bea@school.example") -> Any:
    app = await api.register_app(scopes="read write")
    token = await api.app_token(app, "read write")
    return await api.request("POST", "/api/v1/accounts", token, data={
        "username": "bea", "email": email, "password": PASSWORD, "agreement": "true"})


async def _users(api: Api) -> list[str]:
    async with api.services.sessions() as session:
        return sorted((await session.scalars(
            select(Actor.username).join(User, User.actor_id == Actor.id))).all())


async def test_ip_blocks_are_created_changed_listed_and_removed_with_an_audit_entry_each(api: Api) -> None:
    token = await _admin(api)
    created = await api.json("POST", IPS, token, data={"ip": "192.0.2.7/24", "severity": "sign_up_block",
                                                       "comment": "spam wave", "expires_in": "3600"})
    assert_entity(created, IP_BLOCK)
    assert (created["ip"], created["severity"]) == ("192.0.2.0/24", "sign_up_block")
    changed = await api.json("PUT", f"{IPS}/{created['id']}", token, data={"severity": "no_access"})
    assert (changed["severity"], changed["comment"]) == ("no_access", "spam wave")
    assert [b["ip"] for b in await api.json("GET", IPS, token)] == ["192.0.2.0/24"]
    assert (await api.request("POST", IPS, token, data={"ip": "192.0.2.9/24", "severity": "no_access"})
            ).status == 422  # the same range
    assert await api.json("DELETE", f"{IPS}/{created['id']}", token) == {}
    async with api.services.sessions() as session:
        log = [(e.action, e.target) for e in (await session.scalars(select(AuditLogEntry)
                                                                    .order_by(AuditLogEntry.id))).all()]
    assert log == [("ip_block.create", "192.0.2.0/24"), ("ip_block.update", "192.0.2.0/24"),
                   ("ip_block.destroy", "192.0.2.0/24")]


@pytest.mark.parametrize("data", [{"ip": "not an ip", "severity": "no_access"},
                                  {"ip": "192.0.2.1", "severity": "everything"},
                                  {"ip": "192.0.2.1", "severity": "no_access", "expires_in": "-5"},
                                  {"severity": "no_access"}])
async def test_bad_ip_blocks_are_refused_and_store_nothing(api: Api, data: dict[str, str]) -> None:
    token = await _admin(api)
    response = await api.request("POST", IPS, token, data=data)
    assert response.status in (400, 422), await response.text()
    assert await api.count(IpBlock) == 0 and await api.count(AuditLogEntry) == 0


async def test_e_mail_blocks_keep_only_the_hash_and_test_an_address(api: Api) -> None:
    token = await _admin(api)
    created = await api.json("POST", CANONICAL, token, data={"email": "Spam.Mer+x@Mail.Example"})
    assert created["canonical_email_hash"] == hashlib.sha256(b"spammer@mail.example").hexdigest()
    assert [b["id"] for b in await api.json("POST", f"{CANONICAL}/test", token,
                                            data={"email": "s.pammer@mail.example"})] == [created["id"]]
    assert await api.json("POST", f"{CANONICAL}/test", token, data={"email": "other@mail.example"}) == []
    domain = await api.json("POST", DOMAINS, token, data={"domain": "Spam.Example"})
    assert (domain["domain"], domain["history"]) == ("spam.example", [])
    assert [d["domain"] for d in await api.json("GET", DOMAINS, token)] == ["spam.example"]
    assert (await api.request("POST", DOMAINS, token, data={"domain": "spam.example"})).status == 422


async def test_a_sign_up_from_a_blocked_ip_range_is_refused_and_stores_nothing(api: Api) -> None:
    await api.setting("registration_mode", "open")
    token = await _admin(api)
    await api.json("POST", IPS, token, data={"ip": "127.0.0.0/8", "severity": "sign_up_block"})
    before = await _users(api)
    response = await _sign_up(api)
    assert response.status == 403 and (await response.json())["error"] == "This action is not allowed"
    assert await _users(api) == before


async def test_a_sign_up_from_a_blocked_e_mail_domain_is_refused_with_mastodons_words(api: Api) -> None:
    await api.setting("registration_mode", "open")
    token = await _admin(api)
    await api.json("POST", DOMAINS, token, data={"domain": "spam.example"})
    await api.json("POST", CANONICAL, token, data={"email": "known@school.example"})
    before = await _users(api)
    response = await _sign_up(api, "bea@mx.spam.example")  # subdomains too
    assert response.status == 422
    assert (await response.json())["error"] == "Validation failed: Email uses a disallowed e-mail provider"
    response = await _sign_up(api, "kn.own+2@school.example")
    assert (await response.json())["error"] == "Validation failed: Email has already been taken"
    assert await _users(api) == before


async def test_the_sign_up_page_refuses_a_blocked_domain_and_stores_nothing(api: Api) -> None:
    await api.setting("registration_mode", "open")
    token = await _admin(api)
    await api.json("POST", DOMAINS, token, data={"domain": "spam.example"})
    before = await _users(api)
    csrf = csrf_of(await (await api.client.get("/auth/sign_up")).text())
    response = await api.client.post("/auth/sign_up", data={
        "csrf_token": csrf, "username": "bea", "email": "bea@spam.example", "password": PASSWORD,
        "password_confirmation": PASSWORD, "agreement": "1"})
    assert response.status == 422 and "uses a disallowed e-mail provider" in await response.text()
    assert await _users(api) == before


async def test_an_approval_range_makes_an_open_sign_up_wait(api: Api) -> None:
    await api.setting("registration_mode", "open")
    token = await _admin(api)
    await api.json("POST", IPS, token, data={"ip": "127.0.0.1", "severity": "sign_up_requires_approval"})
    assert (await _sign_up(api)).status == 200
    async with api.services.sessions() as session:
        assert await session.scalar(select(User.approved).where(User.email == "bea@school.example")) is False
    assert await api.count(CanonicalEmailBlock) == 0 and await api.count(EmailDomainBlock) == 0
