"""Polls: `GET /api/v1/polls/:id` and `POST /api/v1/polls/:id/votes` (`choices[]`)."""

from __future__ import annotations

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncSession

from actors.posts import polls
from actors.reading import parts
from storage.errors import Invalid
from storage.models import Actor, Poll, Status
from ui.api.auth import Auth, MemberAuth
from ui.api.responses import NOT_FOUND, api_error, json_ok
from ui.api.routing import path_id, urls
from ui.api.statuses.entity import poll_entity, visible_status
from ui.keys import SERVICES
from ui.params import read_params


async def _poll_and_status(db: AsyncSession, viewer: Actor | None, poll_id: int) -> tuple[Poll, Status]:
    poll = await db.get(Poll, poll_id)
    if poll is None:
        api_error(404, NOT_FOUND)
    return poll, await visible_status(db, viewer, poll.status_id)


async def _render(request: web.Request, db: AsyncSession, viewer: Actor | None, poll: Poll,
                  status: Status) -> web.Response:
    emojis = (await parts.load_parts(db, [status.id]))[status.id].emojis
    own = await polls.own_votes(db, poll.id, viewer.id) if viewer is not None else []
    return json_ok(poll_entity(poll, emojis, urls(request), viewer=viewer, author_id=status.actor_id,
                               own=own))


async def show(request: web.Request, auth: Auth | None) -> web.Response:
    viewer = None if auth is None else auth.actor
    async with request.app[SERVICES].sessions() as db:
        poll, status = await _poll_and_status(db, viewer, path_id(request))
        return await _render(request, db, viewer, poll, status)


async def vote(request: web.Request, auth: MemberAuth) -> web.Response:
    params = await read_params(request)
    raw = params.strings("choices")
    if not raw:
        raise Invalid("choices[] is missing: the numbers of the options you choose, from 0")
    try:
        choices = [int(c) for c in raw]
    except ValueError:
        raise Invalid("choices[] must be option numbers, from 0") from None
    services = request.app[SERVICES]
    async with request.app[SERVICES].sessions() as db, db.begin():
        poll, status = await _poll_and_status(db, auth.actor, path_id(request))
        poll = await polls.vote(db, auth.actor, status, choices)
        response = await _render(request, db, auth.actor, poll, status)
    services.wake_workers()
    return response
