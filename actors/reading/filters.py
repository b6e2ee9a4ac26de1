"""A member's filters applied to statuses: which filters match a status, and which statuses they hide.

As Mastodon: a keyword matches the status's searchable text (the spoiler text, the content
stripped of HTML, the poll's options, the media descriptions), case-insensitively; a whole-word
keyword only at word boundaries (a boundary is required on a side only where the keyword starts
or ends with a word character). A status filter matches the status or the one it boosts.
Filters apply in their contexts only, until they expire, and never to the member's own
statuses. A match with `hide` takes the status out of the list; `warn` (and `blur`) mark it.

`filter_statuses` is the entry point for lists rendered in bulk (search, notifications);
timelines go through the status cache, which keys the member's loaded filters by
`filters_version` (read in the page's one statement) and calls `ViewerFilters.match` itself.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import String, cast, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from actors.reading.parts import load_parts
from storage.models import CustomFilter, FilterKeyword, FilterStatus, Status, utcnow

HIDE = "hide"
_BREAK = re.compile(r"<br\s*/?>|</p>\s*<p[^>]*>", re.IGNORECASE)
_TAG = re.compile(r"<[^>]*>")
_WORD_START = re.compile(r"^\w")
_WORD_END = re.compile(r"\w$")


def keyword_regex(keyword: str, whole_word: bool) -> re.Pattern[str]:
    """Mastodon's `CustomFilterKeyword#to_regex`."""
    escaped = re.escape(keyword)
    if whole_word:
        start = r"\b" if _WORD_START.search(keyword) else ""
        end = r"\b" if _WORD_END.search(keyword) else ""
        escaped = f"{start}{escaped}{end}"
    return re.compile(escaped, re.IGNORECASE)


def html_to_text(content: str) -> str:
    """Stored (sanitized) HTML as plain text: line breaks kept, tags dropped, entities decoded."""
    return html.unescape(_TAG.sub("", _BREAK.sub("\n", content)))


def searchable_text(content: str, spoiler: str, poll_options: Iterable[str], descriptions: Iterable[str]
                    ) -> str:
    """What keywords are matched against (Mastodon's `Status#searchable_text`)."""
    parts = [spoiler, html_to_text(content), "\n\n".join(poll_options),
             "\n\n".join(d for d in descriptions if d)]
    return "\n\n".join(p for p in parts if p)


@dataclass(frozen=True)
class Keyword:
    id: int
    keyword: str
    whole_word: bool
    regex: re.Pattern[str] = field(compare=False)


@dataclass(frozen=True)
class LoadedFilter:
    """One filter with its rules, as loaded (the row is detached: read-only)."""

    row: CustomFilter
    keywords: tuple[Keyword, ...]
    status_ids: frozenset[int]

    def live(self, context: str, now: datetime) -> bool:
        return context in self.row.context and (self.row.expires_at is None or self.row.expires_at > now)


@dataclass(frozen=True)
class FilterMatch:
    """Mastodon's FilterResult: the filter, its keywords that matched, its statuses that matched."""

    filter: CustomFilter
    keyword_matches: tuple[str, ...] | None
    status_matches: tuple[int, ...] | None


@dataclass(frozen=True)
class ViewerFilters:
    """A member's filters, all of them (`active` picks those that apply now in a context)."""

    viewer_id: int
    filters: tuple[LoadedFilter, ...] = ()

    def active(self, context: str, now: datetime | None = None) -> ViewerFilters:
        moment = now or utcnow()
        return ViewerFilters(self.viewer_id, tuple(f for f in self.filters if f.live(context, moment)))

    def match(self, author_id: int, status_id: int, reblog_of_id: int | None, text: str) -> list[FilterMatch]:
        """The filters matching a status (`text`: its original's `searchable_text`)."""
        if author_id == self.viewer_id:
            return []
        ids = {status_id} if reblog_of_id is None else {status_id, reblog_of_id}
        found = []
        for one in self.filters:
            words = tuple(k.keyword for k in one.keywords if k.regex.search(text))
            statuses = tuple(sorted(ids & one.status_ids))
            if words or statuses:
                found.append(FilterMatch(one.row, words or None, statuses or None))
        return found


def hides(matches: Sequence[FilterMatch]) -> bool:
    return any(m.filter.action == HIDE for m in matches)


def filters_version(viewer: Any) -> Any:
    """The SQL twin of a member's filters' version: their count and newest change, as one text
    (every change to a filter, its keywords or statuses moves its `updated_at`). Uncorrelated:
    evaluated once per statement."""
    newest = func.coalesce(cast(func.max(CustomFilter.updated_at), String), "")
    return (select(cast(func.count(), String) + ":" + newest)
            .where(CustomFilter.actor_id == viewer).scalar_subquery())


async def load_filters(session: AsyncSession, viewer_id: int) -> ViewerFilters:
    """All of a member's filters with their keywords and statuses, in three queries."""
    rows = list((await session.scalars(select(CustomFilter).where(CustomFilter.actor_id == viewer_id)
                                       .order_by(CustomFilter.id))).all())
    if not rows:
        return ViewerFilters(viewer_id)
    ids = [r.id for r in rows]
    keywords: dict[int, list[Keyword]] = {i: [] for i in ids}
    for k in (await session.scalars(select(FilterKeyword).where(FilterKeyword.filter_id.in_(ids))
                                    .order_by(FilterKeyword.id))).all():
        regex = keyword_regex(k.keyword, k.whole_word)
        keywords[k.filter_id].append(Keyword(k.id, k.keyword, k.whole_word, regex))
    statuses: dict[int, set[int]] = {i: set() for i in ids}
    pairs = select(FilterStatus.filter_id, FilterStatus.status_id).where(FilterStatus.filter_id.in_(ids))
    for filter_id, status_id in (await session.execute(pairs)).all():
        statuses[filter_id].add(status_id)
    return ViewerFilters(viewer_id, tuple(LoadedFilter(r, tuple(keywords[r.id]), frozenset(statuses[r.id]))
                                          for r in rows))


@dataclass(frozen=True)
class Filtering:
    """What a member's filters make of some statuses: each matched status's FilterResults (a
    boost's also under the boosted status's id) and the ids of those to leave out."""

    results: dict[int, list[FilterMatch]]
    hidden: set[int]


async def filter_statuses(session: AsyncSession, viewer_id: int | None, context: str,
                          statuses: Sequence[Status], *, now: datetime | None = None) -> Filtering:
    """The viewer's filters in `context` applied to `statuses` (boosts matched on what they boost)."""
    if viewer_id is None or not statuses:
        return Filtering({}, set())
    filters = (await load_filters(session, viewer_id)).active(context, now)
    if not filters.filters:
        return Filtering({}, set())
    boosted = {s.reblog_of_id for s in statuses if s.reblog_of_id is not None}
    originals = {s.id: s for s in (await session.scalars(select(Status).where(Status.id.in_(boosted)))).all()
                 } if boosted else {}
    proper = {s.id: originals.get(s.reblog_of_id, s) if s.reblog_of_id is not None else s for s in statuses}
    parts = await load_parts(session, [p.id for p in proper.values()])
    results: dict[int, list[FilterMatch]] = {}
    hidden: set[int] = set()
    for status in statuses:
        original = proper[status.id]
        part = parts.get(original.id)
        text = searchable_text(original.content or "", original.summary or "",
                               [o["title"] for o in part.poll.options] if part and part.poll else [],
                               [m.description or "" for m in part.media] if part else [])
        matches = filters.match(status.actor_id, status.id, status.reblog_of_id, text)
        if matches:
            results[status.id] = matches
            if status.reblog_of_id is not None:
                results[status.reblog_of_id] = matches
            if hides(matches):
                hidden.add(status.id)
    return Filtering(results, hidden)
