"""`GET /api/v1/trends/tags` (and its older name `/api/v1/trends`), `/trends/statuses`,
`/trends/links`: what is trending on this node (`actors.reading.trends`), paged by offset with
`Link` headers, as Mastodon.

The ranked lists do not depend on the reader: each web process keeps them for
RANKED_MAX_AGE_S (Mastodon refreshes its trends every few minutes too). A reader's own filters
(blocks, mutes, hidden domains) apply to the kept list of statuses on every request."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from aiohttp import web
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from actors.reading import trends
from storage.models import Actor, Tag
from storage.ttl_cache import TtlCache
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
from ui.recent import PerApp

RANKED_MAX_AGE_S = 60.0
ranked_memory = PerApp(lambda: TtlCache[str, list[int]](RANKED_MAX_AGE_S, 3))

Ranker = Callable[[AsyncSession, int], Awaitable[list[int]]]


async def _ranked(request: web.Request, db: AsyncSession, kind: str, rank: Ranker) -> list[int]:
    memory = ranked_memory(request.app)
    found = memory.get(kind)
    if found is None:
        started = memory.clock()
        minimum = await trends.threshold(db)
        found = [] if minimum is None else await rank(db, minimum)
        memory.put(kind, found, at=started)
    return found


def _viewer(auth: Auth | None) -> Actor | None:
    return as_member(auth).actor if auth is not None and auth.user is not None else None


async def tags(request: web.Request, auth: Auth | None) -> web.Response:
    offset, limit = offset_and_limit(await read_params(request), default=10, maximum=20)
    async with request.app[SERVICES].sessions() as db:
        ids = (await _ranked(request, db, "tags", trends.ranked_tag_ids))[offset:offset + limit]
        found = {t.id: t for t in (await db.scalars(select(Tag).where(Tag.id.in_(ids)))).all()}
        viewer = _viewer(auth)
        body = await render_tags(db, [found[i] for i in ids if i in found], urls(request).base_url,
                                 viewer_id=viewer.id if viewer is not None else None)
    return json_ok(body, headers=offset_links(request, urls(request).base_url, offset, limit, len(ids)))


async def statuses(request: web.Request, auth: Auth | None) -> web.Response:
    offset, limit = offset_and_limit(await read_params(request), default=20, maximum=40)
    viewer = _viewer(auth)
    rules = await domain_rules(request)
    async with request.app[SERVICES].sessions() as db:
        ranked = await _ranked(request, db, "statuses", trends.ranked_status_ids)
        seen = await trends.seen_by(db, viewer.id if viewer else None, rules, ranked, wanted=offset + limit)
        ids = seen[offset:offset + limit]
        body = await render_page(request, db, viewer, ids)
    return json_ok(body, headers=offset_links(request, urls(request).base_url, offset, limit, len(ids)))


async def links(request: web.Request, auth: Auth | None) -> web.Response:
    offset, limit = offset_and_limit(await read_params(request), default=10, maximum=20)
    async with request.app[SERVICES].sessions() as db:
        ids = (await _ranked(request, db, "links", trends.ranked_card_ids))[offset:offset + limit]
        cards = await trends.cards(db, ids)
        history = await trends.link_history(db, [c.id for c in cards])
    body = [{**preview_card(card), "history": history[card.id]} for card in cards]
    return json_ok(body, headers=offset_links(request, urls(request).base_url, offset, limit, len(cards)))
