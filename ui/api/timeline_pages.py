"""Timeline pages (home, public, tag, an account's statuses) through the status cache.

A page is one statement: the page's ids (the timeline's query, paged) and the versions of its
statuses with the viewer's marks (`ui.api.status_cache.page_rows`), run on the driver in one
trip (`storage.round_trips`), then rendered from the per-process status cache. The domain rules
are remembered for seconds (`ui.recent`), the reader's languages come from the member's
already loaded `User` and the member's filters from this process's memory, keyed by their
version read in the same statement (`ui.api.filters.applied`), so a warm page touches the
database once. Each page names its filter context (home, public, account).

The home timeline's statement (`actors.reading.home_feed`) takes the viewer and the cursors as
parameters and is compiled once for every member; the others carry their own values (a tag,
an account) and are compiled per request.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from actors.reading import timelines
from actors.reading.home_feed import CURSORS, VIEWER, home_statement, viewer_parameter
from actors.reading.languages import parse_accept_language, reader_preferences
from federation.domain_rules import load_domain_rules
from storage.models import Actor, Status, User, utcnow
from storage.round_trips import PreparedSelect
from ui.api.filters.applied import memory_of, viewer_filters
from ui.api.paging import Page, link_header, paginate
from ui.api.routing import urls
from ui.api.status_cache import NO_VIEWER, PageRows, cache_of, page_rows, read_page_rows, render_page_json
from ui.keys import SERVICES
from ui.recent import recent_of


async def domain_rules(request: web.Request) -> timelines.DomainRules:
    memory = recent_of(request.app).rules
    rules: timelines.DomainRules | None = memory.get(None)
    if rules is None:
        async with request.app[SERVICES].sessions() as db:
            rules = await load_domain_rules(db)
        memory.put(None, rules)
    return rules


async def _languages(request: web.Request, viewer: Actor | None, user: User | None) -> list[str]:
    """`reader_preferences`, without a query when the member's `User` is at hand."""
    accept = request.headers.get("Accept-Language")
    if viewer is None:
        return parse_accept_language(accept)
    if user is None or user.actor_id != viewer.id:
        async with request.app[SERVICES].sessions() as db:
            return await reader_preferences(db, viewer.id, accept)
    return [lang for lang in (user.default_language, user.locale) if lang] + parse_accept_language(accept)


async def _answer(request: web.Request, viewer: Actor | None, user: User | None, found: PageRows,
                  page: Page, context: str) -> web.Response:
    node, services = urls(request), request.app[SERVICES]
    filters = None if viewer is None else await viewer_filters(
        services, memory_of(request.app), viewer.id, found.filters_version, context)
    body = await render_page_json(services, cache_of(request.app), viewer.id if viewer else None,
                                  found, node, reader_languages=await _languages(request, viewer, user),
                                  filters=filters)
    return web.Response(body=body, content_type="application/json",
                        headers=link_header(request, node.base_url, found.ids, page))


def _home_prepared(request: web.Request, rules: timelines.DomainRules, page: Page, cursors: tuple[str, ...]
                   ) -> PreparedSelect:
    """The home page's statement, compiled once per shape of page for every member."""
    return request.app[SERVICES].one_trip.prepared(
        ("home", rules, page.limit, cursors),
        lambda: page_rows(home_statement(rules, page.limit, cursors), viewer_parameter()),
        generic_plan=True)  # an index walk whatever the member: one plan for all (storage.round_trips)


async def home_response(request: web.Request, viewer: Actor, page: Page, *, user: User | None = None
                        ) -> web.Response:
    rules = await domain_rules(request)
    params: dict[str, Any] = {name: value for name in CURSORS if (value := getattr(page, name)) is not None}
    prepared = _home_prepared(request, rules, page, tuple(params))
    params |= {VIEWER: viewer.id} | dict.fromkeys(prepared.datetime_keys, utcnow())
    found = read_page_rows(await request.app[SERVICES].one_trip.rows(prepared, params))
    return await _answer(request, viewer, user, found, page, "home")


async def status_page_response(request: web.Request, viewer: Actor | None, user: User | None, query: Any,
                               page: Page, *, context: str = "home") -> web.Response:
    """One page of `query` (a select of status ids) with Link headers (cursor: status id);
    `context` is the filter context of the list (home also for lists, as Mastodon)."""
    statement = page_rows(paginate(query, Status.id, page), viewer.id if viewer else NO_VIEWER)
    found = read_page_rows(await request.app[SERVICES].one_trip.run(statement))
    return await _answer(request, viewer, user, found, page, context)
