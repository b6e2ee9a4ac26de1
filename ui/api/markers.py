"""Markers (`/api/v1/markers`): where a member stopped reading `home` and `notifications`.

As Mastodon: `GET ?timeline[]=home&timeline[]=notifications` answers a hash of the markers
that exist; `POST` with `home[last_read_id]` and/or `notifications[last_read_id]` (form or
JSON) saves them and answers those it saved. `version` starts at 0 and counts changes; a
conflicting concurrent save is a 409.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import MARKER_TIMELINES, Marker, utcnow
from ui.api.auth import MemberAuth
from ui.api.entities import iso_datetime
from ui.api.responses import api_error, json_ok
from ui.api.routing import parse_id
from ui.keys import SERVICES
from ui.params import Params, read_params

CONFLICT = "Conflict during update, please try again"


def marker_entity(marker: Marker) -> dict[str, Any]:
    return {"last_read_id": str(marker.last_read_id), "version": marker.version,
            "updated_at": iso_datetime(marker.updated_at)}


async def index(request: web.Request, auth: MemberAuth) -> web.Response:
    params = await read_params(request)
    names = [n for n in params.strings("timeline") if n in MARKER_TIMELINES]
    if not names:
        return json_ok({})
    async with request.app[SERVICES].sessions() as db:
        rows = (await db.scalars(select(Marker).where(Marker.actor_id == auth.actor.id,
                                                      Marker.timeline.in_(names)))).all()
    return json_ok({m.timeline: marker_entity(m) for m in rows})


def _wanted(params: Params) -> dict[str, int]:
    """{timeline: last_read_id} of the request; a malformed id is a 422 before anything is saved."""
    found: dict[str, int] = {}
    for timeline in MARKER_TIMELINES:
        if timeline not in params:
            continue
        raw = params.nested(timeline).text("last_read_id")
        last_read = parse_id(raw) if raw else None
        if last_read is None:
            api_error(422, f"{timeline}[last_read_id] must be an id")
        found[timeline] = last_read
    return found


async def _save(db: AsyncSession, actor_id: int, timeline: str, last_read_id: int) -> Marker:
    marker = await db.scalar(select(Marker).where(Marker.actor_id == actor_id, Marker.timeline == timeline))
    if marker is None:
        marker = Marker(actor_id=actor_id, timeline=timeline, last_read_id=last_read_id, version=0,
                        updated_at=utcnow())
        db.add(marker)
    elif marker.last_read_id != last_read_id:
        marker.last_read_id, marker.version, marker.updated_at = last_read_id, marker.version + 1, utcnow()
    return marker


async def save(request: web.Request, auth: MemberAuth) -> web.Response:
    wanted = _wanted(await read_params(request))
    try:
        async with request.app[SERVICES].sessions() as db, db.begin():
            saved = [await _save(db, auth.actor.id, name, last_read) for name, last_read in wanted.items()]
    except IntegrityError:  # another request created the same marker meanwhile
        api_error(409, CONFLICT)
    return json_ok({m.timeline: marker_entity(m) for m in saved})
