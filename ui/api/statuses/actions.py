"""What a member does to a status: favourite, boost, bookmark, pin, mute the conversation (and
undo each); who boosted or favourited it. Each answers with the status as the member now sees
it (a boost: the new boost, with the original nested)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from actors.posts import posting
from actors.social import relations
from federation.services import Services
from storage.models import Actor, Favourite, Status
from ui.api.auth import Auth, MemberAuth, MemberHandler
from ui.api.entities import render_accounts
from ui.api.paging import link_header, newest_first, page_of, paginate
from ui.api.responses import json_ok
from ui.api.routing import path_id, urls
from ui.api.statuses.entity import render_one, visible_status
from ui.keys import SERVICES
from ui.params import read_params

# (session, services, member, status) -> the status to answer with
Action = Callable[[AsyncSession, Services, Actor, Status], Awaitable[Status]]


async def _favourite(db: AsyncSession, services: Services, actor: Actor, status: Status) -> Status:
    return await posting.favourite(db, services, actor, status)


async def _unfavourite(db: AsyncSession, services: Services, actor: Actor, status: Status) -> Status:
    return await posting.unfavourite(db, services, actor, status)


async def _unreblog(db: AsyncSession, services: Services, actor: Actor, status: Status) -> Status:
    return await posting.unreblog(db, services, actor, status)


def _relation(change: Callable[[AsyncSession, Actor, Status], Awaitable[None]]) -> Action:
    async def run(db: AsyncSession, services: Services, actor: Actor, status: Status) -> Status:
        await change(db, actor, status)
        return status
    return run


def _route(action: Action) -> MemberHandler:
    async def handle(request: web.Request, auth: MemberAuth) -> web.Response:
        services = request.app[SERVICES]
        async with request.app[SERVICES].sessions() as db, db.begin():
            status = await visible_status(db, auth.actor, path_id(request))
            answer = await action(db, services, auth.actor, status)
            await db.flush()
            body = await render_one(request, db, auth.actor, answer)
        services.wake_workers()
        return json_ok(body)
    return handle


# The handlers of the actions (their scopes: `ui.api.routes`).
favourite = _route(_favourite)
unfavourite = _route(_unfavourite)
unreblog = _route(_unreblog)
bookmark = _route(_relation(relations.bookmark))
unbookmark = _route(_relation(relations.unbookmark))
pin = _route(_relation(relations.pin))
unpin = _route(_relation(relations.unpin))
mute = _route(_relation(relations.mute_conversation))
unmute = _route(_relation(relations.unmute_conversation))


async def reblog(request: web.Request, auth: MemberAuth) -> web.Response:
    services = request.app[SERVICES]
    params = await read_params(request)
    async with request.app[SERVICES].sessions() as db, db.begin():
        status = await visible_status(db, auth.actor, path_id(request))
        boost = await posting.reblog(db, services, auth.actor, status,
                                     visibility=params.text("visibility") or "public")
        body = await render_one(request, db, auth.actor, boost)
    services.wake_workers()
    return json_ok(_marked_as_original(body))


def _marked_as_original(body: dict[str, Any]) -> dict[str, Any]:
    """The boost as Mastodon answers it: the wrapper carries the original's marks for the member
    (`reblogged: true`, and `favourited`, `bookmarked` as they are on the original)."""
    original = body.get("reblog") or {}
    marks = ("favourited", "reblogged", "bookmarked")
    return body | {mark: original[mark] for mark in marks if mark in original}


PeopleQuery = Callable[[int], tuple[Any, Any]]  # status id -> (query of (cursor, Actor), cursor)


async def _people(request: web.Request, auth: Auth | None, query_for: PeopleQuery) -> web.Response:
    viewer = None if auth is None else auth.actor
    params = await read_params(request)
    page = page_of(params)
    async with request.app[SERVICES].sessions() as db:
        status = await visible_status(db, viewer, path_id(request))
        query, cursor = query_for(status.id)
        rows = newest_first((await db.execute(paginate(query, cursor, page))).all(), page)
        actors = [actor for _, actor in rows]
        body = await render_accounts(db, actors, urls(request))
    base_url = request.app[SERVICES].config.base_url
    return json_ok(body, headers=link_header(request, base_url, [cursor for cursor, _ in rows], page))


def _boosters(status_id: int) -> tuple[Any, Any]:
    query = (select(Status.id, Actor).join(Actor, Actor.id == Status.actor_id)
             .where(Status.reblog_of_id == status_id, Actor.suspended_at.is_(None)))
    return query, Status.id


def _favouriters(status_id: int) -> tuple[Any, Any]:
    query = (select(Favourite.id, Actor).join(Actor, Actor.id == Favourite.actor_id)
             .where(Favourite.status_id == status_id, Actor.suspended_at.is_(None)))
    return query, Favourite.id


async def reblogged_by(request: web.Request, auth: Auth | None) -> web.Response:
    return await _people(request, auth, _boosters)


async def favourited_by(request: web.Request, auth: Auth | None) -> web.Response:
    return await _people(request, auth, _favouriters)
