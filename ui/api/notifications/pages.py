"""Reading a member's notifications a page at a time, for the v1 list, the v2 groups and the
unread counts: the SQL rules (`actors.reading.notification_reads`), then muted conversations
left out (a walk up each thread, `ui.api.statuses.entity.in_muted_threads`) with as many more
rows read as the page needs."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from aiohttp import web
from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from actors.reading.languages import reader_preferences
from actors.reading.notification_reads import Wanted
from actors.social.muting import THREAD_NOTIFICATIONS
from storage.models import Actor, Marker, Notification
from ui.api.notifications.entity import Rendered, notification_entity, render_parts
from ui.api.paging import Page, paginate
from ui.api.routing import parse_id, urls
from ui.api.statuses.entity import in_muted_threads
from ui.keys import SERVICES
from ui.params import Params

MAX_ROUNDS = 5  # reads of `limit` rows to fill one page when muted conversations drop some


def wanted_of(params: Params) -> Wanted:
    raw_account = params.text("account_id")
    account_id = parse_id(raw_account) if raw_account else None
    if raw_account and account_id is None:
        account_id = -1  # an id that cannot be one of ours selects nothing
    return Wanted.of(params.strings("types"), params.strings("exclude_types"), account_id,
                     include_filtered=params.flag("include_filtered") or False)


async def shown(db: AsyncSession, viewer_id: int, rows: Sequence[Notification]) -> list[Notification]:
    """`rows` without those about a conversation the member muted."""
    about = [n.status_id for n in rows if n.status_id is not None and n.type in THREAD_NOTIFICATIONS]
    muted = await in_muted_threads(db, viewer_id, about) if about else set()
    return [n for n in rows if n.status_id not in muted or n.type not in THREAD_NOTIFICATIONS]


async def read_page(db: AsyncSession, viewer_id: int, query: Select[Notification], page: Page
                    ) -> list[Notification]:
    """Up to `page.limit` notifications of `query`, newest first, as Mastodon pages them."""
    ascending = page.min_id is not None
    found: list[Notification] = []
    cursor = page
    for _round in range(MAX_ROUNDS):
        rows = list((await db.scalars(paginate(query, Notification.id, cursor))).all())
        found += await shown(db, viewer_id, rows)
        if len(rows) < cursor.limit or len(found) >= page.limit:
            break
        cursor = replace(cursor, min_id=rows[-1].id) if ascending else replace(cursor, max_id=rows[-1].id)
    found = found[:page.limit]
    return list(reversed(found)) if ascending else found


async def marker_of(db: AsyncSession, actor_id: int, timeline: str) -> int | None:
    return await db.scalar(select(Marker.last_read_id).where(Marker.actor_id == actor_id,
                                                             Marker.timeline == timeline))


async def render_notifications(request: web.Request, db: AsyncSession, viewer: Actor,
                               notifications: Sequence[Notification]) -> list[dict[str, Any]]:
    """Notification entities, in order; those that cannot be shown are left out."""
    parts = await rendered_parts(request, db, viewer, notifications)
    return [entity for n in notifications if (entity := notification_entity(n, parts)) is not None]


async def rendered_parts(request: web.Request, db: AsyncSession, viewer: Actor,
                         notifications: Sequence[Notification], *, account_ids: Sequence[int] = ()
                         ) -> Rendered:
    languages = await reader_preferences(db, viewer.id, request.headers.get("Accept-Language"))
    return await render_parts(db, request.app[SERVICES], viewer, urls(request), notifications,
                              account_ids=account_ids, languages=languages)
