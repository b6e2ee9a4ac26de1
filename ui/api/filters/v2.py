"""`/api/v2/filters`: a member's filters (list, create, show, update, delete), keywords
included (`keywords_attributes`). Another member's filter answers 404, as one that never existed."""

from __future__ import annotations

from aiohttp import web
from sqlalchemy import select

from actors.social import filters
from storage.models import CustomFilter
from ui.api.auth import MemberAuth
from ui.api.filters.entities import render_filter, render_filters
from ui.api.filters.params import expires_at, keyword_changes
from ui.api.responses import json_ok
from ui.api.routing import path_id
from ui.keys import SERVICES
from ui.params import read_params


async def index(request: web.Request, auth: MemberAuth) -> web.Response:
    async with request.app[SERVICES].sessions() as db:
        rows = (await db.scalars(select(CustomFilter).where(CustomFilter.actor_id == auth.actor.id)
                                 .order_by(CustomFilter.id))).all()
        return json_ok(await render_filters(db, list(rows)))


async def create(request: web.Request, auth: MemberAuth) -> web.Response:
    params = await read_params(request)
    async with request.app[SERVICES].sessions() as db, db.begin():
        row = await filters.create_filter(
            db, auth.actor.id, title=params.text("title"), context=params.strings("context"),
            action=params.text("filter_action") or "warn", expires_at=expires_at(params),
            keywords=keyword_changes(params))
        await db.flush()
        return json_ok(await render_filter(db, row))


async def show(request: web.Request, auth: MemberAuth) -> web.Response:
    async with request.app[SERVICES].sessions() as db:
        row = await filters.own_filter(db, auth.actor.id, path_id(request))
        return json_ok(await render_filter(db, row))


async def update(request: web.Request, auth: MemberAuth) -> web.Response:
    params = await read_params(request)
    async with request.app[SERVICES].sessions() as db, db.begin():
        row = await filters.own_filter(db, auth.actor.id, path_id(request))
        if "title" in params:
            row.title = filters.check_title(params.text("title"))
        if "context" in params:
            row.context = filters.check_context(params.strings("context"))
        if "filter_action" in params:
            row.action = filters.check_action(params.text("filter_action") or "")
        if "expires_in" in params:
            row.expires_at = expires_at(params)
        await filters.change_keywords(db, row, keyword_changes(params))
        await filters.touch(db, row)
        await db.flush()
        return json_ok(await render_filter(db, row))


async def destroy(request: web.Request, auth: MemberAuth) -> web.Response:
    async with request.app[SERVICES].sessions() as db, db.begin():
        row = await filters.own_filter(db, auth.actor.id, path_id(request))
        await db.delete(row)
    return json_ok({})
