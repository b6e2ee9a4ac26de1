"""`POST /api/v1/reports` and the reporter's own view (`ui.api.reports`): what is stored, who is
told, what is forwarded, and hostile reports refused with nothing stored."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from storage.models import Actor, Job, Notification, OutboxActivity, Report
from tests.ui.api.schemas import REPORT, assert_entity
from tests.ui.client_api import Api

RULES = ["Be kind", "No spam", "No ads"]


@pytest.fixture
def api(any_api: Api) -> Api:
    """These tests run on SQLite and PostgreSQL."""
    return any_api


@pytest.fixture
async def scene(api: Api) -> dict[str, Any]:
    """ana reports bob; mo moderates; bob has two public posts and one followers-only post."""
    await api.setting("rules", RULES)
    ana, bob = await api.member("ana"), await api.member("bob")
    mo = await api.member("mo", role="moderator")
    bob_token = await api.token_for("bob")
    posts = [await api.json("POST", "/api/v1/statuses", bob_token, data={"status": f"buy now {i}"})
             for i in range(2)]
    private = await api.json("POST", "/api/v1/statuses", bob_token,
                             data={"status": "friends only", "visibility": "private"})
    return {"ana": ana, "bob": bob, "mo": mo, "token": await api.token_for("ana"), "bob_token": bob_token,
            "posts": [p["id"] for p in posts], "private": private["id"]}


async def test_a_report_with_two_statuses_is_stored_and_moderators_are_told(api: Api, scene: dict[str, Any]
                                                                             ) -> None:
    body = await api.json("POST", "/api/v1/reports", scene["token"], data={
        "account_id": str(scene["bob"].id), "status_ids[]": scene["posts"], "comment": "spam waves",
        "category": "spam"})
    assert_entity(body, REPORT)
    assert (body["status_ids"], body["category"], body["action_taken"], body["forwarded"]) == (
        scene["posts"], "spam", False, False)
    assert body["target_account"]["id"] == str(scene["bob"].id)
    (report,) = await _rows(api, Report)
    assert (report.reporter_id, report.target_id, report.comment) == (scene["ana"].id, scene["bob"].id,
                                                                       "spam waves")
    assert [str(i) for i in report.status_ids] == scene["posts"]
    (note,) = await _rows(api, Notification, Notification.type == "admin.report")
    assert (note.recipient_id, note.from_actor_id) == (scene["mo"].id, scene["ana"].id)


async def test_citing_rules_makes_a_violation(api: Api, scene: dict[str, Any]) -> None:
    body = await api.json("POST", "/api/v1/reports", scene["token"], json={
        "account_id": str(scene["bob"].id), "rule_ids": ["2", "3"], "category": "other"})
    assert (body["category"], body["rule_ids"], body["status_ids"]) == ("violation", ["2", "3"], None)


@pytest.mark.parametrize("case", ["yourself", "unknown status", "another's status", "unseen status",
                                  "long comment", "unknown rule", "bad category", "violation without rules"])
async def test_hostile_reports_are_refused_with_nothing_stored(api: Api, scene: dict[str, Any], case: str
                                                               ) -> None:
    ana_post = await api.json("POST", "/api/v1/statuses", scene["token"], data={"status": "mine"})
    bob = str(scene["bob"].id)
    cases: dict[str, dict[str, Any]] = {
        "yourself": {"account_id": str(scene["ana"].id)},
        "unknown status": {"account_id": bob, "status_ids": [scene["posts"][0], "999999999"]},
        "another's status": {"account_id": bob, "status_ids": [ana_post["id"]]},
        "unseen status": {"account_id": bob, "status_ids": [scene["private"]]},  # ana doesn't follow bob
        "long comment": {"account_id": bob, "comment": "x" * 1001},
        "unknown rule": {"account_id": bob, "rule_ids": ["4"]},
        "bad category": {"account_id": bob, "category": "boring"},
        "violation without rules": {"account_id": bob, "category": "violation"},
    }
    response = await api.request("POST", "/api/v1/reports", scene["token"], json=cases[case])
    assert response.status == 422, await response.text()
    assert (await response.json())["error"]
    assert await api.count(Report) == 0
    assert await _rows(api, Notification, Notification.type == "admin.report") == []


async def test_an_unknown_account_is_404(api: Api, scene: dict[str, Any]) -> None:
    response = await api.request("POST", "/api/v1/reports", scene["token"], data={"account_id": "12345"})
    assert response.status == 404 and await api.count(Report) == 0


async def test_a_forwarded_report_of_a_remote_account_queues_a_flag_from_the_instance_actor(
        api: Api, scene: dict[str, Any]) -> None:
    async with api.services.sessions() as session, session.begin():
        remote = Actor(username="eve", domain="remote.example", uri="https://remote.example/users/eve",
                       inbox_url="https://remote.example/users/eve/inbox",
                       shared_inbox_url="https://remote.example/inbox")
        session.add(remote)
    body = await api.json("POST", "/api/v1/reports", scene["token"], data={
        "account_id": str(remote.id), "comment": "harassment", "forward": "true"})
    assert body["forwarded"] is True
    (sent,) = await _rows(api, OutboxActivity)
    flag = sent.body
    assert (flag["type"], flag["actor"], flag["object"], flag["content"]) == (
        "Flag", f"{api.config.base_url}/actor", [remote.uri], "harassment")
    (job,) = await _rows(api, Job, Job.kind == "federation.deliver")
    assert job.payload["inbox"] == remote.inbox_url  # the account's own inbox, as Mastodon sends it


async def test_a_report_of_a_local_account_is_never_forwarded(
        api: Api, scene: dict[str, Any]) -> None:
    body = await api.json("POST", "/api/v1/reports", scene["token"], data={
        "account_id": str(scene["bob"].id), "forward": "true"})
    assert body["forwarded"] is False and await api.count(OutboxActivity) == 0


async def test_the_reporter_sees_their_reports_and_only_theirs(api: Api, scene: dict[str, Any]) -> None:
    mine = await api.json("POST", "/api/v1/reports", scene["token"],
                          data={"account_id": str(scene["bob"].id)})
    theirs = await api.json("POST", "/api/v1/reports", scene["bob_token"],
                            data={"account_id": str(scene["ana"].id)})
    listed = await api.json("GET", "/api/v1/reports", scene["token"])
    assert [r["id"] for r in listed] == [mine["id"]]
    assert (await api.json("GET", f"/api/v1/reports/{mine['id']}", scene["token"]))["id"] == mine["id"]
    other = await api.request("GET", f"/api/v1/reports/{theirs['id']}", scene["token"])
    assert other.status == 404


async def _rows(api: Api, model: Any, *where: Any) -> list[Any]:
    async with api.services.sessions() as session:
        return list((await session.scalars(select(model).where(*where))).all())
