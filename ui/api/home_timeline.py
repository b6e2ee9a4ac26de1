"""`GET /api/v1/timelines/home`'s page: the index-walking query (`actors.home_feed`) and the
versions of its statuses in one statement, run on the driver in one trip (`storage.one_trip`),
rendered through the per-process status cache (`ui.api.status_cache`). The domain rules are
remembered for seconds (`ui.recent`) and the reader's languages come from the member's already
loaded `User`, so a warm page makes that one trip and nothing else."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from actors import timelines
from actors.home_feed import CURSORS, VIEWER, home_statement, viewer_parameter
from actors.languages import parse_accept_language, reader_preferences
from storage.models import Actor, User, utcnow
from storage.one_trip import Prepared
from ui.api.paging import Page, link_header
from ui.api.routing import urls
from ui.api.status_cache import cache_of, page_rows, read_page_rows, render_page
from ui.keys import SERVICES, SESSIONS
from ui.recent import recent_of


async def _domain_rules(request: web.Request) -> timelines.DomainRules:
    memory = recent_of(request.app).rules
    rules: timelines.DomainRules | None = memory.get(None)
    if rules is None:
        async with request.app[SESSIONS]() as db:
            rules = await timelines.load_domain_rules(db)
        memory.put(None, rules)
    return rules


async def _languages(request: web.Request, viewer: Actor, user: User | None) -> list[str]:
    """`reader_preferences`, without a query when the member's `User` is at hand."""
    accept = request.headers.get("Accept-Language")
    if user is None or user.actor_id != viewer.id:
        async with request.app[SESSIONS]() as db:
            return await reader_preferences(db, viewer.id, accept)
    return [lang for lang in (user.default_language, user.locale) if lang] + parse_accept_language(accept)


def _prepared(request: web.Request, rules: timelines.DomainRules, page: Page, cursors: tuple[str, ...]
              ) -> Prepared:
    """The page's statement, compiled once per shape of page for every member."""
    return request.app[SERVICES].one_trip.prepared(
        ("home", rules, page.limit, cursors),
        lambda: page_rows(home_statement(rules, page.limit, cursors), viewer_parameter()))


async def home_response(request: web.Request, viewer: Actor, page: Page, *, user: User | None = None
                        ) -> web.Response:
    node = urls(request)
    services = request.app[SERVICES]
    rules = await _domain_rules(request)
    params: dict[str, Any] = {name: value for name in CURSORS if (value := getattr(page, name)) is not None}
    prepared = _prepared(request, rules, page, tuple(params))
    params |= {VIEWER: viewer.id} | dict.fromkeys(prepared.datetime_keys, utcnow())
    found = read_page_rows(await services.one_trip.rows(prepared, params))
    languages = await _languages(request, viewer, user)
    body = await render_page(services, cache_of(request.app), viewer.id, found, node,
                             reader_languages=languages)
    return web.Response(body=body, content_type="application/json",
                        headers=link_header(request, node.base_url, found.ids, page))
