"""Status entities for a timeline page from a per-process cache of rendered statuses.

Rendering a status is most of a timeline's cost (parts, mentions, card, the author's account
with its sanitized note and counts). What does not depend on the viewer is cached here, per
web process, and the viewer's own state is merged per request:

- a status entry holds the entity rendered for no viewer (`render_statuses(viewer=None)`)
  without `account` and `reblog`, keyed by the status id, the reader's languages and a
  *version* read fresh from the database on every request in one lean query: `edited_at`, the
  three counts, the poll's `updated_at`, the media's newest `updated_at` and count, and the
  card id. Any change another process commits (an edit, a favourite, a poll vote, a new alt
  text, a card arriving) changes the version, so the entry is re-rendered at once; a deleted
  status is not in the page's ids at all. Entries also expire after STATUS_MAX_AGE_S (what
  the version does not cover: a custom emoji disabled, a card refetched) and when the poll
  they show ends;
- an account entry holds the Account entity keyed by the actor's `updated_at`,
  `suspended_at` and role (read in the same lean query): a profile change shows at once. Its
  counts (followers, following, statuses) are as old as ACCOUNT_MAX_AGE_S at most, as
  Mastodon's own cached counts;
- per request, read with the versions: favourited / reblogged / bookmarked / pinned, and whether
  the viewer muted any conversation; then one query each for the viewer's poll votes (only when
  the page has polls) and muted threads (only when the viewer muted any conversation).

The result equals `status_entity.render_statuses` for the same viewer (a test compares them).
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import bindparam, exists, func, select, union_all
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from federation.services import Services
from storage.models import (
    Actor,
    Bookmark,
    ConversationMute,
    Favourite,
    MediaAttachment,
    Pin,
    Poll,
    PollVote,
    Status,
    StatusCard,
    User,
)
from ui.api.entities import Urls, render_accounts
from ui.api.status_entity import in_muted_threads, render_statuses
from ui.recent import PerApp

STATUS_MAX_AGE_S = 300.0
ACCOUNT_MAX_AGE_S = 60.0
MAX_STATUSES = 20_000  # entries per process (a rendered status is a few KB)
MAX_ACCOUNTS = 5_000


@dataclass(frozen=True)
class _Row:
    """A status's version and what the page needs to assemble it."""

    id: int
    actor_id: int
    reblog_of_id: int | None
    version: tuple[Any, ...]
    account_version: tuple[Any, ...]


@dataclass
class _Entry:
    key: tuple[Any, ...]
    value: dict[str, Any]
    expires: float


class _Lru:
    def __init__(self, size: int) -> None:
        self.size = size
        self.items: OrderedDict[Any, _Entry] = OrderedDict()

    def get(self, ident: Any, key: tuple[Any, ...], now: float) -> dict[str, Any] | None:
        entry = self.items.get(ident)
        if entry is None or entry.key != key or entry.expires <= now:
            return None
        self.items.move_to_end(ident)
        return entry.value

    def put(self, ident: Any, key: tuple[Any, ...], value: dict[str, Any], expires: float) -> None:
        self.items[ident] = _Entry(key, value, expires)
        self.items.move_to_end(ident)
        while len(self.items) > self.size:
            self.items.popitem(last=False)


class RenderCache:
    """One web process's rendered statuses and accounts."""

    def __init__(self) -> None:
        self.statuses = _Lru(MAX_STATUSES)
        self.accounts = _Lru(MAX_ACCOUNTS)
        self.hits = 0
        self.misses = 0


cache_of = PerApp(RenderCache)  # one per web process's app


def _versions_query() -> Any:
    """Built once (a statement costs more to build than to run): `ids` is an expanding parameter.
    The page's statuses and the statuses they boost are two selects (UNION ALL), each an index
    lookup: PostgreSQL scans the whole table for `id IN (...) OR id IN (subquery)`. The same
    rows carry the viewer's marks (favourited, boosted, bookmarked, pinned: one index probe
    each) and whether the viewer muted any conversation, so the page needs no query for them."""
    ids: Any = bindparam("ids", expanding=True)
    viewer: Any = bindparam("viewer")
    boosted = aliased(Status, name="boosted")
    boost = aliased(Status, name="boost")

    def marked(model: Any) -> Any:
        return exists().where(model.actor_id == viewer, model.status_id == Status.id)

    marks = (marked(Favourite), exists().where(boost.actor_id == viewer, boost.reblog_of_id == Status.id),
             marked(Bookmark), marked(Pin), exists().where(ConversationMute.actor_id == viewer))

    def media(column: Any) -> Any:
        return select(column).where(MediaAttachment.status_id == Status.id).scalar_subquery()

    def versions(wanted: Any) -> Any:
        return (select(Status.id, Status.actor_id, Status.reblog_of_id, Status.edited_at,
                       Status.replies_count, Status.reblogs_count, Status.favourites_count,
                       select(Poll.updated_at).where(Poll.status_id == Status.id).scalar_subquery(),
                       media(func.max(MediaAttachment.updated_at)), media(func.count()),
                       select(StatusCard.card_id).where(StatusCard.status_id == Status.id).scalar_subquery(),
                       Actor.updated_at, Actor.suspended_at, User.role, *marks)
                .join(Actor, Actor.id == Status.actor_id).outerjoin(User, User.actor_id == Actor.id)
                .where(wanted))

    return union_all(versions(Status.id.in_(ids)), versions(Status.id.in_(
        select(boosted.reblog_of_id).where(boosted.id.in_(ids), boosted.reblog_of_id.is_not(None)))))


_VERSIONS = _versions_query()


async def _rows(session: AsyncSession, ids: Sequence[int], viewer_id: int
                ) -> tuple[dict[int, _Row], dict[str, set[int]]]:
    """The versions of `ids` and of the statuses they boost, and the viewer's marks on them."""
    rows = {}
    marks: dict[str, set[int]] = {kind: set() for kind in "frbpm"}
    connection = await session.connection()  # Core execution: the ORM's per-statement setup is not needed
    for (status_id, actor_id, reblog_of_id, *version, updated_at, suspended_at, role,
         favourited, reblogged, bookmarked, pinned, muted_any) in (
            await connection.execute(_VERSIONS, {"ids": list(ids), "viewer": viewer_id})).all():
        rows[status_id] = _Row(status_id, actor_id, reblog_of_id, tuple(version),
                               (updated_at, suspended_at, role))
        for kind, marked in zip("frbpm", (favourited, reblogged, bookmarked, pinned, muted_any), strict=True):
            if marked:
                marks[kind].add(status_id)
    return rows, marks


def _expiry(entity: dict[str, Any], now: float, wall_now: float) -> float:
    """Monotonic time this entity stops being valid: its max age, or its poll's end."""
    expires = now + STATUS_MAX_AGE_S
    poll = entity.get("poll")
    if poll is not None and not poll["expired"] and poll["expires_at"]:
        from datetime import datetime

        ends = datetime.fromisoformat(poll["expires_at"].replace("Z", "+00:00")).timestamp()
        expires = min(expires, now + max(0.0, ends - wall_now))
    return expires


async def _statuses(session: AsyncSession, services: Services, cache: RenderCache, rows: dict[int, _Row],
                    urls: Urls, languages: tuple[str, ...]) -> dict[int, dict[str, Any]]:
    now, wall_now = time.monotonic(), time.time()
    found: dict[int, dict[str, Any]] = {}
    missing: list[int] = []
    for status_id, row in rows.items():
        entity = cache.statuses.get((status_id, languages), row.version, now)
        if entity is None:
            missing.append(status_id)
        else:
            found[status_id] = entity
    cache.hits += len(found)
    cache.misses += len(missing)
    if missing:
        loaded = (await session.scalars(select(Status).where(Status.id.in_(missing)))).all()
        rendered = await render_statuses(session, services, None, loaded, urls, reader_languages=languages)
        for entity in rendered:
            nested = entity.pop("reblog")
            for one in (entity, nested) if nested is not None else (entity,):
                status_id = int(one["id"])
                if status_id in found or status_id not in rows:
                    continue
                one = {**one, "account": None, "reblog": None}
                found[status_id] = one
                cache.statuses.put((status_id, languages), rows[status_id].version, one,
                                   _expiry(one, now, wall_now))
    return found


async def _accounts(session: AsyncSession, cache: RenderCache, rows: dict[int, _Row], urls: Urls
                    ) -> dict[int, dict[str, Any]]:
    now = time.monotonic()
    versions = {row.actor_id: row.account_version for row in rows.values()}
    found: dict[int, dict[str, Any]] = {}
    for actor_id, version in versions.items():
        entity = cache.accounts.get(actor_id, version, now)
        if entity is not None:
            found[actor_id] = entity
    missing = [actor_id for actor_id in versions if actor_id not in found]
    if missing:
        actors = (await session.scalars(select(Actor).where(Actor.id.in_(missing)))).all()
        for entity in await render_accounts(session, list(actors), urls):
            actor_id = int(entity["id"])
            found[actor_id] = entity
            cache.accounts.put(actor_id, versions[actor_id], entity, now + ACCOUNT_MAX_AGE_S)
    return found


@dataclass
class _ViewerState:
    favourited: set[int]
    reblogged: set[int]
    bookmarked: set[int]
    pinned: set[int]
    muted: set[int]
    votes: dict[int, list[int]]


_VOTES = (select(PollVote.poll_id, PollVote.choice)
          .where(PollVote.poll_id.in_(bindparam("polls", expanding=True)),
                 PollVote.actor_id == bindparam("viewer"))
          .order_by(PollVote.poll_id, PollVote.choice))


async def _viewer_state(session: AsyncSession, viewer_id: int, ids: list[int], poll_ids: list[int],
                        marks: dict[str, set[int]]) -> _ViewerState:
    """The viewer's state on the page: `marks` from the versions query, then their poll votes
    (only when the page has polls) and muted threads (only when they muted any conversation)."""
    muted = await in_muted_threads(session, viewer_id, ids) if marks["m"] else set()
    votes: dict[int, list[int]] = {}
    if poll_ids:
        found = await (await session.connection()).execute(_VOTES, {"polls": poll_ids, "viewer": viewer_id})
        for poll_id, choice in found.all():
            votes.setdefault(poll_id, []).append(choice)
    return _ViewerState(marks["f"], marks["r"], marks["b"], marks["p"], muted, votes)


def _assemble(status_id: int, rows: dict[int, _Row], entities: dict[int, dict[str, Any]],
              accounts: dict[int, dict[str, Any]], viewer: Actor, state: _ViewerState) -> dict[str, Any]:
    row = rows[status_id]
    entity = {**entities[status_id], "account": accounts.get(row.actor_id)}
    poll = entity.get("poll")
    if poll is not None:
        own = state.votes.get(int(poll["id"]), [])
        entity["poll"] = {**poll, "voted": bool(own) or viewer.id == row.actor_id, "own_votes": list(own)}
    entity |= {"favourited": status_id in state.favourited, "reblogged": status_id in state.reblogged,
               "bookmarked": status_id in state.bookmarked, "muted": status_id in state.muted}
    if row.actor_id == viewer.id:
        entity["pinned"] = status_id in state.pinned
    if row.reblog_of_id is not None and row.reblog_of_id in entities:
        entity["reblog"] = _assemble(row.reblog_of_id, rows, entities, accounts, viewer, state)
    return entity


async def render_page_cached(session: AsyncSession, services: Services, cache: RenderCache, viewer: Actor,
                             ids: Sequence[int], urls: Urls, *, reader_languages: Sequence[str] = ()
                             ) -> list[dict[str, Any]]:
    """Status entities for `ids` (in this order; ids that no longer exist are left out) as
    `viewer` sees them, equal to `render_statuses`' but mostly from the cache."""
    if not ids:
        return []
    rows, marks = await _rows(session, list(ids), viewer.id)
    entities = await _statuses(session, services, cache, rows, urls, tuple(reader_languages))
    accounts = await _accounts(session, cache, rows, urls)
    poll_ids = [int(e["poll"]["id"]) for e in entities.values() if e.get("poll") is not None]
    state = await _viewer_state(session, viewer.id, list(rows), poll_ids, marks)
    return [_assemble(i, rows, entities, accounts, viewer, state) for i in ids if i in rows and i in entities]
