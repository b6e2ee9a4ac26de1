"""What the statuses, polls and media routes share: finding a status the viewer may see, and
rendering statuses for the request (its viewer, languages and node)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from aiohttp import web
from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from actors.languages import reader_preferences
from actors.muting import live_mute
from actors.visibility import can_see
from federation.services import SERVICES_KEY
from storage.models import ACCEPTED, Actor, Block, Follow, Mention, Mute, Status
from ui.api.responses import NOT_FOUND, api_error
from ui.api.routing import urls
from ui.api.status_entity import render_statuses

PUBLIC = ("public", "unlisted")


async def visible_status(db: AsyncSession, viewer: Actor | None, status_id: int) -> Status:
    """The status if it exists and `viewer` may see it; 404 otherwise (never 403: a private
    status's existence is not revealed). Statuses of suspended accounts are not found."""
    status = await db.get(Status, status_id)
    if status is None or not await can_see(db, None if viewer is None else viewer.id, status):
        api_error(404, NOT_FOUND)
    author = await db.get(Actor, status.actor_id)
    if author is None or author.suspended_at is not None:
        api_error(404, NOT_FOUND)
    return status


async def visible_among(db: AsyncSession, viewer: Actor | None, statuses: Sequence[Status], *,
                        hide_muted: bool = False) -> list[Status]:
    """The statuses `viewer` may see, in order: `actors.visibility.can_see`'s rule for many
    statuses in a fixed number of queries, and nothing by suspended accounts. `hide_muted`
    also leaves out accounts the viewer blocks or mutes (threads, as Mastodon)."""
    if not statuses:
        return []
    authors = list({s.actor_id for s in statuses})
    ids = [s.id for s in statuses]
    suspended = await _ids(db, select(Actor.id).where(Actor.id.in_(authors), Actor.suspended_at.is_not(None)))
    if viewer is None:
        return [s for s in statuses if s.visibility in PUBLIC and s.actor_id not in suspended]
    blocked_by = await _ids(db, select(Block.actor_id).where(Block.target_id == viewer.id,
                                                             Block.actor_id.in_(authors)))
    mentioned = await _ids(db, select(Mention.status_id).where(Mention.actor_id == viewer.id,
                                                               Mention.status_id.in_(ids)))
    followed = await _ids(db, select(Follow.followee_id).where(
        Follow.follower_id == viewer.id, Follow.followee_id.in_(authors), Follow.state == ACCEPTED))
    hidden: set[int] = set()
    if hide_muted:
        hidden = await _ids(db, select(Block.target_id).where(Block.actor_id == viewer.id,
                                                              Block.target_id.in_(authors)))
        hidden |= await _ids(db, select(Mute.target_id).where(Mute.actor_id == viewer.id,
                                                              Mute.target_id.in_(authors), live_mute()))

    def sees(status: Status) -> bool:
        if status.actor_id in suspended:
            return False
        if status.actor_id == viewer.id:
            return True
        if status.actor_id in blocked_by or status.actor_id in hidden:
            return False
        if status.visibility in PUBLIC or status.id in mentioned:
            return True
        return status.visibility == "private" and status.actor_id in followed

    return [s for s in statuses if sees(s)]


async def _ids(db: AsyncSession, query: Select[Any]) -> set[int]:
    return set((await db.scalars(query)).all())


async def render_for(request: web.Request, db: AsyncSession, viewer: Actor | None,
                     statuses: Sequence[Status]) -> list[dict[str, Any]]:
    languages = await reader_preferences(db, None if viewer is None else viewer.id,
                                         request.headers.get("Accept-Language"))
    return await render_statuses(db, request.app[SERVICES_KEY], viewer, statuses, urls(request),
                                 reader_languages=languages)


async def render_one(request: web.Request, db: AsyncSession, viewer: Actor | None, status: Status
                     ) -> dict[str, Any]:
    [entity] = await render_for(request, db, viewer, [status])
    return entity
