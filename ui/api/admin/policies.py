"""`/api/v1/admin/policies`: the rules for incoming posts (an Amity extension; Mastodon has no
equivalent). Staff with `manage_federation`; every change is in the audit log."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from actors.moderation import policy_rules
from actors.moderation.audit import staff_account
from storage.errors import Invalid
from storage.models import PolicyRule
from storage.queries import policy_rules_in_order
from ui.api.auth import MemberAuth
from ui.api.entities import iso_datetime
from ui.api.responses import json_ok
from ui.api.routing import path_id
from ui.keys import SERVICES
from ui.params import read_params


def rule_entity(rule: PolicyRule, rejected: int) -> dict[str, Any]:
    return {"id": str(rule.id), "kind": rule.kind, "value": rule.value, "regex": rule.regex,
            "action": rule.action, "position": rule.position, "enabled": rule.enabled,
            "created_by": rule.created_by, "created_at": iso_datetime(rule.created_at),
            "rejected_count": rejected, "description": rule.describe()}


async def list_rules(request: web.Request, auth: MemberAuth) -> web.Response:
    async with request.app[SERVICES].sessions() as db:
        found = await policy_rules_in_order(db)
        counts = await policy_rules.rejection_counts(db)
    return json_ok([rule_entity(rule, counts.get(rule.id, 0)) for rule in found])


async def create_rule(request: web.Request, auth: MemberAuth) -> web.Response:
    params = await read_params(request)
    enabled = params.flag("enabled")
    async with request.app[SERVICES].sessions() as db, db.begin():
        rule = await policy_rules.add_rule(
            db, staff_account(auth.actor, auth.user.role), kind=params.required_text("kind"),
            value=params.required_text("value"), action=params.required_text("action"),
            is_regex=bool(params.flag("regex")), enabled=enabled is not False)
    return json_ok(rule_entity(rule, 0))


async def delete_rule(request: web.Request, auth: MemberAuth) -> web.Response:
    async with request.app[SERVICES].sessions() as db, db.begin():
        await policy_rules.remove_rule(db, staff_account(auth.actor, auth.user.role), path_id(request))
    return json_ok({})


async def move_rule(request: web.Request, auth: MemberAuth) -> web.Response:
    position = (await read_params(request)).text("position")
    if position is None or not position.isdigit():
        raise Invalid("position must be a whole number, 1 for first")
    async with request.app[SERVICES].sessions() as db, db.begin():
        rule = await policy_rules.move_rule(db, staff_account(auth.actor, auth.user.role), path_id(request),
                                            int(position))
        counts = await policy_rules.rejection_counts(db)
    return json_ok(rule_entity(rule, counts.get(rule.id, 0)))
