"""The admin API's domain blocks and allows (`ui.api.admin.domain_rules`): who may call it,
what it changes, and that every change is in the audit log."""

from __future__ import annotations

import re
from typing import Any

import pytest
from sqlalchemy import select

from actors.moderation.permissions import can
from storage.models import AuditLogEntry, DomainRule
from storage.queries import federation_refused
from tests.ui.api.schemas import DATETIME, ID, Matches, Nullable, assert_entity
from tests.ui.client_api import Api
from ui.api.auth import NOT_ALLOWED, OUT_OF_SCOPE, StaffMember
from ui.api.routes import ROUTES

ADMIN = "read write follow admin:read admin:write"
BLOCKS = "/api/v1/admin/domain_blocks"
ALLOWS = "/api/v1/admin/domain_allows"
DOMAIN_BLOCK = {"id": Matches(ID), "domain": str, "digest": Matches(re.compile(r"^[0-9a-f]{64}$")),
                "created_at": DATETIME, "severity": str, "reject_media": bool, "reject_reports": bool,
                "private_comment": Nullable(str), "public_comment": Nullable(str), "obfuscate": bool}
DOMAIN_ALLOW = {"id": Matches(ID), "domain": str, "created_at": DATETIME}


async def _state(api: Api) -> tuple[int, int]:
    return await api.count(DomainRule), await api.count(AuditLogEntry)


async def _tokens(api: Api) -> dict[str, str]:
    for name, role in (("mia", "member"), ("mo", "moderator"), ("ada", "admin")):
        await api.member(name, role=role)
    return {name: await api.token_for(name, ADMIN) for name in ("mia", "mo", "ada")}


def _staff_rows() -> list[tuple[str, str, tuple[str, ...]]]:
    """Every admin row, with who must be refused: members always, moderators where their role
    lacks the row's permission."""
    return [(row.method, re.sub(r"\{\w+\}", "1", row.path),
             ("mia",) if can("moderator", row.access.permission) else ("mia", "mo"))
            for row in ROUTES if isinstance(row.access, StaffMember)]


async def test_every_admin_route_refuses_members_and_moderators_without_the_permission(api: Api) -> None:
    tokens = await _tokens(api)
    await api.json("POST", BLOCKS, tokens["ada"], data={"domain": "spam.example", "severity": "suspend"})
    before = await _state(api)
    assert _staff_rows(), "the route table has no admin rows"
    for method, path, refused in _staff_rows():
        for who in refused:
            response = await api.request(method, path, tokens[who], data={"domain": "other.example"})
            assert response.status == 403, (who, method, path, response.status)
            assert (await response.json())["error"] == NOT_ALLOWED
        anonymous = await api.request(method, path)
        assert anonymous.status == 401, (method, path)
    assert await _state(api) == before


async def test_an_admin_token_without_admin_scopes_is_out_of_scope(api: Api) -> None:
    await api.member("ada", role="admin")
    token = await api.token_for("ada", "read write")
    response = await api.request("POST", BLOCKS, token, data={"domain": "spam.example"})
    assert response.status == 403 and (await response.json())["error"] == OUT_OF_SCOPE
    assert await _state(api) == (0, 0)


async def test_blocks_are_created_changed_listed_and_removed_with_an_audit_entry_each(api: Api) -> None:
    token = (await _tokens(api))["ada"]
    created = await api.json("POST", BLOCKS, token, data={
        "domain": "Spam.Example", "severity": "suspend", "reject_reports": "true",
        "public_comment": "spam waves", "private_comment": "see ticket 12"})
    assert_entity(created, DOMAIN_BLOCK)
    assert (created["domain"], created["severity"], created["reject_reports"]) == (
        "spam.example", "suspend", True)
    async with api.services.sessions() as session:
        assert await federation_refused(session, "spam.example") is not None
        assert await federation_refused(session, "cdn.spam.example") is not None
    changed = await api.json("PUT", f"{BLOCKS}/{created['id']}", token, data={"severity": "silence"})
    assert (changed["severity"], changed["reject_reports"], changed["public_comment"]) == (
        "silence", True, "spam waves")  # unsent fields keep their values
    assert [b["domain"] for b in await api.json("GET", BLOCKS, token)] == ["spam.example"]
    assert (await api.json("GET", f"{BLOCKS}/{created['id']}", token))["severity"] == "silence"
    assert await api.json("DELETE", f"{BLOCKS}/{created['id']}", token) == {}
    assert await api.json("GET", BLOCKS, token) == []
    await api.json("GET", f"{BLOCKS}/{created['id']}", token, status=404)
    async with api.services.sessions() as session:
        log = (await session.scalars(select(AuditLogEntry).order_by(AuditLogEntry.id))).all()
    assert [(e.actor_label, e.action, e.target) for e in log] == [
        ("@ada", "domain_block.create", "spam.example"),
        ("@ada", "domain_block.update", "spam.example"),
        ("@ada", "domain_block.destroy", "spam.example")]
    assert log[1].details["before"]["policy"] == "suspend" and log[1].details["after"]["policy"] == "silence"


async def test_a_second_block_and_crossing_an_allow_are_refused_and_change_nothing(api: Api) -> None:
    token = (await _tokens(api))["ada"]
    first = await api.json("POST", BLOCKS, token, data={"domain": "spam.example"})
    again = await api.request("POST", BLOCKS, token, data={"domain": "SPAM.example.", "severity": "suspend"})
    assert again.status == 422
    assert (await again.json())["existing_domain_block"]["id"] == first["id"]
    allow = await api.json("POST", ALLOWS, token, data={"domain": "partner.example"})
    assert_entity(allow, DOMAIN_ALLOW)
    assert (await api.json("POST", ALLOWS, token, data={"domain": "partner.example"}))["id"] == allow["id"]
    before = await _state(api)
    for path, domain in ((ALLOWS, "spam.example"), (BLOCKS, "partner.example")):
        response = await api.request("POST", path, token, data={"domain": domain})
        assert response.status == 422, (path, domain)
    assert await _state(api) == before
    assert [a["domain"] for a in await api.json("GET", ALLOWS, token)] == ["partner.example"]
    await api.json("GET", f"{ALLOWS}/{first['id']}", token, status=404)  # a block is not an allow


@pytest.mark.parametrize("data", [
    {"domain": "not a domain"}, {"domain": "spam.example", "severity": "obliterate"},
    {"domain": "spam.example", "public_comment": "x" * 1001}, {"severity": "suspend"}])
async def test_bad_input_is_refused_and_stores_nothing(api: Api, data: dict[str, Any]) -> None:
    token = (await _tokens(api))["ada"]
    response = await api.request("POST", BLOCKS, token, data=data)
    assert response.status in (400, 422) and "error" in await response.json()
    assert await _state(api) == (0, 0)


async def test_blocks_are_paged_newest_first_with_links(api: Api) -> None:
    token = (await _tokens(api))["ada"]
    for n in range(3):
        await api.json("POST", BLOCKS, token, data={"domain": f"s{n}.example"})
    response = await api.request("GET", f"{BLOCKS}?limit=2", token)
    assert [b["domain"] for b in await response.json()] == ["s2.example", "s1.example"]
    next_url = re.search(r'<([^>]+)>; rel="next"', response.headers["Link"])
    assert next_url is not None
    older = await api.json("GET", "/" + next_url.group(1).split("://", 1)[1].split("/", 1)[1], token)
    assert [b["domain"] for b in older] == ["s0.example"]


async def test_the_public_list_follows_its_setting_and_hides_what_is_obfuscated(api: Api) -> None:
    token = (await _tokens(api))["ada"]
    await api.json("POST", BLOCKS, token, data={"domain": "spam.example", "severity": "suspend",
                                               "public_comment": "spam", "private_comment": "secret"})
    await api.json("POST", BLOCKS, token, data={"domain": "hidden-name.example", "obfuscate": "true"})
    await api.json("POST", BLOCKS, token, data={"domain": "flags.example", "severity": "noop",
                                               "reject_media": "true"})
    await api.json("POST", ALLOWS, token, data={"domain": "partner.example"})
    public = await api.json("GET", "/api/v1/instance/domain_blocks")
    assert sorted((b["domain"], b["severity"], b["comment"]) for b in public) == [
        ("hi*******me.example", "silence", None), ("spam.example", "suspend", "spam")]
    assert "secret" not in str(public)
    await api.setting("domain_blocks_visibility", "members")
    await api.json("GET", "/api/v1/instance/domain_blocks", status=401)
    assert len(await api.json("GET", "/api/v1/instance/domain_blocks", token)) == 2
    await api.setting("domain_blocks_visibility", "hidden")
    await api.json("GET", "/api/v1/instance/domain_blocks", token, status=404)
