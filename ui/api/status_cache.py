"""A timeline page's JSON from a per-process cache of rendered statuses.

Rendering a status is most of a timeline's cost (parts, mentions, card, the author's account
with its sanitized note and counts), and serializing forty of them again is the next. What does
not depend on the viewer is cached here, per web process, as JSON bytes, and the viewer's own
state is spliced in per request:

- a status entry holds the entity rendered for no viewer (`render_statuses(viewer=None)`),
  serialized without `account`, `reblog`, `poll` and the viewer's marks, keyed by the status
  id, the reader's languages and a *version* read fresh from the database on every request:
  `edited_at`, the three counts, the poll's `updated_at`, the media's newest `updated_at` and
  count, and the card id. Any change another process commits (an edit, a favourite, a poll
  vote, a new alt text, a card arriving) changes the version, so the entry is re-rendered at
  once; a deleted status is not on the page at all. Entries also expire after STATUS_MAX_AGE_S
  (what the version does not cover: a custom emoji disabled, a card refetched) and when the
  poll they show ends;
- an account entry holds the Account entity's JSON keyed by the actor's `updated_at` and
  `suspended_at` (read with the versions; a role change moves `updated_at`,
  `actors.accounts.local_users.set_role`): a profile change shows at once. Its counts
  (followers, following, statuses) are as old as ACCOUNT_MAX_AGE_S at most, as Mastodon's own
  cached counts;
- per request, read with the versions in the same statement: favourited / reblogged /
  bookmarked / pinned, the viewer's poll choices, whether the viewer muted any
  conversation (then one more query finds the muted threads), and the version of the viewer's
  filters (`actors.reading.filters.filters_version`): the filters themselves are kept per
  process by that version (`ui.api.filters.applied`) and matched against each cached status's
  searchable text, kept with its entry, to give `filtered` and leave out what they hide.

The page's ids, the versions and the marks are one statement (`page_rows`), run on the driver
in one trip (`storage.round_trips`); a page whose statuses and accounts are all cached touches
the database only there. The result equals `statuses.entity.render_statuses` for the same viewer
(a test compares them).
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple

import orjson
from sqlalchemy import String, case, cast, exists, false, func, literal, select, union
from sqlalchemy.orm import aliased
from sqlalchemy.sql import Select

from actors.reading.filters import ViewerFilters, filters_version, hides, searchable_text
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
)
from ui.api.entities import Urls, render_accounts
from ui.api.filters.applied import results_json
from ui.api.statuses.entity import in_muted_threads, render_statuses
from ui.recent import PerApp

STATUS_MAX_AGE_S = 300.0
ACCOUNT_MAX_AGE_S = 60.0
MAX_STATUSES = 20_000  # entries per process (a rendered status is a few KB)
MAX_ACCOUNTS = 5_000
# Set per request, so left out of a cached status's JSON.
_PER_VIEWER = frozenset({"account", "reblog", "poll", "favourited", "reblogged", "bookmarked", "muted",
                         "pinned", "filtered"})


class _Row(NamedTuple):
    """A status's version, the viewer's marks on it, and what the page needs to assemble it."""

    id: int
    actor_id: int
    reblog_of_id: int | None
    on_page: bool  # else only the original of a boost on the page
    version: tuple[Any, ...]
    account_version: tuple[Any, ...]
    marks: tuple[bool, bool, bool, bool]  # favourited, reblogged, bookmarked, pinned
    votes: list[int]


@dataclass(frozen=True)
class _Rendered:
    """A status's cached JSON: the object's members without the braces and the per-viewer
    ones, and its poll's the same way (without `voted` and `own_votes`); the text filters'
    keywords are matched against."""

    members: bytes
    poll: bytes | None
    text: str


@dataclass
class _Entry:
    key: tuple[Any, ...]
    value: Any
    expires: float


class _Lru:
    def __init__(self, size: int) -> None:
        self.size = size
        self.items: OrderedDict[Any, _Entry] = OrderedDict()

    def get(self, ident: Any, key: tuple[Any, ...], now: float) -> Any:
        entry = self.items.get(ident)
        if entry is None or entry.key != key or entry.expires <= now:
            return None
        self.items.move_to_end(ident)
        return entry.value

    def put(self, ident: Any, key: tuple[Any, ...], value: Any, expires: float) -> None:
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


def page_rows(page: Select[Any], viewer: Any) -> Select[Any]:
    """The rows `render_page_json` needs for the statuses `page` selects (one column of ids) and the
    statuses they boost, as `viewer` (an id or a bound parameter) sees them.

    One select over `statuses` by id (the page's ids and the boosted ones, as a union), each row
    with its version, whether it is on the page, the viewer's marks, their poll choices and
    whether they muted any conversation. Each mark is a `LIMIT 1` probe of an index on
    (member, status): written as EXISTS, PostgreSQL hashed all of the viewer's favourites
    (hundreds of rows) for every page instead."""
    ids = page.cte("page")
    boosted = aliased(Status, name="boosted")
    boost = aliased(Status, name="boost")

    def probe(*where: Any) -> Any:
        return select(literal(1)).where(*where).limit(1).scalar_subquery().is_not(None)

    def marked(model: Any) -> Any:
        return probe(model.actor_id == viewer, model.status_id == Status.id)

    # the media's count and newest change, as one text: one index probe instead of two
    newest = func.coalesce(cast(func.max(MediaAttachment.updated_at), String), "")
    media = (select(cast(func.count(), String) + ":" + newest)
             .where(MediaAttachment.status_id == Status.id).scalar_subquery())
    # probes only where they can find something: choices where there is a poll, a pin on the
    # viewer's own statuses (CASE is evaluated lazily on both engines)
    choices = case((Poll.id.is_not(None), select(func.aggregate_strings(cast(PollVote.choice, String), ","))
                    .where(PollVote.poll_id == Poll.id, PollVote.actor_id == viewer).scalar_subquery()))
    pinned = case((Status.actor_id == viewer, marked(Pin)), else_=false())
    card = select(StatusCard.card_id).where(StatusCard.status_id == Status.id).scalar_subquery()
    originals = select(boosted.reblog_of_id).where(boosted.id.in_(select(ids.c[0])),
                                                   boosted.reblog_of_id.is_not(None))
    return (select(Status.id.in_(select(ids.c[0])), Status.id, Status.actor_id, Status.reblog_of_id,
                   Status.edited_at, Status.replies_count, Status.reblogs_count, Status.favourites_count,
                   Poll.updated_at, media, card, Actor.updated_at, Actor.suspended_at,
                   marked(Favourite), probe(boost.reblog_of_id == Status.id, boost.actor_id == viewer),
                   marked(Bookmark), pinned, choices,
                   exists().where(ConversationMute.actor_id == viewer),  # once, not per row
                   filters_version(viewer))  # once too
            .join(Actor, Actor.id == Status.actor_id).outerjoin(Poll, Poll.status_id == Status.id)
            .where(Status.id.in_(union(select(ids.c[0]), originals))))


@dataclass(frozen=True)
class PageRows:
    """What `page_rows` returned: the page's ids (newest first) and each status's row."""

    ids: list[int]
    rows: dict[int, _Row]
    muted_any: bool
    filters_version: str | None = None


def read_page_rows(found: Sequence[Sequence[Any]]) -> PageRows:
    rows: dict[int, _Row] = {}
    muted_any = False
    filters: str | None = None
    for (on_page, status_id, actor_id, reblog_of_id, *version, updated_at, suspended_at,
         favourited, reblogged, bookmarked, pinned, choices, muted, version_of_filters) in found:
        rows[status_id] = _Row(status_id, actor_id, reblog_of_id, bool(on_page),
                               tuple(version), (updated_at, suspended_at),
                               (bool(favourited), bool(reblogged), bool(bookmarked), bool(pinned)),
                               sorted(int(c) for c in choices.split(",")) if choices else [])
        muted_any = muted_any or bool(muted)
        filters = version_of_filters
    ids = sorted((row.id for row in rows.values() if row.on_page), reverse=True)
    return PageRows(ids, rows, muted_any, filters)


def _expiry(entity: dict[str, Any], now: float, wall_now: float) -> float:
    """Monotonic time this entity stops being valid: its max age, or its poll's end."""
    expires = now + STATUS_MAX_AGE_S
    poll = entity.get("poll")
    if poll is not None and not poll["expired"] and poll["expires_at"]:
        ends = datetime.fromisoformat(poll["expires_at"].replace("Z", "+00:00")).timestamp()
        expires = min(expires, now + max(0.0, ends - wall_now))
    return expires


def _members(entity: dict[str, Any], left_out: frozenset[str]) -> bytes:
    return orjson.dumps({k: v for k, v in entity.items() if k not in left_out})[1:-1]


def _cached(entity: dict[str, Any]) -> _Rendered:
    poll = entity.get("poll")
    text = searchable_text(entity["content"], entity["spoiler_text"],
                           [o["title"] for o in poll["options"]] if poll is not None else [],
                           [m["description"] or "" for m in entity["media_attachments"]])
    return _Rendered(_members(entity, _PER_VIEWER),
                     None if poll is None else _members(poll, frozenset({"voted", "own_votes"})), text)


Sessions = Callable[[], Any]  # an async_sessionmaker: opened only for what the cache misses


async def _statuses(sessions: Sessions, services: Services, cache: RenderCache, rows: dict[int, _Row],
                    urls: Urls, languages: tuple[str, ...]) -> dict[int, _Rendered]:
    now, wall_now = time.monotonic(), time.time()
    found: dict[int, _Rendered] = {}
    missing: list[int] = []
    for status_id, row in rows.items():
        rendered = cache.statuses.get((status_id, languages), row.version, now)
        if rendered is None:
            missing.append(status_id)
        else:
            found[status_id] = rendered
    cache.hits += len(found)
    cache.misses += len(missing)
    if not missing:
        return found
    async with sessions() as session:
        loaded = (await session.scalars(select(Status).where(Status.id.in_(missing)))).all()
        entities = await render_statuses(session, services, None, loaded, urls, reader_languages=languages)
    for entity in entities:
        nested = entity.pop("reblog")
        for one in (entity, nested) if nested is not None else (entity,):
            status_id = int(one["id"])
            if status_id in found or status_id not in rows:
                continue
            found[status_id] = _cached(one)
            cache.statuses.put((status_id, languages), rows[status_id].version, found[status_id],
                               _expiry(one, now, wall_now))
    return found


async def _accounts(sessions: Sessions, cache: RenderCache, rows: dict[int, _Row], urls: Urls
                    ) -> dict[int, bytes]:
    now = time.monotonic()
    versions = {row.actor_id: row.account_version for row in rows.values()}
    found: dict[int, bytes] = {}
    for actor_id, version in versions.items():
        entity = cache.accounts.get(actor_id, version, now)
        if entity is not None:
            found[actor_id] = entity
    missing = [actor_id for actor_id in versions if actor_id not in found]
    if missing:
        async with sessions() as session:
            actors = (await session.scalars(select(Actor).where(Actor.id.in_(missing)))).all()
            rendered = await render_accounts(session, list(actors), urls)
        for entity in rendered:
            actor_id = int(entity["id"])
            found[actor_id] = orjson.dumps(entity)
            cache.accounts.put(actor_id, versions[actor_id], found[actor_id], now + ACCOUNT_MAX_AGE_S)
    return found


_JSON_BOOL = {True: b"true", False: b"false"}


NO_VIEWER = 0  # `page_rows`' viewer for a reader who is not signed in: no account has id 0


@dataclass(frozen=True)
class _Page:
    rows: dict[int, _Row]
    statuses: dict[int, _Rendered]
    accounts: dict[int, bytes]
    viewer_id: int | None
    muted: set[int]
    filtered: dict[int, bytes]  # the `filtered` of the statuses filters matched


def _poll_json(row: _Row, members: bytes, viewer_id: int | None) -> bytes:
    if viewer_id is None:
        return b"{" + members + b"}"
    voted = bool(row.votes) or viewer_id == row.actor_id  # the author cannot vote: Mastodon says voted
    return b"".join((b"{", members, b',"voted":', _JSON_BOOL[voted], b',"own_votes":',
                     orjson.dumps(row.votes), b"}"))


def _status_json(status_id: int, page: _Page) -> bytes:
    """The status's Entity as the viewer sees it: the cached members, then the account, the
    boosted status, the poll with the viewer's votes and the viewer's marks (none for a reader
    who is not signed in, as `render_statuses`)."""
    row, rendered = page.rows[status_id], page.statuses[status_id]
    reblog = b"null"
    if row.reblog_of_id is not None and row.reblog_of_id in page.statuses:
        reblog = _status_json(row.reblog_of_id, page)
    poll = b"null" if rendered.poll is None else _poll_json(row, rendered.poll, page.viewer_id)
    parts = [b"{", rendered.members, b',"account":', page.accounts.get(row.actor_id, b"null"),
             b',"reblog":', reblog, b',"poll":', poll, b',"filtered":', page.filtered.get(status_id, b"[]")]
    if page.viewer_id is not None:
        favourited, reblogged, bookmarked, pinned = row.marks
        muted = status_id in page.muted
        parts += [b',"favourited":', _JSON_BOOL[favourited], b',"reblogged":', _JSON_BOOL[reblogged],
                  b',"bookmarked":', _JSON_BOOL[bookmarked], b',"muted":', _JSON_BOOL[muted]]
        if row.actor_id == page.viewer_id:  # Mastodon shows `pinned` on one's own statuses only
            parts += [b',"pinned":', _JSON_BOOL[pinned]]
    parts.append(b"}")
    return b"".join(parts)


async def render_page_json(services: Services, cache: RenderCache, viewer_id: int | None, found: PageRows,
                           urls: Urls, *, reader_languages: Sequence[str] = (),
                           filters: ViewerFilters | None = None) -> bytes:
    """The JSON array of the page's statuses (newest first) as the viewer (None: not signed in)
    sees them, equal to `render_statuses`' but mostly from the cache; `filters` (the viewer's,
    active in the page's context) mark statuses or leave them out."""
    if not found.ids:
        return b"[]"
    sessions = services.sessions
    statuses = await _statuses(sessions, services, cache, found.rows, urls, tuple(reader_languages))
    accounts = await _accounts(sessions, cache, found.rows, urls)
    muted: set[int] = set()
    if found.muted_any and viewer_id is not None:
        async with sessions() as session:
            muted = await in_muted_threads(session, viewer_id, list(found.rows))
    filtered, hidden = _filtered(found, statuses, filters)
    page = _Page(found.rows, statuses, accounts, viewer_id, muted, filtered)
    shown = (i for i in found.ids if i in statuses and i not in hidden)
    return b"[" + b",".join(_status_json(i, page) for i in shown) + b"]"


def _filtered(found: PageRows, statuses: dict[int, _Rendered], filters: ViewerFilters | None
              ) -> tuple[dict[int, bytes], set[int]]:
    """The `filtered` JSON of the page's statuses that filters match (a boost's under the boosted
    status's id too), and the ids of those they hide."""
    filtered: dict[int, bytes] = {}
    hidden: set[int] = set()
    if filters is None:
        return filtered, hidden
    for status_id in found.ids:
        row = found.rows[status_id]
        proper = statuses.get(row.reblog_of_id if row.reblog_of_id is not None else status_id)
        if proper is None:
            continue
        matches = filters.match(row.actor_id, status_id, row.reblog_of_id, proper.text)
        if not matches:
            continue
        filtered[status_id] = results_json(matches)
        if row.reblog_of_id is not None:
            filtered[row.reblog_of_id] = filtered[status_id]
        if hides(matches):
            hidden.add(status_id)
    return filtered, hidden
