"""`/api/v1/filters`, mapped onto v2 rows as Mastodon does: a v1 filter is one keyword of a
filter (its id the keyword's), `phrase` the keyword, `irreversible` the `hide` action. Creating
one makes a filter titled with the phrase and that one keyword; changing a filter's context,
expiry or action through v1 is refused when it has several keywords (Mastodon's message);
deleting one deletes the keyword, and the filter too once nothing is left in it."""

from __future__ import annotations

from typing import Any

from aiohttp import web
from sqlalchemy import func, select

from actors.social import filters
from storage.errors import Invalid
from storage.models import CustomFilter, FilterKeyword, FilterStatus
from ui.api.auth import MemberAuth
from ui.api.filters.entities import v1_filter
from ui.api.filters.params import expires_at
from ui.api.responses import json_ok
from ui.api.routing import path_id
from ui.keys import SERVICES
from ui.params import Params, read_params

MULTIPLE_KEYWORDS = ("These parameters cannot be changed from this application because they apply to more "
                     "than one filter keyword. Use a more recent application or the web interface.")


def _action(params: Params) -> str:
    return "hide" if params.flag("irreversible") else "warn"


async def index(request: web.Request, auth: MemberAuth) -> web.Response:
    async with request.app[SERVICES].sessions() as db:
        rows = (await db.execute(select(CustomFilter, FilterKeyword)
                                 .join(FilterKeyword, FilterKeyword.filter_id == CustomFilter.id)
                                 .where(CustomFilter.actor_id == auth.actor.id)
                                 .order_by(CustomFilter.id, FilterKeyword.id))).all()
    return json_ok([v1_filter(row, keyword) for row, keyword in rows])


async def create(request: web.Request, auth: MemberAuth) -> web.Response:
    params = await read_params(request)
    phrase = params.text("phrase")
    async with request.app[SERVICES].sessions() as db, db.begin():
        row = await filters.create_filter(
            db, auth.actor.id, title=phrase, context=params.strings("context"), action=_action(params),
            expires_at=expires_at(params),
            keywords=[filters.KeywordChange(None, phrase, params.flag("whole_word"))])
        await db.flush()
        keyword = await db.scalar(select(FilterKeyword).where(FilterKeyword.filter_id == row.id))
        assert keyword is not None  # written with the filter
        return json_ok(v1_filter(row, keyword))


async def show(request: web.Request, auth: MemberAuth) -> web.Response:
    async with request.app[SERVICES].sessions() as db:
        keyword, row = await filters.own_keyword(db, auth.actor.id, path_id(request))
    return json_ok(v1_filter(row, keyword))


async def update(request: web.Request, auth: MemberAuth) -> web.Response:
    params = await read_params(request)
    async with request.app[SERVICES].sessions() as db, db.begin():
        keyword, row = await filters.own_keyword(db, auth.actor.id, path_id(request))
        changes: dict[str, Any] = {}
        if "phrase" in params:  # the keyword and, as Mastodon, the filter's title
            keyword.keyword = changes["title"] = filters.check_keyword(params.text("phrase"))
        if (whole_word := params.flag("whole_word")) is not None:
            keyword.whole_word = whole_word
        if "context" in params:
            changes["context"] = filters.check_context(params.strings("context"))
        if "irreversible" in params:
            changes["action"] = _action(params)
        if "expires_in" in params:
            changes["expires_at"] = expires_at(params)
        changed = {k: v for k, v in changes.items() if getattr(row, k) != v}
        if changed and await db.scalar(select(func.count(FilterKeyword.id))
                                       .where(FilterKeyword.filter_id == row.id)) != 1:
            raise Invalid(MULTIPLE_KEYWORDS)
        for name, value in changed.items():
            setattr(row, name, value)
        await filters.touch(db, row)
        await db.flush()
        return json_ok(v1_filter(row, keyword))


async def destroy(request: web.Request, auth: MemberAuth) -> web.Response:
    async with request.app[SERVICES].sessions() as db, db.begin():
        keyword, row = await filters.own_keyword(db, auth.actor.id, path_id(request))
        await db.delete(keyword)
        await db.flush()
        left = await db.scalar(select(func.count(FilterKeyword.id)).where(FilterKeyword.filter_id == row.id))
        kept = await db.scalar(select(func.count(FilterStatus.id)).where(FilterStatus.filter_id == row.id))
        if not left and not kept:
            await db.delete(row)
        else:
            await filters.touch(db, row)
    return json_ok({})
