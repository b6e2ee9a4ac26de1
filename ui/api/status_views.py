"""What the statuses, polls and media routes share: finding a status the viewer may see, and
rendering statuses for the request (its viewer, languages and node)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncSession

from actors.languages import reader_preferences
from actors.visibility import can_see
from federation.services import SERVICES_KEY
from storage.models import Actor, Status
from ui.api.responses import NOT_FOUND, api_error
from ui.api.routing import urls
from ui.api.status_entity import render_statuses


async def visible_status(db: AsyncSession, viewer: Actor | None, status_id: int) -> Status:
    """The status if it exists and `viewer` may see it; 404 otherwise (never 403: a private
    status's existence is not revealed)."""
    status = await db.get(Status, status_id)
    if status is None or not await can_see(db, None if viewer is None else viewer.id, status):
        api_error(404, NOT_FOUND)
    return status


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
