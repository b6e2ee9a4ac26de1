"""A filter's keywords (`/api/v2/filters/:id/keywords`, `/api/v2/filters/keywords/:id`) and
status filters (`/api/v2/filters/:id/statuses`, `/api/v2/filters/statuses/:id`), Mastodon's
paths. Another member's filter, keyword or status filter answers 404."""

from __future__ import annotations

from aiohttp import web
from sqlalchemy import select

from actors.social import filters
from storage.models import FilterKeyword, FilterStatus
from ui.api.auth import MemberAuth
from ui.api.filters.entities import keyword_entity, status_filter_entity
from ui.api.responses import json_ok
from ui.api.routing import parse_id, path_id
from ui.keys import SERVICES
from ui.params import read_params


async def keywords(request: web.Request, auth: MemberAuth) -> web.Response:
    async with request.app[SERVICES].sessions() as db:
        row = await filters.own_filter(db, auth.actor.id, path_id(request))
        found = (await db.scalars(select(FilterKeyword).where(FilterKeyword.filter_id == row.id)
                                  .order_by(FilterKeyword.id))).all()
    return json_ok([keyword_entity(k) for k in found])


async def add_keyword(request: web.Request, auth: MemberAuth) -> web.Response:
    params = await read_params(request)
    async with request.app[SERVICES].sessions() as db, db.begin():
        row = await filters.own_filter(db, auth.actor.id, path_id(request))
        added = await filters.add_keyword(db, row, params.text("keyword"), params.flag("whole_word"))
        return json_ok(keyword_entity(added))


async def show_keyword(request: web.Request, auth: MemberAuth) -> web.Response:
    async with request.app[SERVICES].sessions() as db:
        keyword, _ = await filters.own_keyword(db, auth.actor.id, path_id(request))
    return json_ok(keyword_entity(keyword))


async def update_keyword(request: web.Request, auth: MemberAuth) -> web.Response:
    params = await read_params(request)
    async with request.app[SERVICES].sessions() as db, db.begin():
        keyword, owner = await filters.own_keyword(db, auth.actor.id, path_id(request))
        if "keyword" in params:
            keyword.keyword = filters.check_keyword(params.text("keyword"))
        whole_word = params.flag("whole_word")
        if whole_word is not None:
            keyword.whole_word = whole_word
        await filters.touch(db, owner)
        return json_ok(keyword_entity(keyword))


async def delete_keyword(request: web.Request, auth: MemberAuth) -> web.Response:
    async with request.app[SERVICES].sessions() as db, db.begin():
        keyword, owner = await filters.own_keyword(db, auth.actor.id, path_id(request))
        await db.delete(keyword)
        await filters.touch(db, owner)
    return json_ok({})


async def statuses(request: web.Request, auth: MemberAuth) -> web.Response:
    async with request.app[SERVICES].sessions() as db:
        row = await filters.own_filter(db, auth.actor.id, path_id(request))
        found = (await db.scalars(select(FilterStatus).where(FilterStatus.filter_id == row.id)
                                  .order_by(FilterStatus.id))).all()
    return json_ok([status_filter_entity(s) for s in found])


async def add_status(request: web.Request, auth: MemberAuth) -> web.Response:
    params = await read_params(request)
    async with request.app[SERVICES].sessions() as db, db.begin():
        row = await filters.own_filter(db, auth.actor.id, path_id(request))
        added = await filters.add_status(db, row, parse_id(params.required_text("status_id")))
        return json_ok(status_filter_entity(added))


async def show_status(request: web.Request, auth: MemberAuth) -> web.Response:
    async with request.app[SERVICES].sessions() as db:
        found, _ = await filters.own_status_filter(db, auth.actor.id, path_id(request))
    return json_ok(status_filter_entity(found))


async def delete_status(request: web.Request, auth: MemberAuth) -> web.Response:
    async with request.app[SERVICES].sessions() as db, db.begin():
        found, owner = await filters.own_status_filter(db, auth.actor.id, path_id(request))
        await db.delete(found)
        await filters.touch(db, owner)
    return json_ok({})
