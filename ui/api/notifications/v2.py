"""Grouped notifications, API v2 (Mastodon 4.3): the page of groups, one group, its accounts,
dismissing a group, the unread count of groups.

The same notifications as API v1 (`actors.reading.notification_reads`), gathered by
`ui.api.notifications.groups`: v1 and v2 always agree.
"""

from __future__ import annotations

from aiohttp import web
from sqlalchemy import Select, delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from actors.reading.notification_groups import UNGROUPED
from actors.reading.notification_reads import notifications_of
from storage.models import Actor, Notification
from ui.api.auth import MemberAuth
from ui.api.entities import render_accounts
from ui.api.notifications.groups import Group, grouped_body, grouped_types_of, read_groups
from ui.api.notifications.pages import marker_of, read_page, shown, wanted_of
from ui.api.notifications.v1 import unread_limit
from ui.api.paging import Page, cursor_links, link_header, page_of
from ui.api.responses import NOT_FOUND, api_error, json_ok
from ui.api.routing import parse_id, urls
from ui.keys import SERVICES
from ui.params import read_params

EXPAND = ("full", "partial_avatars")


async def index(request: web.Request, auth: MemberAuth) -> web.Response:
    params = await read_params(request)
    page = page_of(params, default=40, maximum=80)
    expand = params.text("expand_accounts") or "full"
    if expand not in EXPAND:
        api_error(422, "expand_accounts must be full or partial_avatars")
    grouped = grouped_types_of(params.strings("grouped_types"))
    async with request.app[SERVICES].sessions() as db:
        query = notifications_of(auth.actor.id, wanted_of(params))
        groups = await read_groups(db, auth.actor.id, query, page, grouped)
        body = await grouped_body(request, db, auth.actor, groups, paged=True,
                                  partial_avatars=expand == "partial_avatars")
    headers = cursor_links(request, urls(request).base_url, newest=groups[0].latest.id,
                           oldest=groups[-1].notifications[-1].id, full=len(groups) >= page.limit
                           ) if groups else {}
    return json_ok(body, headers=headers)


def _in_group(key: str) -> Select[Notification]:
    """The notifications of a group key (`ungrouped-{id}`: that one notification)."""
    if key.startswith(UNGROUPED):
        found = parse_id(key.removeprefix(UNGROUPED))
        return select(Notification).where(Notification.id == (found if found is not None else -1))
    return select(Notification).where(Notification.group_key == key)


def _shown_in_group(viewer_id: int, key: str) -> Select[Notification]:
    return notifications_of(viewer_id).where(
        Notification.id.in_(_in_group(key).with_only_columns(Notification.id).scalar_subquery()))


async def _group(db: AsyncSession, viewer_id: int, key: str) -> Group:
    query = _shown_in_group(viewer_id, key).order_by(Notification.id.desc())
    rows = await shown(db, viewer_id, list((await db.scalars(query)).all()))
    if not rows:
        api_error(404, NOT_FOUND)
    return Group(key, rows)


async def show(request: web.Request, auth: MemberAuth) -> web.Response:
    async with request.app[SERVICES].sessions() as db:
        group = await _group(db, auth.actor.id, request.match_info["group_key"])
        body = await grouped_body(request, db, auth.actor, [group], paged=False)
    if not body["notification_groups"]:
        api_error(404, NOT_FOUND)
    return json_ok(body)


async def accounts(request: web.Request, auth: MemberAuth) -> web.Response:
    """The accounts of a group's notifications, newest first, paged by notification."""
    page = page_of(await read_params(request), default=40, maximum=80)
    key = request.match_info["group_key"]
    async with request.app[SERVICES].sessions() as db:
        await _group(db, auth.actor.id, key)  # 404 for a group the member does not have
        rows = await read_page(db, auth.actor.id, _shown_in_group(auth.actor.id, key), page)
        by_id = {a.id: a for a in (await db.scalars(select(Actor).where(
            Actor.id.in_({n.from_actor_id for n in rows})))).all()}
        ordered = [by_id[i] for i in dict.fromkeys(n.from_actor_id for n in rows) if i in by_id]
        body = await render_accounts(db, ordered, urls(request))
    return json_ok(body, headers=link_header(request, urls(request).base_url, [n.id for n in rows], page))


async def dismiss(request: web.Request, auth: MemberAuth) -> web.Response:
    """Every notification of the group goes (Mastodon answers {} whatever was there)."""
    key = request.match_info["group_key"]
    async with request.app[SERVICES].sessions() as db, db.begin():
        await db.execute(delete(Notification).where(
            Notification.recipient_id == auth.actor.id,
            Notification.id.in_(_in_group(key).with_only_columns(Notification.id).scalar_subquery())))
    return json_ok({})


async def unread_count(request: web.Request, auth: MemberAuth) -> web.Response:
    """Groups with a notification after the `notifications` marker, at most `limit`."""
    params = await read_params(request)
    limit = unread_limit(params)
    grouped = grouped_types_of(params.strings("grouped_types"))
    async with request.app[SERVICES].sessions() as db:
        last_read = await marker_of(db, auth.actor.id, "notifications")
        query = notifications_of(auth.actor.id, wanted_of(params))
        groups = await read_groups(db, auth.actor.id, query, Page(None, last_read, None, limit), grouped)
    return json_ok({"count": len(groups)})
