"""Lists: `/api/v1/lists` (CRUD), their members (`/lists/:id/accounts`), the lists that hold an
account (`/accounts/:id/lists`); the list timeline is in `ui.api.timelines`.

The rules live in `actors.social.lists` (who may be listed) and `actors.reading.list_feed`
(which posts a list shows); a list that is someone else's answers 404, as one that does not
exist.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web
from sqlalchemy import select

from actors.social import lists
from storage.errors import Invalid
from storage.models import Actor, ListAccount, MemberList
from ui.api.accounts.relation_lists import account_page
from ui.api.auth import MemberAuth
from ui.api.entities import render_accounts
from ui.api.responses import NOT_FOUND, api_error, json_ok
from ui.api.routing import parse_id, path_id, urls
from ui.keys import SERVICES
from ui.params import Params, read_params


def render_list(row: MemberList) -> dict[str, Any]:
    return {"id": str(row.id), "title": row.title, "replies_policy": row.replies_policy,
            "exclusive": row.exclusive}


async def index(request: web.Request, auth: MemberAuth) -> web.Response:
    async with request.app[SERVICES].sessions() as db:
        rows = (await db.scalars(select(MemberList).where(MemberList.actor_id == auth.actor.id)
                                 .order_by(MemberList.id))).all()
    return json_ok([render_list(row) for row in rows])


async def create(request: web.Request, auth: MemberAuth) -> web.Response:
    params = await read_params(request)
    async with request.app[SERVICES].sessions() as db, db.begin():
        row = await lists.create_list(db, auth.actor.id, params.text("title"),
                                      replies_policy=params.text("replies_policy"),
                                      exclusive=params.flag("exclusive"))
    return json_ok(render_list(row))


async def show(request: web.Request, auth: MemberAuth) -> web.Response:
    async with request.app[SERVICES].sessions() as db:
        row = await lists.owned_list(db, auth.actor.id, path_id(request))
    return json_ok(render_list(row))


async def update(request: web.Request, auth: MemberAuth) -> web.Response:
    params = await read_params(request)
    async with request.app[SERVICES].sessions() as db, db.begin():
        row = await lists.owned_list(db, auth.actor.id, path_id(request))
        await lists.update_list(db, row, title=params.text("title"), exclusive=params.flag("exclusive"),
                                replies_policy=params.text("replies_policy"))
    return json_ok(render_list(row))


async def delete(request: web.Request, auth: MemberAuth) -> web.Response:
    async with request.app[SERVICES].sessions() as db, db.begin():
        await lists.delete_list(db, await lists.owned_list(db, auth.actor.id, path_id(request)))
    return json_ok({})


async def accounts(request: web.Request, auth: MemberAuth) -> web.Response:
    """Paged by the member row's id; `limit=0` gives every member, as Mastodon."""
    async with request.app[SERVICES].sessions() as db:
        row = await lists.owned_list(db, auth.actor.id, path_id(request))
    query = (select(ListAccount.id, Actor).join(Actor, Actor.id == ListAccount.account_id)
             .where(ListAccount.list_id == row.id))
    if (await read_params(request)).text("limit") != "0":
        return await account_page(request, query)
    async with request.app[SERVICES].sessions() as db:
        members = [actor for _, actor in (await db.execute(query.order_by(ListAccount.id))).all()]
        return json_ok(await render_accounts(db, members, urls(request)))


def _account_ids(params: Params) -> list[int]:
    ids = [parse_id(raw) for raw in params.strings("account_ids")]
    if not ids:
        raise Invalid("account_ids is missing")
    if len(ids) > lists.MAX_ACCOUNTS_AT_ONCE:
        raise Invalid(f"account_ids takes at most {lists.MAX_ACCOUNTS_AT_ONCE} accounts")
    if any(i is None for i in ids):
        api_error(404, NOT_FOUND)  # no account has such an id
    return [i for i in ids if i is not None]


async def add_accounts(request: web.Request, auth: MemberAuth) -> web.Response:
    params = await read_params(request)
    async with request.app[SERVICES].sessions() as db, db.begin():
        row = await lists.owned_list(db, auth.actor.id, path_id(request))
        await lists.add_members(db, row, _account_ids(params))
    return json_ok({})


async def remove_accounts(request: web.Request, auth: MemberAuth) -> web.Response:
    params = await read_params(request)
    async with request.app[SERVICES].sessions() as db, db.begin():
        row = await lists.owned_list(db, auth.actor.id, path_id(request))
        await lists.remove_members(db, row, _account_ids(params))
    return json_ok({})


async def account_lists(request: web.Request, auth: MemberAuth) -> web.Response:
    """The member's lists that hold the account (`GET /api/v1/accounts/:id/lists`)."""
    account_id = path_id(request)
    async with request.app[SERVICES].sessions() as db:
        if await db.get(Actor, account_id) is None:
            api_error(404, NOT_FOUND)
        rows = await lists.lists_with(db, auth.actor.id, account_id)
    return json_ok([render_list(row) for row in rows])
