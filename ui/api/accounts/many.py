"""`GET /api/v1/accounts?id[]=…` (several accounts at once, Mastodon 4.3) and
`POST /api/v1/accounts/:id/note` (the member's private note, answered as a Relationship)."""

from __future__ import annotations

from aiohttp import web
from sqlalchemy import select

from actors.social.notes import set_note
from storage.errors import Invalid
from storage.models import Actor
from ui.api.accounts.relationship_entity import relationships
from ui.api.auth import Auth, MemberAuth
from ui.api.entities import render_accounts
from ui.api.responses import NOT_FOUND, api_error, json_ok
from ui.api.routing import parse_id, path_id, urls
from ui.keys import SERVICES
from ui.params import read_params

MAX_IDS = 40  # Mastodon's DEFAULT_ACCOUNTS_LIMIT


async def index(request: web.Request, auth: Auth | None) -> web.Response:
    """The accounts asked for, in that order; unknown ids are left out (as Mastodon)."""
    params = await read_params(request)
    raw_ids = params.strings("id")
    if len(raw_ids) > MAX_IDS:
        raise Invalid(f"at most {MAX_IDS} ids at once")
    ids = list(dict.fromkeys(i for i in map(parse_id, raw_ids) if i is not None))
    async with request.app[SERVICES].sessions() as db:
        found = {a.id: a for a in (await db.scalars(select(Actor).where(Actor.id.in_(ids)))).all()}
        body = await render_accounts(db, [found[i] for i in ids if i in found], urls(request))
    return json_ok(body)


async def note(request: web.Request, auth: MemberAuth) -> web.Response:
    params = await read_params(request)
    async with request.app[SERVICES].sessions() as db, db.begin():
        target = await db.get(Actor, path_id(request))
        if target is None:
            api_error(404, NOT_FOUND)
        await set_note(db, auth.actor, target, params.text("comment") or "")
        by_id = await relationships(db, auth.actor.id, [target.id])
    return json_ok(by_id[target.id])
