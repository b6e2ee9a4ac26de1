"""Lists of accounts: `/accounts/:id/followers`, `/following` (paged by follow id, Link headers;
Amity always shows them, as an account that hides nothing), and `/accounts/search`."""

from __future__ import annotations

from typing import Any

from aiohttp import web
from sqlalchemy import select

from storage.models import ACCEPTED, Actor, Follow
from ui.api.accounts.search import search_accounts
from ui.api.auth import Auth, MemberAuth
from ui.api.entities import render_accounts
from ui.api.paging import link_header, newest_first, offset_links, page_of, paginate
from ui.api.responses import NOT_FOUND, api_error, json_ok
from ui.api.routing import path_id, urls
from ui.keys import SERVICES
from ui.params import read_params


async def _follow_list(request: web.Request, *, followers: bool) -> web.Response:
    actor_id = path_id(request)
    page = page_of(await read_params(request))
    mine, theirs = (Follow.followee_id, Follow.follower_id) if followers else (Follow.follower_id,
                                                                              Follow.followee_id)
    async with request.app[SERVICES].sessions() as db:
        account = await db.get(Actor, actor_id)
        if account is None:
            api_error(404, NOT_FOUND)
        if account.suspended_at is not None:
            return json_ok([])
        query = (select(Follow.id, Actor).join(Actor, Actor.id == theirs)
                 .where(mine == actor_id, Follow.state == ACCEPTED, Actor.suspended_at.is_(None)))
        rows = newest_first((await db.execute(paginate(query, Follow.id, page))).all(), page)
        body = await render_accounts(db, [actor for _, actor in rows], urls(request))
    headers = link_header(request, urls(request).base_url, [key for key, _ in rows], page)
    return json_ok(body, headers=headers)


async def followers(request: web.Request, auth: Auth | None) -> web.Response:
    return await _follow_list(request, followers=True)


async def following(request: web.Request, auth: Auth | None) -> web.Response:
    return await _follow_list(request, followers=False)


def _offset(raw: str | None) -> int:
    return int(raw) if raw and raw.isdigit() else 0


async def account_search(request: web.Request, auth: MemberAuth) -> web.Response:
    """`q`, `limit` (default 40, at most 80), `offset`, `following`, `resolve`."""
    params = await read_params(request)
    q = params.required_text("q")
    limit = page_of(params, default=40, maximum=80).limit
    offset = _offset(params.text("offset"))
    found: list[Any] = await search_accounts(
        request, auth.actor, q, limit=limit, offset=offset, following=params.flag("following") or False,
        resolve=params.flag("resolve") or False)
    async with request.app[SERVICES].sessions() as db:
        body = await render_accounts(db, found, urls(request))
    return json_ok(body, headers=offset_links(request, urls(request).base_url, offset, limit, len(body)))
