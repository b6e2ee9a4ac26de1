"""Mastodon's pagination: `max_id`, `since_id`, `min_id`, `limit`, and the `Link` header.

Lists are newest first, keyed by an id column (a status id, or the id of the relation row for
blocks, mutes and follow requests, as Mastodon does). `max_id` asks for older items,
`since_id` for newer ones (still the newest first), `min_id` for the items just after it (the
page's oldest first, then turned round). The `Link` header's `next` points at older items
(`max_id` = the page's last key) and `prev` at newer ones (`min_id` = its first key).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, TypeVar
from urllib.parse import urlencode

from aiohttp import web
from sqlalchemy import ColumnElement, Select

from storage.errors import Invalid
from ui.api.routing import parse_id
from ui.params import Params

Q = TypeVar("Q", bound=Select[*tuple[Any, ...]])


@dataclass(frozen=True)
class Page:
    max_id: int | None
    since_id: int | None
    min_id: int | None
    limit: int


def page_of(params: Params, *, default: int = 40, maximum: int = 80) -> Page:
    """The page a request asks for; a limit outside 1…maximum is clamped, as Mastodon does."""
    raw_limit = params.text("limit")
    limit = default
    if raw_limit:
        try:
            limit = int(raw_limit)
        except ValueError:
            raise Invalid("limit must be a number") from None
    return Page(_id(params, "max_id"), _id(params, "since_id"), _id(params, "min_id"),
                max(1, min(limit, maximum)))


def _id(params: Params, name: str) -> int | None:
    raw = params.text(name)
    if not raw:
        return None
    found = parse_id(raw)
    if found is None:
        raise Invalid(f"{name} must be an id")
    return found


def paginate(query: Q, key: ColumnElement[int] | Any, page: Page) -> Q:
    """`query` limited to `page` (keys ascending when `min_id` is given: reverse the rows)."""
    if page.max_id is not None:
        query = query.where(key < page.max_id)
    if page.since_id is not None:
        query = query.where(key > page.since_id)
    if page.min_id is not None:
        return query.where(key > page.min_id).order_by(key.asc()).limit(page.limit)
    return query.order_by(key.desc()).limit(page.limit)


def newest_first(rows: Sequence[Any], page: Page) -> list[Any]:
    return list(reversed(rows)) if page.min_id is not None else list(rows)


def link_header(request: web.Request, base_url: str, keys: Sequence[int], page: Page) -> dict[str, str]:
    """`Link` with `next` (older; only after a full page) and `prev` (newer) for a page whose
    keys are newest first; none for an empty page."""
    if not keys:
        return {}
    return cursor_links(request, base_url, newest=keys[0], oldest=keys[-1], full=len(keys) >= page.limit)


def cursor_links(request: web.Request, base_url: str, *, newest: int, oldest: int, full: bool
                 ) -> dict[str, str]:
    """`Link` for a page whose items span the keys `oldest`…`newest` (grouped notifications
    span several keys per item): `next` after a full page, `prev` always."""
    kept = [(k, v) for k, v in request.query.items() if k not in ("max_id", "since_id", "min_id")]
    url = f"{base_url}{request.path}"
    older = urlencode([*kept, ("max_id", str(oldest))])
    newer = urlencode([*kept, ("min_id", str(newest))])
    links = [f'<{url}?{older}>; rel="next"'] if full else []
    links.append(f'<{url}?{newer}>; rel="prev"')
    return {"Link": ", ".join(links)}


def offset_links(request: web.Request, base_url: str, offset: int, limit: int, count: int) -> dict[str, str]:
    """Offset pagination (account search): `next` after a full page, `prev` after the first."""
    kept = [(k, v) for k, v in request.query.items() if k != "offset"]
    url = f"{base_url}{request.path}"
    links = []
    if count >= limit:
        links.append(f'<{url}?{urlencode([*kept, ("offset", str(offset + limit))])}>; rel="next"')
    if offset > 0:
        links.append(f'<{url}?{urlencode([*kept, ("offset", str(max(0, offset - limit)))])}>; rel="prev"')
    return {"Link": ", ".join(links)} if links else {}
