"""Scheduled statuses: `scheduled_at` on `POST /api/v1/statuses`, and
`/api/v1/scheduled_statuses` (list, show, change the time, cancel), in Mastodon's shapes.

A `scheduled_at` in the past posts at once (as Mastodon); one sooner than the node's
`limits.min_schedule_seconds` (Mastodon's 5 minutes) is refused with Mastodon's words. The
work is `actors.posts.scheduling`'s.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from aiohttp import web
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from actors.posts import posting, scheduling
from storage.errors import Invalid
from storage.models import MediaAttachment, ScheduledStatus
from ui.api.auth import MemberAuth
from ui.api.entities import Urls, iso_datetime
from ui.api.paging import link_header, newest_first, page_of, paginate
from ui.api.responses import json_ok
from ui.api.routing import path_id, urls
from ui.api.statuses.entity import media_attachment
from ui.keys import SERVICES
from ui.params import Params, read_params

BAD_TIME = "scheduled_at must be a date and time such as 2030-01-02T03:04:05Z"
LAST_YEAR = 9999


def time_of(params: Params) -> datetime | None:
    """`scheduled_at` as an aware UTC datetime (None when not sent); a naive time is UTC."""
    raw = (params.text("scheduled_at") or "").strip()
    if not raw:
        return None
    try:
        when = datetime.fromisoformat(raw.replace("z", "Z"))
    except ValueError:
        raise Invalid(BAD_TIME) from None
    if when.year >= LAST_YEAR:  # keeps day arithmetic (the per-day limit) within datetime's range
        raise Invalid(f"scheduled_at must be before the year {LAST_YEAR}")
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)


def render(row: ScheduledStatus, media: list[MediaAttachment], site: Urls) -> dict[str, Any]:
    """Mastodon's ScheduledStatus entity (`params` with Mastodon's keys, as it stores them)."""
    kept = row.params
    poll = kept.get("poll")
    params: dict[str, Any] = {
        "text": kept.get("text"),
        "poll": None if poll is None else {**poll, "expires_in": str(poll["expires_in"])},
        "media_ids": list(kept.get("media_ids") or []) or None,
        "sensitive": kept.get("sensitive"),
        "spoiler_text": kept.get("summary") or None,
        "visibility": kept.get("visibility"),
        "in_reply_to_id": None if kept.get("in_reply_to_id") is None else str(kept["in_reply_to_id"]),
        "language": kept.get("language"),
        "application_id": row.application_id,
        "scheduled_at": None,
        "idempotency": None,
        "with_rate_limit": False,
    }
    if kept.get("local_only"):
        params["local_only"] = True
    return {"id": str(row.id), "scheduled_at": iso_datetime(row.scheduled_at), "params": params,
            "media_attachments": [media_attachment(m, site) for m in media]}


async def _render_rows(db: AsyncSession, rows: list[ScheduledStatus], site: Urls) -> list[dict[str, Any]]:
    media = await scheduling.media_of(db, rows)
    return [render(row, media[row.id], site) for row in rows]


async def create(request: web.Request, auth: MemberAuth, new: posting.NewStatus,
                 when: datetime) -> web.Response:
    """`POST /api/v1/statuses` with a future `scheduled_at`: a ScheduledStatus, not a Status."""
    services = request.app[SERVICES]
    async with services.sessions() as db, db.begin():
        row = await scheduling.schedule(db, services, auth.actor, new, when)
        [body] = await _render_rows(db, [row], urls(request))
    return json_ok(body)


async def list_scheduled(request: web.Request, auth: MemberAuth) -> web.Response:
    params = await read_params(request)
    page = page_of(params, default=20, maximum=40)
    query = select(ScheduledStatus).where(ScheduledStatus.actor_id == auth.actor.id)
    async with request.app[SERVICES].sessions() as db:
        rows = newest_first(list((await db.scalars(paginate(query, ScheduledStatus.id, page))).all()), page)
        body = await _render_rows(db, rows, urls(request))
    base_url = request.app[SERVICES].config.base_url
    return json_ok(body, headers=link_header(request, base_url, [row.id for row in rows], page))


async def show(request: web.Request, auth: MemberAuth) -> web.Response:
    async with request.app[SERVICES].sessions() as db:
        row = await scheduling.own(db, auth.actor, path_id(request))
        [body] = await _render_rows(db, [row], urls(request))
    return json_ok(body)


async def update(request: web.Request, auth: MemberAuth) -> web.Response:
    """Only the time changes (Mastodon's `PUT`); an absent `scheduled_at` changes nothing."""
    params = await read_params(request)
    when = time_of(params)
    services = request.app[SERVICES]
    async with services.sessions() as db, db.begin():
        row = await scheduling.own(db, auth.actor, path_id(request))
        if when is not None:
            await scheduling.move(db, services.config.limits, auth.actor, row, when)
        [body] = await _render_rows(db, [row], urls(request))
    return json_ok(body)


async def cancel(request: web.Request, auth: MemberAuth) -> web.Response:
    async with request.app[SERVICES].sessions() as db, db.begin():
        row = await scheduling.own(db, auth.actor, path_id(request))
        await scheduling.cancel(db, row.id)
    return json_ok({})
