"""`GET /api/v1/timelines/home`'s page: the index-walking query (`actors.home_feed`) rendered
through the per-process status cache (`ui.api.status_cache`). The domain rules are remembered
for seconds (`ui.recent`) and the reader's languages come from the member's already loaded
`User`, so a warm page runs only the ids, versions and viewer-state queries."""

from __future__ import annotations

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncSession

from actors import timelines
from actors.home_feed import home_page_ids
from actors.languages import parse_accept_language, reader_preferences
from storage.models import Actor, User
from ui.api.paging import Page, link_header, newest_first
from ui.api.responses import json_ok
from ui.api.routing import urls
from ui.api.status_cache import cache_of, render_page_cached
from ui.keys import SERVICES, SESSIONS
from ui.recent import recent_of


async def _domain_rules(request: web.Request, db: AsyncSession) -> timelines.DomainRules:
    memory = recent_of(request.app).rules
    rules: timelines.DomainRules | None = memory.get(None)
    if rules is None:
        rules = await timelines.load_domain_rules(db)
        memory.put(None, rules)
    return rules


async def _languages(request: web.Request, db: AsyncSession, viewer: Actor, user: User | None) -> list[str]:
    """`reader_preferences`, without a query when the member's `User` is at hand."""
    accept = request.headers.get("Accept-Language")
    if user is None or user.actor_id != viewer.id:
        return await reader_preferences(db, viewer.id, accept)
    return [lang for lang in (user.default_language, user.locale) if lang] + parse_accept_language(accept)


async def home_response(request: web.Request, viewer: Actor, page: Page, *, user: User | None = None
                        ) -> web.Response:
    node = urls(request)
    async with request.app[SESSIONS]() as db:
        rules = await _domain_rules(request, db)
        found = await home_page_ids(db, viewer.id, rules, max_id=page.max_id, since_id=page.since_id,
                                    min_id=page.min_id, limit=page.limit)
        ids = newest_first(found, page)
        languages = await _languages(request, db, viewer, user)
        body = await render_page_cached(db, request.app[SERVICES], cache_of(request.app), viewer, ids, node,
                                        reader_languages=languages)
    return json_ok(body, headers=link_header(request, node.base_url, ids, page))
