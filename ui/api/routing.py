"""Registering client API routes: a row of the route table (`ui.api.routes`), both `/path` and
`/path/` (Mastodon.py asks for `/api/v1/instance/`), and ids in paths."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, TypeVar

from aiohttp import web

from ui.api.auth import Access, Handler
from ui.api.entities import Urls
from ui.api.responses import NOT_FOUND, api_error
from ui.keys import SERVICES

H = TypeVar("H")


@dataclass(frozen=True)
class Route:
    """A row of the route table: the handler as registered (its access applied)."""

    method: str
    path: str
    handler: Handler
    access: Access[Any]
    limit: str | None  # the rate-limit bucket (`ui.ratelimit.BUCKETS`), None for unlimited
    statuses: bool  # whether the answer renders statuses (Status entities)


def route(method: str, path: str, handler: H, access: Access[H], limit: str | None, *,
          statuses: bool) -> Route:
    """A row: `access` wraps `handler` (its scope check), so the two cannot disagree."""
    return Route(method, path, access.wrap(handler), access, limit, statuses)


def register(app: web.Application, routes: list[Route]) -> None:
    for row in routes:
        add(app, row.method, row.path, row.handler)


def add(app: web.Application, method: str, path: str, handler: Handler) -> None:
    for variant in (path, f"{path}/"):
        if method == "GET":
            app.router.add_get(variant, handler)
        else:
            app.router.add_route(method, variant, handler)


def urls(request: web.Request) -> Urls:
    config = request.app[SERVICES].config
    return Urls(domain=config.domain, base_url=config.base_url)


MAX_ID = 2**63 - 1  # ids are signed 64-bit integers


def parse_id(raw: str) -> int | None:
    """An id as clients send it (a decimal string), or None if it cannot be one of ours."""
    if not raw.isascii() or not raw.isdigit() or len(raw) > 19 or int(raw) > MAX_ID:
        return None
    return int(raw)


def path_id(request: web.Request, name: str = "id") -> int:
    """A numeric id from the path; anything else is a 404, as Mastodon answers."""
    found = parse_id(request.match_info.get(name, ""))
    if found is None:
        api_error(404, NOT_FOUND)
    return found
