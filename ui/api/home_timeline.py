"""`GET /api/v1/timelines/home`'s page: the index-walking query (`actors.home_feed`) rendered
through the per-process status cache (`ui.api.status_cache`)."""

from __future__ import annotations

from aiohttp import web

from actors import timelines
from actors.home_feed import home_page_ids
from actors.languages import reader_preferences
from storage.models import Actor
from ui.api.paging import Page, link_header, newest_first
from ui.api.responses import json_ok
from ui.api.routing import urls
from ui.api.status_cache import cache_of, render_page_cached
from ui.keys import SERVICES, SESSIONS


async def home_response(request: web.Request, viewer: Actor, page: Page) -> web.Response:
    node = urls(request)
    async with request.app[SESSIONS]() as db:
        rules = await timelines.load_domain_rules(db)
        found = await home_page_ids(db, viewer.id, rules, max_id=page.max_id, since_id=page.since_id,
                                    min_id=page.min_id, limit=page.limit)
        ids = newest_first(found, page)
        languages = await reader_preferences(db, viewer.id, request.headers.get("Accept-Language"))
        body = await render_page_cached(db, request.app[SERVICES], cache_of(request.app), viewer, ids, node,
                                        reader_languages=languages)
    return json_ok(body, headers=link_header(request, node.base_url, ids, page))
