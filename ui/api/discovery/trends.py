"""`GET /api/v1/trends/tags` (and its older name `/api/v1/trends`), `/trends/statuses`,
`/trends/links`: what is trending on this node (`actors.reading.trends`), paged by offset with
`Link` headers, as Mastodon."""

from __future__ import annotations

from aiohttp import web
from sqlalchemy import select

from actors.reading import trends
from storage.models import Actor, Tag
from ui.api.auth import Auth, as_member
from ui.api.discovery.offsets import offset_and_limit
from ui.api.paging import offset_links
from ui.api.responses import json_ok
from ui.api.routing import urls
from ui.api.statuses.entity import preview_card
from ui.api.tags import render_tags
from ui.api.timeline_pages import domain_rules
from ui.api.timelines import render_page
from ui.keys import SERVICES
from ui.params import read_params


def _viewer(auth: Auth | None) -> Actor | None:
    return as_member(auth).actor if auth is not None and auth.user is not None else None


def _viewer_id(auth: Auth | None) -> int | None:
    viewer = _viewer(auth)
    return None if viewer is None else viewer.id


async def tags(request: web.Request, auth: Auth | None) -> web.Response:
    offset, limit = offset_and_limit(await read_params(request), default=10, maximum=20)
    async with request.app[SERVICES].sessions() as db:
        ids = await trends.trending_tag_ids(db, offset=offset, limit=limit)
        found = {t.id: t for t in (await db.scalars(select(Tag).where(Tag.id.in_(ids)))).all()}
        body = await render_tags(db, [found[i] for i in ids if i in found], urls(request).base_url,
                                 signed_in=_viewer_id(auth) is not None)
    return json_ok(body, headers=offset_links(request, urls(request).base_url, offset, limit, len(ids)))


async def statuses(request: web.Request, auth: Auth | None) -> web.Response:
    offset, limit = offset_and_limit(await read_params(request), default=20, maximum=40)
    viewer_id = _viewer_id(auth)
    rules = await domain_rules(request)
    async with request.app[SERVICES].sessions() as db:
        ids = await trends.trending_status_ids(db, viewer_id, rules, offset=offset, limit=limit)
        body = await render_page(request, db, _viewer(auth), ids)
    return json_ok(body, headers=offset_links(request, urls(request).base_url, offset, limit, len(ids)))


async def links(request: web.Request, auth: Auth | None) -> web.Response:
    offset, limit = offset_and_limit(await read_params(request), default=10, maximum=20)
    async with request.app[SERVICES].sessions() as db:
        cards = await trends.trending_links(db, offset=offset, limit=limit)
        history = await trends.link_history(db, [c.id for c in cards])
    body = [{**preview_card(card), "history": history[card.id]} for card in cards]
    return json_ok(body, headers=offset_links(request, urls(request).base_url, offset, limit, len(cards)))
