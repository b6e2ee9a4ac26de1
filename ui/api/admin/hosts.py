"""`/api/v1/admin/hosts`: delivery health per remote server, and retrying one now (an Amity
extension; Mastodon shows this on its web pages). Staff with `manage_federation`."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from aiohttp import web

from actors.moderation import hosts
from actors.moderation.audit import staff_account
from ui.api.auth import MemberAuth
from ui.api.entities import iso_datetime
from ui.api.responses import NOT_FOUND, api_error, json_ok
from ui.keys import SERVICES
from ui.params import read_params


def _iso(value: datetime | None) -> str | None:
    return iso_datetime(value) if value else None


def host_entity(host: hosts.HostHealth) -> dict[str, Any]:
    return {"domain": host.domain, "state": host.state, "consecutive_failures": host.consecutive_failures,
            "failing_since": _iso(host.failing_since), "next_try_at": _iso(host.next_try_at),
            "last_success_at": _iso(host.last_success_at), "last_seen_at": _iso(host.last_seen_at),
            "last_error": host.last_error, "last_error_at": _iso(host.last_error_at),
            "queued_deliveries": host.queued}


async def list_hosts(request: web.Request, auth: MemberAuth) -> web.Response:
    failing = bool((await read_params(request)).flag("failing"))
    async with request.app[SERVICES].sessions() as db:
        found = await hosts.host_health(db, failing_only=failing)
    return json_ok([host_entity(h) for h in found])


async def show_host(request: web.Request, auth: MemberAuth) -> web.Response:
    async with request.app[SERVICES].sessions() as db:
        found = await hosts.host_health(db, domain=request.match_info["domain"])
    if not found:
        api_error(404, NOT_FOUND)
    return json_ok(host_entity(found[0]))


async def retry_host(request: web.Request, auth: MemberAuth) -> web.Response:
    domain = request.match_info["domain"]
    async with request.app[SERVICES].sessions() as db, db.begin():
        await hosts.retry_host(db, staff_account(auth.actor, auth.user.role), domain)
    async with request.app[SERVICES].sessions() as db:
        return json_ok(host_entity((await hosts.host_health(db, domain=domain))[0]))
