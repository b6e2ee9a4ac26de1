"""Mastodon's id pagination: `max_id`, `since_id`, `min_id`, `limit`, and the `Link` header.

    page = read_page(params)                         # limit default 20, at most 40
    query = page.apply(select(Status.id), Status.id) # WHERE and ORDER BY and LIMIT
    ids = page.newest_first(ids)                     # min_id pages are read ascending
    headers = link_headers(request, page, first_id, last_id)

`max_id`: older than; `since_id`: newer than (the newest `limit` of them); `min_id`: the
`limit` entries just newer than it (read ascending, answered newest first). The cursor is the
id of the row that orders the list (a status id for timelines, a bookmark or follow id for
bookmarks and followers), so `Link` carries those. An id that cannot be one of ours (not a
decimal number) is ignored, as if absent; `limit` is clamped to 1..maximum.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, TypeVar
from urllib.parse import urlencode

from aiohttp import web
from sqlalchemy import ColumnElement, Select

from ui.api.routing import parse_id, urls
from ui.params import Params

DEFAULT_LIMIT = 20
MAX_LIMIT = 40
CURSORS = ("max_id", "since_id", "min_id")
T = TypeVar("T")
Q = TypeVar("Q", bound=Select[*tuple[Any, ...]])


@dataclass(frozen=True)
class Page:
    max_id: int | None = None
    since_id: int | None = None
    min_id: int | None = None
    limit: int = DEFAULT_LIMIT

    @property
    def ascending(self) -> bool:
        """min_id pages are read oldest first (the entries just after min_id)."""
        return self.min_id is not None

    def apply(self, query: Q, column: ColumnElement[int] | Any) -> Q:
        """Bound `query` by the cursors, order it by `column` and cap it at `limit`."""
        if self.max_id is not None:
            query = query.where(column < self.max_id)
        if self.since_id is not None:
            query = query.where(column > self.since_id)
        if self.min_id is not None:
            query = query.where(column > self.min_id)
        order = column.asc() if self.ascending else column.desc()
        return query.order_by(order).limit(self.limit)

    def newest_first(self, rows: Sequence[T]) -> list[T]:
        return list(reversed(rows)) if self.ascending else list(rows)


def _cursor(params: Params, name: str) -> int | None:
    raw = params.text(name)
    return parse_id(raw.strip()) if raw else None


def read_limit(params: Params, *, default: int = DEFAULT_LIMIT, maximum: int = MAX_LIMIT) -> int:
    raw = (params.text("limit") or "").strip()
    if not raw.lstrip("-").isdigit():
        return default
    return max(1, min(int(raw), maximum))


def read_page(params: Params, *, default: int = DEFAULT_LIMIT, maximum: int = MAX_LIMIT) -> Page:
    return Page(max_id=_cursor(params, "max_id"), since_id=_cursor(params, "since_id"),
                min_id=_cursor(params, "min_id"), limit=read_limit(params, default=default, maximum=maximum))


def link_headers(request: web.Request, newest: int | None, oldest: int | None) -> dict[str, str]:
    """`Link: <…max_id=oldest>; rel="next", <…min_id=newest>; rel="prev"` for a non-empty page,
    keeping the request's other parameters (filters, limit) as Mastodon does."""
    if newest is None or oldest is None:
        return {}
    kept = [(k, v) for k, v in request.query.items() if k not in CURSORS and k != "access_token"]
    base = f"{urls(request).base_url}{request.path}"
    next_url = f"{base}?{urlencode([*kept, ('max_id', str(oldest))])}"
    prev_url = f"{base}?{urlencode([*kept, ('min_id', str(newest))])}"
    return {"Link": f'<{next_url}>; rel="next", <{prev_url}>; rel="prev"'}


def offset_links(request: web.Request, offset: int, limit: int, count: int) -> dict[str, str]:
    """Offset pagination (search, account search): a next link when the page was full."""
    kept = [(k, v) for k, v in request.query.items() if k not in ("offset", "access_token")]
    base = f"{urls(request).base_url}{request.path}"
    links = []
    if count >= limit:
        links.append(f'<{base}?{urlencode([*kept, ("offset", str(offset + limit))])}>; rel="next"')
    if offset > 0:
        links.append(f'<{base}?{urlencode([*kept, ("offset", str(max(0, offset - limit)))])}>; rel="prev"')
    return {"Link": ", ".join(links)} if links else {}
