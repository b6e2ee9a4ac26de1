"""`/api/v1/admin/policies`: admins list, add, move and remove the rules for incoming posts;
every change is audited; a bad rule is 422 and stores nothing; members and moderators are refused."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select

from storage.models import AuditLogEntry, PolicyRule
from tests.ui.client_api import Api

ADMIN = "read write follow admin:read admin:write"
PATH = "/api/v1/admin/policies"


async def _counts(api: Api) -> tuple[int, int]:
    async with api.services.sessions() as session:
        rules = await session.scalar(select(func.count()).select_from(PolicyRule))
        log = await session.scalar(select(func.count()).select_from(AuditLogEntry))
    return int(rules or 0), int(log or 0)


async def test_add_list_move_and_remove_are_audited(api: Api) -> None:
    await api.member("ada", role="admin")
    token = await api.token_for("ada", ADMIN)
    first = await api.json("POST", PATH, token,
                           data={"kind": "keyword", "value": "casino", "action": "reject"})
    second = await api.json("POST", PATH, token, json={"kind": "hashtag", "value": "#Crypto",
                                                       "action": "unlisted", "enabled": False})
    third = await api.json("POST", PATH, token, data={"kind": "keyword", "value": r"free\s+money",
                                                      "regex": "true", "action": "sensitive"})
    assert (first["position"], first["created_by"], first["enabled"]) == (1, "@ada", True)
    assert (second["value"], second["enabled"], third["regex"]) == ("crypto", False, True)
    moved = await api.json("POST", f"{PATH}/{third['id']}/move", token, data={"position": "1"})
    assert moved["position"] == 1
    assert await api.json("DELETE", f"{PATH}/{second['id']}", token) == {}
    listed = await api.json("GET", PATH, token)
    assert [(r["id"], r["position"]) for r in listed] == [(third["id"], 1), (first["id"], 2)]
    async with api.services.sessions() as session:
        log = [(e.actor_label, e.action, e.target) for e in (await session.scalars(
            select(AuditLogEntry).order_by(AuditLogEntry.id))).all()]
    assert log == [("@ada", "policy_rule.create", first["id"]), ("@ada", "policy_rule.create", second["id"]),
                   ("@ada", "policy_rule.create", third["id"]), ("@ada", "policy_rule.move", third["id"]),
                   ("@ada", "policy_rule.destroy", second["id"])]
    await api.json("DELETE", f"{PATH}/{second['id']}", token, status=404)


@pytest.mark.parametrize(("body", "status", "message"), [
    ({"kind": "keyword", "value": "(a+", "regex": "true", "action": "reject"}, 422, "does not compile"),
    ({"kind": "keyword", "value": "x" * 501, "action": "reject"}, 422, "1 to 500 characters"),
    ({"kind": "weather", "value": "rain", "action": "reject"}, 422, "kind must be one of"),
    ({"kind": "max_mentions", "value": "-3", "action": "reject"}, 422, "whole number"),
    ({"kind": "new_account", "value": "24", "action": "unlisted"}, 422, "action must be one of"),
    ({"kind": "keyword", "value": "spam", "action": "reject", "regex": "perhaps"}, 422, "regex"),
    ({"kind": "keyword", "action": "reject"}, 400, "Missing parameter: value")])
async def test_a_bad_rule_is_refused_and_nothing_is_stored(api: Api, body: dict[str, Any], status: int,
                                                          message: str) -> None:
    await api.member("ada", role="admin")
    token = await api.token_for("ada", ADMIN)
    answer = await api.json("POST", PATH, token, data=body, status=status)
    assert message in answer["error"]
    assert await _counts(api) == (0, 0)


async def test_a_bad_move_is_refused(api: Api) -> None:
    await api.member("ada", role="admin")
    token = await api.token_for("ada", ADMIN)
    rule = await api.json("POST", PATH, token, data={"kind": "hashtag", "value": "spam", "action": "reject"})
    for position in ("0", "first", ""):
        await api.json("POST", f"{PATH}/{rule['id']}/move", token, data={"position": position}, status=422)
    await api.json("POST", f"{PATH}/123/move", token, data={"position": "1"}, status=404)
    assert await _counts(api) == (1, 1)


@pytest.mark.parametrize("role", ["member", "moderator"])
async def test_members_and_moderators_are_refused(api: Api, role: str) -> None:
    await api.member("ada", role="admin")
    admin = await api.token_for("ada", ADMIN)
    rule = await api.json("POST", PATH, admin, data={"kind": "hashtag", "value": "spam", "action": "reject"})
    await api.member("mia", role=role)
    token = await api.token_for("mia", ADMIN)
    for method, path, data in (("GET", PATH, None),
                               ("POST", PATH, {"kind": "keyword", "value": "x", "action": "reject"}),
                               ("POST", f"{PATH}/{rule['id']}/move", {"position": "1"}),
                               ("DELETE", f"{PATH}/{rule['id']}", None)):
        response = await api.request(method, path, token, data=data)
        assert response.status == 403, (method, path)
    assert await _counts(api) == (1, 1)
