"""A member's filters, written: create, change and delete filters, their keywords and statuses.

Validation and errors in Mastodon's words (`Validation failed: …`, 422); another member's filter,
keyword or status filter is `Record not found` (404), as one that never existed. Caps keep a
member's filters cheap to apply on every page: MAX_FILTERS per member, MAX_KEYWORDS and
MAX_STATUSES per filter. Every change moves the filter's `updated_at`, the version the status
cache keys the member's filters by (`actors.reading.filters.filters_version`), past every other
filter's of the member (`touch`), so that the version changes even if clocks disagree.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from actors.reading.visibility import Viewer, visible_ids
from storage.errors import Invalid, NotFound
from storage.models import FILTER_ACTIONS, FILTER_CONTEXTS, CustomFilter, FilterKeyword, FilterStatus, utcnow

MAX_FILTERS = 100  # per member
MAX_KEYWORDS = 100  # per filter
MAX_STATUSES = 200  # per filter
MAX_TITLE = 256
MAX_KEYWORD = 512
MAX_EXPIRES_IN = 10 * 365 * 86400  # seconds; longer is "never" for anyone
NOT_FOUND = "Record not found"


def _failed(message: str) -> Invalid:
    return Invalid(f"Validation failed: {message}")


def check_title(title: str | None) -> str:
    if title is None or not title.strip():
        raise _failed("Title can't be blank")
    if len(title) > MAX_TITLE:
        raise _failed(f"Title is too long (maximum is {MAX_TITLE} characters)")
    return title.strip()


def check_context(context: Sequence[str]) -> list[str]:
    if not context:
        raise _failed("Context can't be blank")
    if any(c not in FILTER_CONTEXTS for c in context):
        raise _failed("Context None or invalid context supplied")
    return list(dict.fromkeys(context))


def check_action(action: str) -> str:
    if action not in FILTER_ACTIONS:
        raise Invalid(f"'{action}' is not a valid filter_action")
    return action


def check_keyword(keyword: str | None) -> str:
    if keyword is None or not keyword.strip():
        raise _failed("Keyword can't be blank")
    if len(keyword) > MAX_KEYWORD:
        raise _failed(f"Keyword is too long (maximum is {MAX_KEYWORD} characters)")
    return keyword.strip()


def expiry(expires_in: int | None, now: datetime | None = None) -> datetime | None:
    """`expires_in` seconds from now (None or 0: never)."""
    if not expires_in:
        return None
    if expires_in < 0 or expires_in > MAX_EXPIRES_IN:
        raise _failed(f"Expires in must be between 1 and {MAX_EXPIRES_IN} seconds")
    return (now or utcnow()) + timedelta(seconds=expires_in)


@dataclass(frozen=True)
class KeywordChange:
    """One `keywords_attributes` entry: a new keyword (id None), a change, or `destroy`."""

    id: int | None
    keyword: str | None
    whole_word: bool | None
    destroy: bool = False


async def own_filter(session: AsyncSession, actor_id: int, filter_id: int) -> CustomFilter:
    found = await session.get(CustomFilter, filter_id)
    if found is None or found.actor_id != actor_id:
        raise NotFound(NOT_FOUND)
    return found


async def own_keyword(session: AsyncSession, actor_id: int, keyword_id: int
                      ) -> tuple[FilterKeyword, CustomFilter]:
    keyword = await session.get(FilterKeyword, keyword_id)
    owner = None if keyword is None else await session.get(CustomFilter, keyword.filter_id)
    if keyword is None or owner is None or owner.actor_id != actor_id:
        raise NotFound(NOT_FOUND)
    return keyword, owner


async def own_status_filter(session: AsyncSession, actor_id: int, row_id: int
                            ) -> tuple[FilterStatus, CustomFilter]:
    row = await session.get(FilterStatus, row_id)
    owner = None if row is None else await session.get(CustomFilter, row.filter_id)
    if row is None or owner is None or owner.actor_id != actor_id:
        raise NotFound(NOT_FOUND)
    return row, owner


async def touch(session: AsyncSession, row: CustomFilter) -> None:
    """Move the filter's `updated_at` past every other of the member's, whatever this process's
    clock says: the version (count, newest change) then changes with every change."""
    newest = await session.scalar(select(func.max(CustomFilter.updated_at))
                                  .where(CustomFilter.actor_id == row.actor_id))
    now = utcnow()
    row.updated_at = now if newest is None or now > newest else newest + timedelta(microseconds=1)


async def _count(session: AsyncSession, column: Any, *where: Any) -> int:
    return int(await session.scalar(select(func.count(column)).where(*where)) or 0)


async def create_filter(session: AsyncSession, actor_id: int, *, title: str | None, context: Sequence[str],
                        action: str, expires_at: datetime | None, keywords: Sequence[KeywordChange]
                        ) -> CustomFilter:
    """A new filter with its keywords; everything is checked before anything is written."""
    row = CustomFilter(actor_id=actor_id, title=check_title(title), context=check_context(context),
                       action=check_action(action), expires_at=expires_at)
    new = [KeywordChange(None, check_keyword(k.keyword), k.whole_word) for k in keywords if not k.destroy]
    if len(new) > MAX_KEYWORDS:
        raise _failed(f"Keywords are too many (at most {MAX_KEYWORDS} per filter)")
    if await _count(session, CustomFilter.id, CustomFilter.actor_id == actor_id) >= MAX_FILTERS:
        raise _failed(f"Filters are too many (at most {MAX_FILTERS} per account)")
    session.add(row)
    await session.flush()
    session.add_all(FilterKeyword(filter_id=row.id, keyword=k.keyword,
                                  whole_word=True if k.whole_word is None else k.whole_word) for k in new)
    return row


async def change_keywords(session: AsyncSession, row: CustomFilter, changes: Sequence[KeywordChange]) -> None:
    """`keywords_attributes` on update: change or destroy the filter's keywords by id, add new ones."""
    existing = {k.id: k for k in (await session.scalars(
        select(FilterKeyword).where(FilterKeyword.filter_id == row.id))).all()}
    if any(c.id is not None and c.id not in existing for c in changes):
        raise NotFound(NOT_FOUND)
    destroyed = {c.id for c in changes if c.destroy and c.id is not None}
    added = [c for c in changes if c.id is None and not c.destroy]
    if len(existing) - len(destroyed) + len(added) > MAX_KEYWORDS:
        raise _failed(f"Keywords are too many (at most {MAX_KEYWORDS} per filter)")
    checked = [(c, check_keyword(c.keyword) if c.keyword is not None or c.id is None else None)
               for c in changes if not c.destroy]
    for change, keyword in checked:
        if change.id is None:
            session.add(FilterKeyword(filter_id=row.id, keyword=keyword,
                                      whole_word=True if change.whole_word is None else change.whole_word))
            continue
        target = existing[change.id]
        if keyword is not None:
            target.keyword = keyword
        if change.whole_word is not None:
            target.whole_word = change.whole_word
    for keyword_id in destroyed:
        await session.delete(existing[keyword_id])
    await touch(session, row)


async def add_keyword(session: AsyncSession, row: CustomFilter, keyword: str | None, whole_word: bool | None
                      ) -> FilterKeyword:
    text = check_keyword(keyword)
    if await _count(session, FilterKeyword.id, FilterKeyword.filter_id == row.id) >= MAX_KEYWORDS:
        raise _failed(f"Keywords are too many (at most {MAX_KEYWORDS} per filter)")
    added = FilterKeyword(filter_id=row.id, keyword=text, whole_word=whole_word is not False)
    session.add(added)
    await touch(session, row)
    await session.flush()
    return added


async def add_status(session: AsyncSession, row: CustomFilter, status_id: int | None) -> FilterStatus:
    """A status filter on a status the member may see (any other: 404, as one that does not exist)."""
    if status_id is None or not await visible_ids(session, Viewer(row.actor_id, member=True), [status_id]):
        raise NotFound(NOT_FOUND)
    if await session.scalar(select(FilterStatus.id).where(FilterStatus.filter_id == row.id,
                                                          FilterStatus.status_id == status_id)):
        raise _failed("Status has already been taken")
    if await _count(session, FilterStatus.id, FilterStatus.filter_id == row.id) >= MAX_STATUSES:
        raise _failed(f"Statuses are too many (at most {MAX_STATUSES} per filter)")
    added = FilterStatus(filter_id=row.id, status_id=status_id)
    session.add(added)
    await touch(session, row)
    await session.flush()
    return added
