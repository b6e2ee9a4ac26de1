"""Notification requests (Mastodon 4.3): what a member's notification policy held back, one
request per sender; list, show, accept, dismiss (one or many), and whether accepted ones are
merged (always: accepting moves them at once).

The rules are `actors.reading.notification_policies`; a request is listed while it holds a
notification the member would be shown (`actors.reading.notification_reads.requests_of`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from aiohttp import web
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from actors.reading import notification_policies
from actors.reading.notification_reads import held_back, requests_of
from storage.models import Actor, Notification, NotificationRequest, Status
from ui.api.auth import MemberAuth
from ui.api.entities import iso_datetime, render_accounts
from ui.api.paging import link_header, newest_first, page_of, paginate
from ui.api.responses import NOT_FOUND, api_error, json_ok
from ui.api.routing import parse_id, path_id, urls
from ui.api.statuses.entity import render_for
from ui.keys import SERVICES
from ui.params import read_params

MAX_AT_ONCE = 100  # ids in one bulk accept or dismiss


async def _render(request: web.Request, db: AsyncSession, viewer: Actor, rows: Sequence[NotificationRequest]
                  ) -> list[dict[str, Any]]:
    """NotificationRequest entities: the sender, how many notifications it holds, the latest status."""
    senders = [r.from_actor_id for r in rows]
    if not senders:
        return []
    mine = (held_back(viewer.id), Notification.from_actor_id.in_(senders))
    counts = dict((await db.execute(select(Notification.from_actor_id, func.count()).where(*mine)
                                    .group_by(Notification.from_actor_id))).all())
    latest: dict[int, int] = {}
    newest = select(Notification.from_actor_id, Notification.status_id).where(
        *mine, Notification.status_id.is_not(None)).order_by(Notification.id.desc())
    for sender, status_id in (await db.execute(newest)).all():
        if status_id is not None:
            latest.setdefault(sender, status_id)
    statuses = (await db.scalars(select(Status).where(Status.id.in_(set(latest.values()))))).all()
    rendered = {int(s["id"]): s for s in await render_for(request, db, viewer, list(statuses))}
    actors = (await db.scalars(select(Actor).where(Actor.id.in_(senders)))).all()
    accounts = {int(a["id"]): a for a in await render_accounts(db, list(actors), urls(request))}
    found = []
    for row in rows:
        entity: dict[str, Any] = {
            "id": str(row.id), "created_at": iso_datetime(row.created_at),
            "updated_at": iso_datetime(row.updated_at), "account": accounts.get(row.from_actor_id),
            "notifications_count": str(counts.get(row.from_actor_id, 0)),
        }
        if row.from_actor_id in latest and latest[row.from_actor_id] in rendered:
            entity["last_status"] = rendered[latest[row.from_actor_id]]
        if entity["account"] is not None:
            found.append(entity)
    return found


async def index(request: web.Request, auth: MemberAuth) -> web.Response:
    page = page_of(await read_params(request), default=40, maximum=80)
    async with request.app[SERVICES].sessions() as db:
        rows = newest_first(list((await db.scalars(paginate(
            requests_of(auth.actor.id), NotificationRequest.id, page))).all()), page)
        body = await _render(request, db, auth.actor, rows)
    return json_ok(body, headers=link_header(request, urls(request).base_url, [r.id for r in rows], page))


async def _one(db: AsyncSession, viewer_id: int, request_id: int) -> NotificationRequest:
    found = await db.scalar(requests_of(viewer_id).where(NotificationRequest.id == request_id))
    if found is None:
        api_error(404, NOT_FOUND)
    return found


async def show(request: web.Request, auth: MemberAuth) -> web.Response:
    request_id = path_id(request)
    async with request.app[SERVICES].sessions() as db:
        body = await _render(request, db, auth.actor, [await _one(db, auth.actor.id, request_id)])
    if not body:
        api_error(404, NOT_FOUND)
    return json_ok(body[0])


async def accept(request: web.Request, auth: MemberAuth) -> web.Response:
    request_id = path_id(request)
    async with request.app[SERVICES].sessions() as db, db.begin():
        await notification_policies.accept(db, await _one(db, auth.actor.id, request_id))
    return json_ok({})


async def dismiss(request: web.Request, auth: MemberAuth) -> web.Response:
    request_id = path_id(request)
    async with request.app[SERVICES].sessions() as db, db.begin():
        await notification_policies.dismiss(db, await _one(db, auth.actor.id, request_id))
    return json_ok({})


async def _many(request: web.Request, auth: MemberAuth) -> list[int]:
    """`id[]` of a bulk accept or dismiss; ids that are not the member's requests are skipped."""
    raw = (await read_params(request)).strings("id")
    if len(raw) > MAX_AT_ONCE:
        api_error(422, f"at most {MAX_AT_ONCE} ids at once")
    return [i for i in (parse_id(r) for r in raw) if i is not None]


async def accept_many(request: web.Request, auth: MemberAuth) -> web.Response:
    ids = await _many(request, auth)
    async with request.app[SERVICES].sessions() as db, db.begin():
        for row in (await db.scalars(select(NotificationRequest).where(
                NotificationRequest.recipient_id == auth.actor.id, NotificationRequest.id.in_(ids)))).all():
            await notification_policies.accept(db, row)
    return json_ok({})


async def dismiss_many(request: web.Request, auth: MemberAuth) -> web.Response:
    ids = await _many(request, auth)
    async with request.app[SERVICES].sessions() as db, db.begin():
        for row in (await db.scalars(select(NotificationRequest).where(
                NotificationRequest.recipient_id == auth.actor.id, NotificationRequest.id.in_(ids)))).all():
            await notification_policies.dismiss(db, row)
    return json_ok({})


async def merged(request: web.Request, auth: MemberAuth) -> web.Response:
    """Accepted requests are merged into the notifications as they are accepted."""
    return json_ok({"merged": True})
