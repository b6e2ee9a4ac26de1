"""Notifications, API v1: list, show one, dismiss, clear, the unread count.

The rules for what a member is shown live in `actors.reading.notification_reads`; pages are
read by `ui.api.notifications.pages`. As Mastodon: 40 per page by default, at most 80; the
unread count counts notifications after the `notifications` marker, at most `limit` (100 by
default, at most 1000).
"""

from __future__ import annotations

from aiohttp import web
from sqlalchemy import delete

from actors.reading.notification_reads import Wanted, notifications_of
from storage.models import Notification
from ui.api.auth import MemberAuth
from ui.api.notifications.pages import marker_of, read_page, render_notifications, shown, wanted_of
from ui.api.paging import link_header, page_of
from ui.api.responses import NOT_FOUND, api_error, json_ok
from ui.api.routing import path_id, urls
from ui.keys import SERVICES
from ui.params import Params, read_params

UNREAD_DEFAULT, UNREAD_MAX = 100, 1000


async def index(request: web.Request, auth: MemberAuth) -> web.Response:
    params = await read_params(request)
    page = page_of(params, default=40, maximum=80)
    async with request.app[SERVICES].sessions() as db:
        rows = await read_page(db, auth.actor.id, notifications_of(auth.actor.id, wanted_of(params)), page)
        body = await render_notifications(request, db, auth.actor, rows)
    return json_ok(body, headers=link_header(request, urls(request).base_url, [n.id for n in rows], page))


async def show(request: web.Request, auth: MemberAuth) -> web.Response:
    notification_id = path_id(request)
    async with request.app[SERVICES].sessions() as db:
        row = await db.scalar(notifications_of(auth.actor.id, Wanted(include_filtered=True)).where(
            Notification.id == notification_id))
        found = await shown(db, auth.actor.id, [row]) if row is not None else []
        body = await render_notifications(request, db, auth.actor, found)
    if not body:
        api_error(404, NOT_FOUND)
    return json_ok(body[0])


async def dismiss(request: web.Request, auth: MemberAuth) -> web.Response:
    notification_id = path_id(request)
    async with request.app[SERVICES].sessions() as db, db.begin():
        gone = await db.execute(delete(Notification).where(
            Notification.id == notification_id, Notification.recipient_id == auth.actor.id))
    if not gone.rowcount:  # type: ignore[attr-defined]
        api_error(404, NOT_FOUND)
    return json_ok({})


async def clear(request: web.Request, auth: MemberAuth) -> web.Response:
    async with request.app[SERVICES].sessions() as db, db.begin():
        await db.execute(delete(Notification).where(Notification.recipient_id == auth.actor.id))
    return json_ok({})


def unread_limit(params: Params) -> int:
    raw = params.text("limit")
    if not raw:
        return UNREAD_DEFAULT
    try:
        return max(1, min(int(raw), UNREAD_MAX))
    except ValueError:
        api_error(422, "limit must be a number")


async def unread_count(request: web.Request, auth: MemberAuth) -> web.Response:
    params = await read_params(request)
    limit = unread_limit(params)
    async with request.app[SERVICES].sessions() as db:
        query = notifications_of(auth.actor.id, wanted_of(params))
        last_read = await marker_of(db, auth.actor.id, "notifications")
        if last_read is not None:
            query = query.where(Notification.id > last_read)
        rows = list((await db.scalars(query.order_by(Notification.id.desc()).limit(limit))).all())
        count = len(await shown(db, auth.actor.id, rows))
    return json_ok({"count": count})

