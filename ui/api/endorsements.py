"""Endorsements: `POST /api/v1/accounts/:id/pin` and `unpin` (answering the Relationship) and
the member's endorsed accounts, `GET /api/v1/endorsements` (paged by the endorsement's id).
The rule is `actors.social.endorsements`."""

from __future__ import annotations

from aiohttp import web
from sqlalchemy import select

from actors.social.endorsements import endorse, unendorse
from storage.models import Actor, Endorsement
from ui.api.accounts.relation_lists import account_page
from ui.api.accounts.relationship_entity import relationships
from ui.api.auth import MemberAuth
from ui.api.responses import NOT_FOUND, api_error, json_ok
from ui.api.routing import path_id
from ui.keys import SERVICES


async def _pin(request: web.Request, auth: MemberAuth, *, pinned: bool) -> web.Response:
    target_id = path_id(request)
    async with request.app[SERVICES].sessions() as db, db.begin():
        if await db.get(Actor, target_id) is None:
            api_error(404, NOT_FOUND)
        if pinned:
            await endorse(db, auth.actor.id, target_id)
        else:
            await unendorse(db, auth.actor.id, target_id)
        found = await relationships(db, auth.actor.id, [target_id])
    return json_ok(found[target_id])


async def pin(request: web.Request, auth: MemberAuth) -> web.Response:
    return await _pin(request, auth, pinned=True)


async def unpin(request: web.Request, auth: MemberAuth) -> web.Response:
    return await _pin(request, auth, pinned=False)


async def index(request: web.Request, auth: MemberAuth) -> web.Response:
    query = (select(Endorsement.id, Actor).join(Actor, Actor.id == Endorsement.target_id)
             .where(Endorsement.actor_id == auth.actor.id, Actor.suspended_at.is_(None)))
    return await account_page(request, query)
