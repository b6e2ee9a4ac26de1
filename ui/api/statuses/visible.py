"""What the statuses, polls and media routes share: finding a status the viewer may see, and
rendering statuses for the request (its viewer, languages and node)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from aiohttp import web
from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from actors.reading.languages import reader_preferences
from actors.reading.visibility import Viewer, visible_ids, visible_to
from actors.social.muting import live_mute
from storage.models import Actor, Block, Mute, Status
from ui.api.responses import NOT_FOUND, api_error
from ui.api.routing import urls
from ui.api.statuses.entity import render_statuses
from ui.keys import SERVICES


async def visible_status(db: AsyncSession, viewer: Actor | None, status_id: int) -> Status:
    """The status if it exists and `viewer` may see it (`actors.reading.visibility`); 404 otherwise, the
    same answer as for an id that never existed (never 403: a hidden status's existence is not
    revealed)."""
    status = await db.scalar(select(Status).where(Status.id == status_id, visible_to(Viewer.of(viewer))))
    if status is None:
        api_error(404, NOT_FOUND)
    return status


async def visible_among(db: AsyncSession, viewer: Actor | None, statuses: Sequence[Status], *,
                        hide_muted: bool = False) -> list[Status]:
    """The statuses `viewer` may see (`actors.reading.visibility`), in order, in a fixed number of
    queries. `hide_muted` also leaves out accounts the viewer blocks or mutes (threads, as
    Mastodon)."""
    if not statuses:
        return []
    seen = await visible_ids(db, viewer, [s.id for s in statuses])
    hidden: set[int] = set()
    if hide_muted and viewer is not None:
        authors = list({s.actor_id for s in statuses})
        hidden = await _ids(db, select(Block.target_id).where(Block.actor_id == viewer.id,
                                                              Block.target_id.in_(authors)))
        hidden |= await _ids(db, select(Mute.target_id).where(Mute.actor_id == viewer.id,
                                                              Mute.target_id.in_(authors), live_mute()))
        hidden.discard(viewer.id)
    return [s for s in statuses if s.id in seen and s.actor_id not in hidden]


async def _ids(db: AsyncSession, query: Select[Any]) -> set[int]:
    return set((await db.scalars(query)).all())


async def render_for(request: web.Request, db: AsyncSession, viewer: Actor | None,
                     statuses: Sequence[Status]) -> list[dict[str, Any]]:
    languages = await reader_preferences(db, None if viewer is None else viewer.id,
                                         request.headers.get("Accept-Language"))
    return await render_statuses(db, request.app[SERVICES], viewer, statuses, urls(request),
                                 reader_languages=languages)


async def render_one(request: web.Request, db: AsyncSession, viewer: Actor | None, status: Status
                     ) -> dict[str, Any]:
    [entity] = await render_for(request, db, viewer, [status])
    return entity
