"""One page of a member's home feed as an index walk, not a scan.

`actors.reading.timelines.home` says what the feed is (fan-out rows plus the member's own posts, with
the viewer's filters); written as `id IN (rows) OR author = me` the database cannot walk an
index in id order and reads the whole feed for every page. Here the two sources are paged
separately, each along its own index, and merged:

- fan-out rows by `home_timeline (owner_id, status_id)` (the unique constraint's index),
  newest first from `max_id`, the filters checked row by row until the page is full;
- the member's own posts by `statuses (actor_id, id)`.

The result is the same ids in the same order as `paginate(timelines.home(...), Status.id, page)`.

The statement is built with the viewer and the cursors as bound parameters, so one compiled
statement serves every member (`home_statement`); the filters are sub-selects evaluated at each
run, so new blocks, mutes and follows apply at once, and the one time they compare with (has a
timed mute expired?) is a parameter too (`storage.round_trips.PreparedSelect.datetime_keys`).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, bindparam, select, union

from actors.reading.home_membership import exclusive_listed

# The filters refer to these aliases: the very same objects must be joined.
from actors.reading.timelines import Author, DomainRules, Original, OriginalAuthor, viewer_filters
from actors.reading.visibility import Viewer, visible_to
from storage.models import Status, TimelineEntry
from storage.models.base import ID_INTEGER


def _joined() -> Select[Any]:
    return (select(Status.id).join(Author, Author.id == Status.actor_id)
            .outerjoin(Original, Original.id == Status.reblog_of_id)
            .outerjoin(OriginalAuthor, OriginalAuthor.id == Original.actor_id))


CURSORS = ("max_id", "since_id", "min_id")
VIEWER = "viewer"


def _paged(query: Select[Any], key: Any, max_id: Any, since_id: Any, min_id: Any, limit: int) -> Select[Any]:
    """Bounds on the key of the index the part walks, and only on it: bounding the joined
    `statuses.id` too offered PostgreSQL a merge join that reads statuses backwards, thousands
    of rows for forty at scale."""
    if max_id is not None:
        query = query.where(key < max_id)
    if since_id is not None:
        query = query.where(key > since_id)
    if min_id is not None:
        query = query.where(key > min_id)
    return query.order_by(key.asc() if min_id is not None else key.desc()).limit(limit)


def viewer_parameter() -> Any:
    return bindparam(VIEWER, type_=ID_INTEGER)


def home_statement(rules: DomainRules, limit: int, cursors: tuple[str, ...]) -> Select[Any]:
    """`home_page` for any viewer: the viewer (VIEWER) and the `cursors` given (names from
    CURSORS) are bound parameters."""
    viewer = viewer_parameter()
    bounds: dict[str, Any] = {name: bindparam(name, type_=ID_INTEGER) if name in cursors else None
                              for name in CURSORS}
    return home_page(viewer, rules, limit=limit, **bounds)


def home_page(viewer_id: Any, rules: DomainRules, *, max_id: Any, since_id: Any, min_id: Any, limit: int
              ) -> Select[Any]:
    """Status ids of one home page: newest first, or oldest first when `min_id` is given. The
    viewer and the cursors are ids or bound parameters."""
    fed = _joined().join(TimelineEntry, TimelineEntry.status_id == Status.id).where(
        TimelineEntry.owner_id == viewer_id, viewer_filters(viewer_id, rules),
        visible_to(Viewer(viewer_id, member=True)),  # an unfollow hides followers-only posts at once
        ~exclusive_listed(viewer_id, Status.actor_id))  # read in that list instead
    own = select(Status.id).where(Status.actor_id == viewer_id)
    parts = [_paged(fed, TimelineEntry.status_id, max_id, since_id, min_id, limit).subquery("fed"),
             _paged(own, Status.id, max_id, since_id, min_id, limit).subquery("own")]
    merged = union(*(select(part.c.id) for part in parts)).subquery("home")
    order = merged.c.id.asc() if min_id is not None else merged.c.id.desc()
    return select(merged.c.id).order_by(order).limit(limit)
