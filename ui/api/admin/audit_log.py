"""`GET /api/v1/admin/audit_log`: the audit log for staff who may view it (an Amity extension:
Mastodon shows its action log on its web pages only). Newest first, Link-paged by entry id."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from actors.moderation import audit
from storage.models import AuditLogEntry
from ui.api.auth import MemberAuth
from ui.api.entities import iso_datetime
from ui.api.paging import link_header, page_of
from ui.api.responses import json_ok
from ui.api.routing import urls
from ui.keys import SERVICES
from ui.params import read_params


def entry_entity(entry: AuditLogEntry) -> dict[str, Any]:
    return {"id": str(entry.id), "created_at": iso_datetime(entry.created_at),
            "account_id": str(entry.actor_id) if entry.actor_id is not None else None,
            "actor": entry.actor_label, "action": entry.action, "target_type": entry.target_type,
            "target": entry.target, "reason": entry.reason, "details": entry.details}


async def list_entries(request: web.Request, auth: MemberAuth) -> web.Response:
    params = await read_params(request)
    page = page_of(params, default=100, maximum=200)
    async with request.app[SERVICES].sessions() as db:
        found = await audit.entries(db, limit=page.limit, max_id=page.max_id,
                                    action=params.text("action", max_length=64),
                                    target=params.text("target", max_length=2048))
    return json_ok([entry_entity(e) for e in found],
                   headers=link_header(request, urls(request).base_url, [e.id for e in found], page))
