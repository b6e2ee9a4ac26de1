"""One page of a member's home feed as an index walk, not a scan.

`actors.timelines.home` says what the feed is (fan-out rows plus the member's own posts, with
the viewer's filters); written as `id IN (rows) OR author = me` the database cannot walk an
index in id order and reads the whole feed for every page. Here the two sources are paged
separately, each along its own index, and merged:

- fan-out rows by `home_timeline (owner_id, status_id)` (the unique constraint's index),
  newest first from `max_id`, the filters checked row by row until the page is full;
- the member's own posts by `statuses (actor_id, id)`.

The result is the same ids in the same order as `paginate(timelines.home(...), Status.id, page)`.

Building this statement costs more CPU than running it, so `home_page_ids` keeps the built
statements (cursors as parameters) per viewer, rules and page shape for STATEMENT_MAX_AGE_S:
the filters are sub-selects evaluated at each run, so new blocks, mutes and follows apply at
once, and the one time the filters compare with (has a timed mute expired?) is passed anew on
every run.
"""

from __future__ import annotations

import time
from datetime import datetime
from typing import Any

from sqlalchemy import Select, bindparam, select, union
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql import visitors
from sqlalchemy.sql.elements import BindParameter

# The filters refer to these aliases: the very same objects must be joined.
from actors.timelines import Author, DomainRules, Original, OriginalAuthor, viewer_filters
from storage.models import Status, TimelineEntry, utcnow


def _joined() -> Select[Any]:
    return (select(Status.id).join(Author, Author.id == Status.actor_id)
            .outerjoin(Original, Original.id == Status.reblog_of_id)
            .outerjoin(OriginalAuthor, OriginalAuthor.id == Original.actor_id))


STATEMENT_MAX_AGE_S = 60.0  # nothing in a built statement goes stale: see the module docstring
MAX_STATEMENTS = 1024
_statements: dict[tuple[Any, ...], tuple[float, Select[Any], list[str]]] = {}


def _paged(query: Select[Any], keys: tuple[Any, ...], max_id: Any, since_id: Any, min_id: Any,
           limit: int) -> Select[Any]:
    """Bounds on every key (equal columns: the planner then bounds both sides of the join)."""
    for key in keys:
        if max_id is not None:
            query = query.where(key < max_id)
        if since_id is not None:
            query = query.where(key > since_id)
        if min_id is not None:
            query = query.where(key > min_id)
    order = keys[0].asc() if min_id is not None else keys[0].desc()
    return query.order_by(order).limit(limit)


async def home_page_ids(session: AsyncSession, viewer_id: int, rules: DomainRules, *, max_id: int | None,
                        since_id: int | None, min_id: int | None, limit: int) -> list[int]:
    """Ids of one home page, as `home_page` (newest first, or oldest first with `min_id`)."""
    cursors = {"max_id": max_id, "since_id": since_id, "min_id": min_id}
    shape = (viewer_id, rules, limit, *(value is not None for value in cursors.values()))
    now = time.monotonic()
    built = _statements.get(shape)
    if built is None or built[0] < now:
        if len(_statements) >= MAX_STATEMENTS:
            _statements.clear()
        params: dict[str, Any] = {name: None if value is None else bindparam(name)
                                  for name, value in cursors.items()}
        statement = home_page(viewer_id, rules, limit=limit, **params)
        built = _statements[shape] = (now + STATEMENT_MAX_AGE_S, statement, _clock_parameters(statement))
    given: dict[str, Any] = {name: value for name, value in cursors.items() if value is not None}
    given |= dict.fromkeys(built[2], utcnow())
    connection = await session.connection()  # Core execution: the ORM's per-statement setup is not needed
    return list((await connection.execute(built[1], given)).scalars().all())


def _clock_parameters(statement: Select[Any]) -> list[str]:
    """Keys of the statement's datetime parameters: the filters' only datetimes are "now"
    (`actors.muting.live_mute`), so a kept statement is run with the current time."""
    return sorted({element.key for element in visitors.iterate(statement)
                   if isinstance(element, BindParameter) and isinstance(element.value, datetime)})


def home_page(viewer_id: int, rules: DomainRules, *, max_id: Any, since_id: Any, min_id: Any, limit: int
              ) -> Select[Any]:
    """Status ids of one home page: newest first, or oldest first when `min_id` is given. Cursors
    are ids or bound parameters."""
    fed = _joined().join(TimelineEntry, TimelineEntry.status_id == Status.id).where(
        TimelineEntry.owner_id == viewer_id, viewer_filters(viewer_id, rules))
    own = select(Status.id).where(Status.actor_id == viewer_id)
    fed_keys = (TimelineEntry.status_id, Status.id)
    parts = [_paged(fed, fed_keys, max_id, since_id, min_id, limit).subquery("fed"),
             _paged(own, (Status.id,), max_id, since_id, min_id, limit).subquery("own")]
    merged = union(*(select(part.c.id) for part in parts)).subquery("home")
    order = merged.c.id.asc() if min_id is not None else merged.c.id.desc()
    return select(merged.c.id).order_by(order).limit(limit)
