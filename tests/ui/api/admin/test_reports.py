"""The admin API's reports (`ui.api.admin.reports`): the Admin::Report entity, filters and paging,
each moderator action with its audit entry, members refused, and the reporter's view."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from storage.models import AuditLogEntry, Report
from tests.ui.api.schemas import ADMIN_REPORT, assert_entity
from tests.ui.client_api import Api

ADMIN = "read write follow admin:read admin:write"
REPORTS = "/api/v1/admin/reports"


@pytest.fixture
def api(any_api: Api) -> Api:
    """These tests run on SQLite and PostgreSQL (JSON lists of ids, the filters)."""
    return any_api


@pytest.fixture
async def scene(api: Api) -> dict[str, Any]:
    """ana reported bob's two posts (one followers-only, which ana may see as a follower)."""
    await api.setting("rules", ["Be kind", "No spam"])
    ana, bob = await api.member("ana"), await api.member("bob")
    mo = await api.member("mo", role="moderator")
    ana_token, bob_token = await api.token_for("ana"), await api.token_for("bob")
    await api.json("POST", f"/api/v1/accounts/{bob.id}/follow", ana_token)
    posts = [await api.json("POST", "/api/v1/statuses", bob_token, data={"status": "buy now",
                                                                          "visibility": visibility})
             for visibility in ("public", "private")]
    report = await api.json("POST", "/api/v1/reports", ana_token, data={
        "account_id": str(bob.id), "status_ids[]": [p["id"] for p in posts], "comment": "spam",
        "rule_ids[]": ["2"]})
    return {"ana": ana, "bob": bob, "mo": mo, "ana_token": ana_token, "bob_token": bob_token,
            "mo_token": await api.token_for("mo", ADMIN), "report": report, "posts": [p["id"] for p in posts]}


async def test_moderators_see_the_report_with_its_statuses_accounts_and_rules(api: Api, scene: dict[str, Any]
                                                                              ) -> None:
    (listed,) = await api.json("GET", REPORTS, scene["mo_token"])
    assert_entity(listed, ADMIN_REPORT)
    assert [s["id"] for s in listed["statuses"]] == scene["posts"]
    assert (listed["account"]["username"], listed["account"]["email"]) == ("ana", "ana@example.org")
    assert listed["target_account"]["account"]["id"] == str(scene["bob"].id)
    assert [(r["id"], r["text"]) for r in listed["rules"]] == [("2", "No spam")]
    assert (listed["category"], listed["assigned_account"], listed["action_taken"]) == (
        "violation", None, False)
    assert await api.json("GET", f"{REPORTS}/{listed['id']}", scene["mo_token"]) == listed


async def test_the_list_filters_by_resolution_and_accounts_and_pages(api: Api, scene: dict[str, Any]) -> None:
    second = await api.json("POST", "/api/v1/reports", scene["bob_token"],
                            data={"account_id": str(scene["ana"].id)})
    token = scene["mo_token"]
    assert [r["id"] for r in await api.json("GET", REPORTS, token)] == [second["id"], scene["report"]["id"]]
    by_bob = await api.json("GET", f"{REPORTS}?account_id={scene['bob'].id}", token)
    assert [r["id"] for r in by_bob] == [second["id"]]
    about_bob = await api.json("GET", f"{REPORTS}?target_account_id={scene['bob'].id}", token)
    assert [r["id"] for r in about_bob] == [scene["report"]["id"]]
    page = await api.request("GET", f"{REPORTS}?limit=1", token)
    assert [r["id"] for r in await page.json()] == [second["id"]]
    assert f"max_id={second['id']}" in page.headers["Link"]
    await api.json("POST", f"{REPORTS}/{second['id']}/resolve", token)
    assert [r["id"] for r in await api.json("GET", REPORTS, token)] == [scene["report"]["id"]]
    assert [r["id"] for r in await api.json("GET", f"{REPORTS}?resolved=true", token)] == [second["id"]]


async def test_each_action_changes_the_report_and_is_audited(api: Api, scene: dict[str, Any]) -> None:
    token, path = scene["mo_token"], f"{REPORTS}/{scene['report']['id']}"
    assigned = await api.json("POST", f"{path}/assign_to_self", token)
    assert assigned["assigned_account"]["username"] == "mo"
    assert (await api.json("POST", f"{path}/unassign", token))["assigned_account"] is None
    changed = await api.json("PUT", path, token, json={"category": "spam"})
    assert (changed["category"], changed["rules"]) == ("spam", [])
    resolved = await api.json("POST", f"{path}/resolve", token)
    assert resolved["action_taken"] is True and resolved["action_taken_by_account"]["username"] == "mo"
    assert resolved["action_taken_at"] is not None
    reopened = await api.json("POST", f"{path}/reopen", token)
    assert (reopened["action_taken"], reopened["action_taken_at"]) == (False, None)
    actions = [(e.action, e.actor_label, e.target) for e in await _audit(api)]
    assert actions == [(a, "@mo", scene["report"]["id"]) for a in (
        "report.assign", "report.unassign", "report.update", "report.resolve", "report.reopen")]


async def test_an_action_that_changes_nothing_is_not_audited(api: Api, scene: dict[str, Any]) -> None:
    path = f"{REPORTS}/{scene['report']['id']}"
    await api.json("POST", f"{path}/reopen", scene["mo_token"])  # it is open
    await api.json("POST", f"{path}/unassign", scene["mo_token"])  # nobody has it
    assert await _audit(api) == []


async def test_bad_updates_are_refused_with_nothing_changed(api: Api, scene: dict[str, Any]) -> None:
    path = f"{REPORTS}/{scene['report']['id']}"
    for body in ({"rule_ids": ["7"]}, {"category": "boring"}, {"category": "violation", "rule_ids": []}):
        response = await api.request("PUT", path, scene["mo_token"], json=body)
        assert response.status == 422, (body, await response.text())
    async with api.services.sessions() as session:
        report = await session.get(Report, int(scene["report"]["id"]))
        assert report is not None and (report.category, report.rule_ids) == ("violation", [2])
    assert await _audit(api) == []


async def test_members_are_refused_and_nothing_changes(api: Api, scene: dict[str, Any]) -> None:
    token = await api.token_for("ana", ADMIN)
    path = f"{REPORTS}/{scene['report']['id']}"
    for method, url in (("GET", REPORTS), ("GET", path), ("PUT", path), ("POST", f"{path}/resolve"),
                        ("POST", f"{path}/assign_to_self")):
        response = await api.request(method, url, token, json={"category": "spam"})
        assert response.status == 403, (method, url, response.status)
    assert await _audit(api) == []
    async with api.services.sessions() as session:
        report = await session.get(Report, int(scene["report"]["id"]))
        assert report is not None and report.resolved_at is None and report.category == "violation"


async def test_the_reporters_view_changes_when_the_report_is_resolved(api: Api, scene: dict[str, Any]
                                                                      ) -> None:
    own = f"/api/v1/reports/{scene['report']['id']}"
    assert (await api.json("GET", own, scene["ana_token"]))["action_taken"] is False
    await api.json("POST", f"{REPORTS}/{scene['report']['id']}/resolve", scene["mo_token"])
    seen = await api.json("GET", own, scene["ana_token"])
    assert seen["action_taken"] is True and seen["action_taken_at"] is not None
    assert [r["id"] for r in await api.json("GET", "/api/v1/reports?resolved=true", scene["ana_token"])] == [
        scene["report"]["id"]]


async def _audit(api: Api) -> list[AuditLogEntry]:
    async with api.services.sessions() as session:
        return list((await session.scalars(select(AuditLogEntry).order_by(AuditLogEntry.id))).all())
