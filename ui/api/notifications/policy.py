"""The notification policy (Mastodon 4.3, `/api/v2/notifications/policy`): what a member does
with notifications from strangers, new accounts, private mentions and limited accounts
(`accept`, `filter` or `drop`), with a summary of what is held back."""

from __future__ import annotations

from typing import Any

from aiohttp import web
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from actors.reading.notification_policies import POLICY_FIELDS, change_policy, policy_of
from actors.reading.notification_reads import held_back, requests_of
from storage.models import Notification
from ui.api.auth import MemberAuth
from ui.api.responses import json_ok
from ui.keys import SERVICES
from ui.params import read_params


async def _entity(db: AsyncSession, actor_id: int, policy: dict[str, str]) -> dict[str, Any]:
    requests = await db.scalar(select(func.count()).select_from(requests_of(actor_id).subquery()))
    held = await db.scalar(select(func.count()).select_from(Notification).where(held_back(actor_id)))
    return {**policy, "summary": {"pending_requests_count": int(requests or 0),
                                  "pending_notifications_count": int(held or 0)}}


async def show(request: web.Request, auth: MemberAuth) -> web.Response:
    async with request.app[SERVICES].sessions() as db:
        return json_ok(await _entity(db, auth.actor.id, await policy_of(db, auth.actor.id)))


async def update(request: web.Request, auth: MemberAuth) -> web.Response:
    params = await read_params(request)
    changes = {name: params.text(name) or "" for name in POLICY_FIELDS if name in params}
    async with request.app[SERVICES].sessions() as db, db.begin():
        policy = await change_policy(db, auth.actor.id, changes)
        body = await _entity(db, auth.actor.id, policy)
    return json_ok(body)
