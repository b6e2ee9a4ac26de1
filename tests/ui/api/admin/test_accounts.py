"""`/api/v1/admin/accounts` and v2 (`ui.api.admin.accounts`): pending sign-ups with their
reasons, approval and rejection, the account actions and their undoing, each in the audit log."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from storage.models import Actor, AuditLogEntry, Notification, User
from tests.ui.api.schemas import ADMIN_ACCOUNT, assert_entity
from tests.ui.client_api import PASSWORD, Api

ADMIN = "read write follow admin:read admin:write"
V1, V2 = "/api/v1/admin/accounts", "/api/v2/admin/accounts"


async def _sign_up(api: Api, name: str, reason: str) -> dict[str, Any]:
    app = await api.register_app(scopes="read write")
    token = await api.app_token(app, "read write")
    response = await api.request("POST", "/api/v1/accounts", token, data={
        "username": name, "email": f"{name}@school.example", "password": PASSWORD, "agreement": "true",
        "reason": reason})
    assert response.status == 200, await response.text()
    return dict(await response.json())


async def _moderator(api: Api) -> str:
    await api.member("mo", role="moderator")
    return await api.token_for("mo", ADMIN)


async def _audit(api: Api) -> list[tuple[str, str, str]]:
    async with api.services.sessions() as session:
        return [(e.actor_label, e.action, e.target) for e in
                (await session.scalars(select(AuditLogEntry).order_by(AuditLogEntry.id))).all()]


async def test_pending_sign_ups_are_listed_with_their_reasons(any_api: Api) -> None:
    api = any_api
    await api.setting("registration_mode", "approval")
    token = await _moderator(api)
    await _sign_up(api, "pia", "I run the reading club")
    pending = await api.json("GET", V2, token, params={"status": "pending"})
    assert [(a["username"], a["invite_request"], a["approved"]) for a in pending] == [
        ("pia", "I run the reading club", False)]
    assert_entity(pending[0], ADMIN_ACCOUNT)
    assert pending[0]["ip"] == "127.0.0.1" and pending[0]["email"] == "pia@school.example"
    assert [a["username"] for a in await api.json("GET", V1, token, params={"pending": "true"})] == ["pia"]
    active = await api.json("GET", V2, token, params={"status": "active", "origin": "local"})
    assert "pia" not in [a["username"] for a in active]  # waiting is not active
    assert {a["username"] for a in active} == {"mo"}


async def test_approving_lets_the_member_in_and_rejecting_deletes_the_sign_up(api: Api) -> None:
    await api.setting("registration_mode", "approval")
    token = await _moderator(api)
    pia = await _sign_up(api, "pia", "reading club")
    await _sign_up(api, "spam", "cheap watches")
    me = "/api/v1/accounts/verify_credentials"
    assert (await api.request("GET", me, pia["access_token"])).status == 403
    listed = {a["username"]: a["id"] for a in await api.json("GET", V2, token, params={"status": "pending"})}
    approved = await api.json("POST", f"{V1}/{listed['pia']}/approve", token)
    assert approved["approved"] is True
    ok = await api.request("GET", "/api/v1/accounts/verify_credentials", pia["access_token"])
    assert ok.status == 200, await ok.text()
    rejected = await api.json("POST", f"{V1}/{listed['spam']}/reject", token)
    assert rejected["username"] == "spam"
    async with api.services.sessions() as session:
        assert await session.scalar(select(Actor.id).where(Actor.username == "spam")) is None
    again = await api.request("POST", f"{V1}/{listed['pia']}/approve", token)
    assert again.status == 403
    assert await _audit(api) == [("@mo", "account.approve", "pia"), ("@mo", "account.reject", "spam")]


async def test_a_warning_notifies_the_member_and_actions_change_what_the_entity_says(api: Api) -> None:
    token = await _moderator(api)
    bo = await api.member("bo")
    bo_token = await api.token_for("bo", "read")
    path = f"{V1}/{bo.id}"
    assert await api.json("POST", f"{path}/action", token, data={"type": "none", "text": "be kind"}) == {}
    for kind in ("silence", "sensitive"):
        await api.json("POST", f"{path}/action", token,
                       data={"type": kind, "send_email_notification": "false"})
    shown = await api.json("GET", path, token)
    assert (shown["silenced"], shown["sensitized"], shown["suspended"], shown["disabled"]) == (
        True, True, False, False)
    async with api.services.sessions() as session:
        notes = (await session.scalars(select(Notification).where(Notification.recipient_id == bo.id))).all()
    assert [n.type for n in notes] == ["moderation_warning"]  # the two without notification say nothing
    await api.json("POST", f"{path}/action", token, data={"type": "disable"})
    assert (await api.request("GET", "/api/v1/accounts/verify_credentials", bo_token)).status == 403
    for undo in ("enable", "unsilence", "unsensitive"):
        await api.json("POST", f"{path}/{undo}", token)
    shown = await api.json("GET", path, token)
    assert (shown["silenced"], shown["sensitized"], shown["disabled"]) == (False, False, False)
    assert (await api.request("GET", "/api/v1/accounts/verify_credentials", bo_token)).status == 200
    assert [a for _, a, _ in await _audit(api)] == [
        "account.warn", "account.silence", "account.sensitive", "account.disable", "account.enable",
        "account.unsilence", "account.unsensitive"]


async def test_bad_actions_are_refused_and_change_nothing(api: Api) -> None:
    token = await _moderator(api)
    bo = await api.member("bo")
    await api.member("ada", role="admin")
    ada = (await api.json("GET", V2, token, params={"username": "ada"}))[0]
    for path, data, status in ((f"{V1}/{bo.id}/action", {"type": "explode"}, 422),
                               (f"{V1}/{ada['id']}/action", {"type": "suspend"}, 403),  # outranks mo
                               (f"{V1}/{bo.id}/approve", {}, 403),  # not pending
                               (f"{V1}/999/action", {"type": "silence"}, 404)):
        response = await api.request("POST", path, token, data=data)
        assert response.status == status, (path, await response.text())
    async with api.services.sessions() as session:
        actors = (await session.scalars(select(Actor).where(Actor.username.in_(("bo", "ada"))))).all()
        assert all(a.suspended_at is None and a.silenced_at is None for a in actors)
        assert (await session.scalars(select(User.disabled))).all() == [False, False, False]
    assert await _audit(api) == []


async def test_filters_and_paging(any_api: Api) -> None:
    api = any_api
    token = await _moderator(api)
    for name in ("ana", "anabel", "bob"):
        await api.member(name, display_name=f"Reader {name}")
    assert [a["username"] for a in await api.json("GET", V2, token, params={"username": "ana"})] == [
        "anabel", "ana"]
    assert [a["username"] for a in await api.json("GET", V1, token, params={"staff": "true"})] == ["mo"]
    first = await api.request("GET", V2, token, params={"limit": "2"})
    assert [a["username"] for a in await first.json()] == ["bob", "anabel"]
    assert 'rel="next"' in first.headers["Link"]
    assert (await api.request("GET", V2, token, params={"origin": "mars"})).status == 422
