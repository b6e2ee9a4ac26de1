"""The profile directory (`GET /api/v1/directory`) and follow suggestions (`/api/v2/suggestions`,
`/api/v1/suggestions`, `DELETE /api/v1/suggestions/:account_id`); who may be listed is
`actors.reading.discovery`."""

from __future__ import annotations

from aiohttp import web

from actors.reading import discovery
from storage.errors import Invalid
from ui.api.auth import Auth, MemberAuth, as_member
from ui.api.discovery.offsets import offset_and_limit
from ui.api.entities import render_accounts
from ui.api.responses import json_ok
from ui.api.routing import path_id, urls
from ui.keys import SERVICES
from ui.params import read_params

SOURCES = {"friends_of_friends": "global", "most_followed": "global"}  # v2's deprecated `source`


async def directory(request: web.Request, auth: Auth | None) -> web.Response:
    params = await read_params(request)
    order = params.text("order") or "active"
    if order not in ("active", "new"):
        raise Invalid("order must be active or new")
    offset, limit = offset_and_limit(params, default=40, maximum=80)
    viewer = as_member(auth).actor.id if auth is not None and auth.user is not None else None
    query = discovery.directory(viewer, order="new" if order == "new" else "active",
                                local=params.flag("local") or False, offset=offset, limit=limit)
    async with request.app[SERVICES].sessions() as db:
        actors = list((await db.scalars(query)).all())
        return json_ok(await render_accounts(db, actors, urls(request)))


async def _suggested(request: web.Request, auth: MemberAuth) -> list[tuple[dict[str, object], str]]:
    _, limit = offset_and_limit(await read_params(request), default=40, maximum=80)
    async with request.app[SERVICES].sessions() as db:
        found = await discovery.suggestions(db, auth.actor.id, limit)
        accounts = await render_accounts(db, [actor for actor, _ in found], urls(request))
    return [(account, source) for account, (_, source) in zip(accounts, found, strict=True)]


async def suggestions_v2(request: web.Request, auth: MemberAuth) -> web.Response:
    return json_ok([{"source": SOURCES[source], "sources": [source], "account": account}
                    for account, source in await _suggested(request, auth)])


async def suggestions_v1(request: web.Request, auth: MemberAuth) -> web.Response:
    return json_ok([account for account, _ in await _suggested(request, auth)])


async def dismiss(request: web.Request, auth: MemberAuth) -> web.Response:
    target = path_id(request, "account_id")
    async with request.app[SERVICES].sessions() as db, db.begin():
        await discovery.dismiss_suggestion(db, auth.actor.id, target)
    return json_ok({})
