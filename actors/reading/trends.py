"""Trends, computed here from counters kept as things happen (no job, no remote source).

- *Tags*: the tag-use rows written as posts are stored (`actors.posts.indexing`: one per tag,
  day and account, for public posts of discoverable accounts). A tag trends when at least
  `trends_min_accounts` distinct accounts, still discoverable and not suspended, used it in the
  last day (today and yesterday, UTC), most accounts first. The query reads two days of counter
  rows, never statuses.
- *Statuses*: public posts of discoverable accounts from the last two days, ranked by their
  favourite and boost counters (kept as those arrive), with at least `trends_min_accounts`
  of them; the reader's own filters apply (blocks, mutes, hidden and silenced domains), as on
  the public timeline. The id range (ids are time-sortable) bounds the scan.
- *Links*: the preview cards of public posts of discoverable accounts from the last day,
  shared by at least `trends_min_accounts` distinct accounts.

`trends_enabled` off answers nothing.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import and_, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from actors.reading import timelines
from federation.domain_rules import DomainRules
from storage import settings
from storage.models import Actor, PreviewCard, Status, StatusCard, TagUse, utcnow
from storage.models.base import min_id_for_time

STATUS_WINDOW = timedelta(days=2)
LINK_WINDOW = timedelta(days=1)
HISTORY_DAYS = 7


async def thresholds(session: AsyncSession) -> int | None:
    """How many accounts make a trend; None when trends are off."""
    if not await settings.get(session, "trends_enabled"):
        return None
    return int(await settings.get(session, "trends_min_accounts"))


def _counted_author() -> Any:
    return and_(Actor.discoverable.is_(True), Actor.suspended_at.is_(None))


async def trending_tag_ids(session: AsyncSession, *, offset: int, limit: int) -> list[int]:
    minimum = await thresholds(session)
    if minimum is None:
        return []
    since = utcnow().date() - timedelta(days=1)
    accounts = func.count(TagUse.actor_id)
    query = (select(TagUse.tag_id).join(Actor, Actor.id == TagUse.actor_id)
             .where(TagUse.day >= since, _counted_author())
             .group_by(TagUse.tag_id).having(accounts >= minimum)
             .order_by(accounts.desc(), func.sum(TagUse.uses).desc(), TagUse.tag_id.desc())
             .offset(offset).limit(limit))
    return list((await session.scalars(query)).all())


async def trending_status_ids(session: AsyncSession, viewer_id: int | None, rules: DomainRules, *,
                              offset: int, limit: int) -> list[int]:
    minimum = await thresholds(session)
    if minimum is None:
        return []
    score = Status.favourites_count + Status.reblogs_count
    query = (timelines.public(viewer_id, rules)
             .where(Status.id >= min_id_for_time(utcnow() - STATUS_WINDOW), Status.local_only.is_(False),
                    timelines.Author.discoverable.is_(True), score >= minimum)
             .order_by(score.desc(), Status.id.desc()).offset(offset).limit(limit))
    return list((await session.scalars(query)).all())


def _link_rows(since: datetime) -> Any:
    return (select(StatusCard.card_id, Status.actor_id, Status.published_at)
            .join(Status, Status.id == StatusCard.status_id).join(Actor, Actor.id == Status.actor_id)
            .where(Status.id >= min_id_for_time(since), Status.visibility == "public",
                   Status.local_only.is_(False), Status.reblog_of_id.is_(None), _counted_author()))


async def trending_links(session: AsyncSession, *, offset: int, limit: int) -> list[PreviewCard]:
    minimum = await thresholds(session)
    if minimum is None:
        return []
    rows = _link_rows(utcnow() - LINK_WINDOW).subquery()
    accounts = func.count(func.distinct(rows.c.actor_id))
    ranked = (select(rows.c.card_id).group_by(rows.c.card_id).having(accounts >= minimum)
              .order_by(accounts.desc(), rows.c.card_id.desc()).offset(offset).limit(limit))
    ids = list((await session.scalars(ranked)).all())
    found = await session.scalars(select(PreviewCard).where(PreviewCard.id.in_(ids)))
    cards = {c.id: c for c in found.all()}
    return [cards[i] for i in ids if i in cards]


async def link_history(session: AsyncSession, card_ids: list[int]) -> dict[int, list[dict[str, str]]]:
    """Per card, seven days newest first: `uses` (posts) and `accounts` (distinct authors), as
    the Tag entity's history."""
    today = utcnow().date()
    start = datetime.combine(today - timedelta(days=HISTORY_DAYS - 1), time.min, tzinfo=UTC)
    rows = _link_rows(start).where(StatusCard.card_id.in_(card_ids))
    uses: dict[tuple[int, date], int] = defaultdict(int)
    authors: dict[tuple[int, date], set[int]] = defaultdict(set)
    for card_id, actor_id, published in (await session.execute(rows)).all() if card_ids else ():
        key = (card_id, published.date())
        uses[key] += 1
        authors[key].add(actor_id)
    history: dict[int, list[dict[str, str]]] = {}
    for card_id in card_ids:
        days = [today - timedelta(days=back) for back in range(HISTORY_DAYS)]
        history[card_id] = [{"day": str(int(datetime.combine(d, time.min, tzinfo=UTC).timestamp())),
                             "uses": str(uses[(card_id, d)]), "accounts": str(len(authors[(card_id, d)]))}
                            for d in days]
    return history
