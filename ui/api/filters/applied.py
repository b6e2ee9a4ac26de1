"""The `filtered` attribute of statuses, and the statuses a member's `hide` filters leave out.

Timelines (`ui.api.timeline_pages`) read the member's filters' version in the page's one
statement (`actors.reading.filters.filters_version`) and take the loaded filters from this
process's memory (`viewer_filters`): a warm page with filters is still one statement. Lists
rendered in bulk (search, notifications) call `filter_entities` on their rendered entities.

Contexts, as Mastodon's: `home` for the home timeline (and lists), `public` for the public and
tag timelines (and search, which Mastodon's filters do not name), `account` for an account's
statuses, `thread` for a status's context, `notifications` for notifications.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Sequence
from typing import Any

import orjson
from sqlalchemy.ext.asyncio import AsyncSession

from actors.reading.filters import FilterMatch, ViewerFilters, filter_statuses, load_filters
from federation.services import Services
from storage.models import Status
from ui.api.filters.entities import filter_result
from ui.recent import PerApp

MAX_MEMBERS = 5_000  # members whose loaded filters a process keeps


class FilterMemory:
    """One web process's loaded filters, per member, keyed by their version."""

    def __init__(self) -> None:
        self.items: OrderedDict[int, tuple[str, ViewerFilters]] = OrderedDict()

    def get(self, viewer_id: int, version: str) -> ViewerFilters | None:
        found = self.items.get(viewer_id)
        if found is None or found[0] != version:
            return None
        self.items.move_to_end(viewer_id)
        return found[1]

    def put(self, viewer_id: int, version: str, filters: ViewerFilters) -> None:
        self.items[viewer_id] = (version, filters)
        self.items.move_to_end(viewer_id)
        while len(self.items) > MAX_MEMBERS:
            self.items.popitem(last=False)


memory_of = PerApp(FilterMemory)


def has_filters(version: str | None) -> bool:
    """Whether `filters_version`'s text says the member has any filter (`count:newest`)."""
    return bool(version) and not str(version).startswith("0:")


async def viewer_filters(services: Services, memory: FilterMemory, viewer_id: int, version: str | None,
                         context: str) -> ViewerFilters | None:
    """The member's filters that apply now in `context` (None: none), loaded only when their
    version changed since this process last loaded them."""
    if not has_filters(version):
        return None
    assert version is not None
    loaded = memory.get(viewer_id, version)
    if loaded is None:
        async with services.sessions() as session:
            loaded = await load_filters(session, viewer_id)
        memory.put(viewer_id, version, loaded)
    active = loaded.active(context)
    return active if active.filters else None


def results_json(matches: Sequence[FilterMatch]) -> bytes:
    return orjson.dumps([filter_result(m) for m in matches])


async def filter_entities(session: AsyncSession, viewer_id: int | None, context: str,
                          statuses: Sequence[Status], entities: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Rendered Status entities (in the order of `statuses`) with their `filtered` set, without
    those the member's `hide` filters leave out."""
    found = await filter_statuses(session, viewer_id, context, statuses)
    kept = []
    for status, entity in zip(statuses, entities, strict=True):
        if status.id in found.hidden:
            continue
        entity["filtered"] = [filter_result(m) for m in found.results.get(status.id, [])]
        if entity.get("reblog") is not None:
            entity["reblog"]["filtered"] = entity["filtered"]
        kept.append(entity)
    return kept
