"""Mastodon's paging of lists: `max_id`, `since_id`, `min_id`, `limit`, and a `Link` header with
`next` (older) and `prev` (newer) pages, keyed by a row id that only grows (the cursor)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from aiohttp import web
from sqlalchemy import Select

from storage.errors import Invalid
from ui.api.routing import parse_id
from ui.keys import CONFIG
from ui.params import Params


@dataclass(frozen=True)
class Page:
    max_id: int | None
    since_id: int | None
    min_id: int | None
    limit: int

    def apply(self, query: Select[Any], cursor: Any) -> Select[Any]:
        """`query` restricted to the page: newest first, or just after `min_id` going up."""
        if self.max_id is not None:
            query = query.where(cursor < self.max_id)
        if self.since_id is not None:
            query = query.where(cursor > self.since_id)
        if self.min_id is not None:
            return query.where(cursor > self.min_id).order_by(cursor.asc()).limit(self.limit)
        return query.order_by(cursor.desc()).limit(self.limit)

    def newest_first(self, rows: Sequence[Any]) -> list[Any]:
        return list(rows)[::-1] if self.min_id is not None else list(rows)


def page_of(params: Params, *, default: int = 40, maximum: int = 80) -> Page:
    def cursor(name: str) -> int | None:
        raw = params.text(name)
        return None if not raw else parse_id(raw)

    raw_limit = params.text("limit")
    try:
        limit = default if not raw_limit else int(raw_limit)
    except ValueError:
        raise Invalid("limit must be a number") from None
    return Page(cursor("max_id"), cursor("since_id"), cursor("min_id"), max(1, min(limit, maximum)))


def link_header(request: web.Request, cursors: Sequence[int], page: Page) -> dict[str, str]:
    """`Link: <…?max_id=oldest>; rel="next", <…?min_id=newest>; rel="prev"` (none for an empty page)."""
    if not cursors:
        return {}
    base = f"{request.app[CONFIG].base_url}{request.path}"
    kept = {k: v for k, v in request.query.items() if k not in ("max_id", "since_id", "min_id")}
    older = urlencode({**kept, "limit": page.limit, "max_id": min(cursors)})
    newer = urlencode({**kept, "limit": page.limit, "min_id": max(cursors)})
    return {"Link": f'<{base}?{older}>; rel="next", <{base}?{newer}>; rel="prev"'}
