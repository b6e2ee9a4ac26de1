"""Timelines and status lists: home, public, tag, list, an account's statuses, bookmarks, favourites.

The queries live in `actors.reading.timelines` (ids only, with the viewer's filters); this module reads
the parameters and pages them (`ui.api.paging`). Timelines render through the status cache in
one statement (`ui.api.timeline_pages`); bookmarks and favourites, paged by their own ids, in
bulk with `ui.api.statuses.entity.render_statuses`: a fixed number of queries per page.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from aiohttp import web
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from actors.posts.compose import normalize_tag
from actors.reading import timelines
from actors.reading.languages import reader_preferences
from actors.reading.list_feed import list_statuses
from actors.social.lists import owned_list
from storage.errors import Invalid
from storage.models import Actor, Bookmark, Favourite, Status
from ui.api.auth import Auth, MemberAuth, as_member
from ui.api.filters.applied import filter_entities
from ui.api.paging import Page, link_header, newest_first, page_of, paginate
from ui.api.responses import NOT_FOUND, api_error, json_ok
from ui.api.routing import path_id, urls
from ui.api.statuses.entity import render_statuses
from ui.api.timeline_pages import domain_rules, home_response, status_page_response
from ui.keys import SERVICES
from ui.params import Params, read_params

MAX_TAGS = 4  # per any[]/all[]/none[], as Mastodon


async def render_page(request: web.Request, db: AsyncSession, viewer: Actor | None, ids: Sequence[int], *,
                      filter_context: str | None = None) -> list[dict[str, Any]]:
    """Statuses with these ids, in this order, rendered for `viewer`; with `filter_context`, the
    viewer's filters of that context mark them or leave them out (`ui.api.filters.applied`)."""
    if not ids:
        return []
    rows = {s.id: s for s in (await db.scalars(select(Status).where(Status.id.in_(list(ids))))).all()}
    statuses = [rows[i] for i in ids if i in rows]
    languages = await reader_preferences(db, viewer.id if viewer else None,
                                         request.headers.get("Accept-Language"))
    entities = await render_statuses(db, request.app[SERVICES], viewer, statuses, urls(request),
                                     reader_languages=languages)
    if filter_context is None or viewer is None:
        return entities
    return await filter_entities(db, viewer.id, filter_context, statuses, entities)


async def _status_page(request: web.Request, auth: Auth | None, query: Any, page: Page, context: str
                       ) -> web.Response:
    """One page of a status-id query, through the status cache (`ui.api.timeline_pages`), with
    the member's filters of `context`."""
    member = as_member(auth) if auth is not None and auth.user is not None else None
    return await status_page_response(request, member.actor if member else None,
                                      member.user if member else None, query, page, context=context)


def _status_page_of(params: Params) -> Page:
    """Statuses: 20 by default, at most 40 (Mastodon's limits for status lists)."""
    return page_of(params, default=20, maximum=40)


def _viewer(auth: Auth | None) -> Actor | None:
    return as_member(auth).actor if auth is not None and auth.user is not None else None


def _locality(params: Params) -> dict[str, bool]:
    return {"local": params.flag("local") or False, "remote": params.flag("remote") or False,
            "only_media": params.flag("only_media") or False}


async def home(request: web.Request, auth: MemberAuth) -> web.Response:
    page = _status_page_of(await read_params(request))
    return await home_response(request, auth.actor, page, user=auth.user)


async def public(request: web.Request, auth: Auth | None) -> web.Response:
    params = await read_params(request)
    page, viewer = _status_page_of(params), _viewer(auth)
    rules = await domain_rules(request)
    query = timelines.public(viewer.id if viewer else None, rules, **_locality(params))
    return await _status_page(request, auth, query, page, "public")


def _tag_names(params: Params, name: str) -> list[str]:
    names = [normalize_tag(n.strip().removeprefix("#")) for n in params.strings(name) if n.strip()]
    if len(names) > MAX_TAGS:
        raise Invalid(f"{name}[] takes at most {MAX_TAGS} hashtags")
    return names


async def tag(request: web.Request, auth: Auth | None) -> web.Response:
    params = await read_params(request)
    page, viewer = _status_page_of(params), _viewer(auth)
    main = normalize_tag(request.match_info["hashtag"].removeprefix("#"))
    any_names, all_names, none_names = _tag_names(params, "any"), _tag_names(params, "all"), _tag_names(
        params, "none")
    rules = await domain_rules(request)
    async with request.app[SERVICES].sessions() as db:
        ids = await timelines.tag_ids_by_name(db, [main, *any_names, *all_names, *none_names])
    query = timelines.tagged(
        viewer.id if viewer else None, rules,
        any_of=[ids[n] for n in [main, *any_names] if n in ids],
        all_of=[[ids[n]] if n in ids else [] for n in all_names],
        none_of=[ids[n] for n in none_names if n in ids], **_locality(params))
    return await _status_page(request, auth, query, page, "public")


async def list_timeline(request: web.Request, auth: MemberAuth) -> web.Response:
    """A member's list (`actors.reading.list_feed`); someone else's list is a 404."""
    page = _status_page_of(await read_params(request))
    async with request.app[SERVICES].sessions() as db:
        members_of = await owned_list(db, auth.actor.id, path_id(request, "list_id"))
    query = list_statuses(auth.actor.id, await domain_rules(request), members_of)
    return await status_page_response(request, auth.actor, auth.user, query, page)


async def account_statuses(request: web.Request, auth: Auth | None) -> web.Response:
    author_id = path_id(request)
    params = await read_params(request)
    page, viewer = _status_page_of(params), _viewer(auth)
    async with request.app[SERVICES].sessions() as db:
        author = await db.get(Actor, author_id)
        if author is None:
            api_error(404, NOT_FOUND)
        if author.suspended_at is not None:
            return json_ok([])
        tagged = params.text("tagged")
        tag_ids = None
        if tagged:
            found = await timelines.tag_ids_by_name(db, [normalize_tag(tagged.strip().removeprefix("#"))])
            tag_ids = list(found.values())
    rules = await domain_rules(request)
    query = timelines.account_statuses(
        viewer.id if viewer else None, rules, author_id, only_media=params.flag("only_media") or False,
        exclude_replies=params.flag("exclude_replies") or False,
        exclude_reblogs=params.flag("exclude_reblogs") or False, pinned=params.flag("pinned") or False,
        tag_ids=tag_ids)
    return await _status_page(request, auth, query, page, "account")


async def _marked(request: web.Request, viewer: Actor, query: Any, cursor: Any) -> web.Response:
    """Bookmarks and favourites: paged by the bookmark or favourite id, as Mastodon."""
    page = _status_page_of(await read_params(request))
    async with request.app[SERVICES].sessions() as db:
        rows = newest_first((await db.execute(paginate(query, cursor, page))).all(), page)
        body = await render_page(request, db, viewer, [status_id for _, status_id in rows])
    return json_ok(body, headers=link_header(request, urls(request).base_url, [key for key, _ in rows], page))


async def bookmarks(request: web.Request, auth: MemberAuth) -> web.Response:
    return await _marked(request, auth.actor, timelines.bookmarks(auth.actor.id), Bookmark.id)


async def favourites(request: web.Request, auth: MemberAuth) -> web.Response:
    return await _marked(request, auth.actor, timelines.favourites(auth.actor.id), Favourite.id)
