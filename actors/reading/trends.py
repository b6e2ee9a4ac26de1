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

`trends_enabled` off answers nothing. The ranked lists do not depend on the reader, so the API
keeps them for a minute per process (`ui.api.discovery.trends`). Measured on SQLite with 100,000
statuses over three days, 80,000 tag-use rows and 20,000 link cards, on a shared machine under
load: ranking took 60-140 ms (tags), 50-160 ms (statuses), 70-140 ms (links), once a minute;
a reader's own filters on a first page (`seen_by`, one chunk) cost what a public timeline page
does. Ranking statuses straight from the public timeline's query took 460 ms, hence the lean one.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import and_, delete, exists, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from actors.reading import timelines
from federation.domain_rules import DomainRules
from storage import settings
from storage.models import Actor, PreviewCard, Status, StatusCard, TagUse, utcnow
from storage.models.base import min_id_for_time
from storage.periodic import schedule_next
from storage.worker import JobContext

if TYPE_CHECKING:
    from federation.services import Services

STATUS_WINDOW = timedelta(days=2)
LINK_WINDOW = timedelta(days=1)
HISTORY_DAYS = 7
MAX_RANKED = 200  # the ranked lists are cut here; apps page through the first few dozen
SEEN_CHUNK = 40


async def threshold(session: AsyncSession) -> int | None:
    """How many accounts make a trend; None when trends are off."""
    if not await settings.get(session, "trends_enabled"):
        return None
    return int(await settings.get(session, "trends_min_accounts"))


def _counted_author() -> Any:
    return and_(Actor.discoverable.is_(True), Actor.suspended_at.is_(None))


async def ranked_tag_ids(session: AsyncSession, minimum: int, limit: int = MAX_RANKED) -> list[int]:
    """The trending tags' ids, best first."""
    since = utcnow().date() - timedelta(days=1)
    accounts = func.count(TagUse.actor_id)
    query = (select(TagUse.tag_id).join(Actor, Actor.id == TagUse.actor_id)
             .where(TagUse.day >= since, _counted_author())
             .group_by(TagUse.tag_id).having(accounts >= minimum)
             .order_by(accounts.desc(), func.sum(TagUse.uses).desc(), TagUse.tag_id.desc()).limit(limit))
    return list((await session.scalars(query)).all())


async def ranked_status_ids(session: AsyncSession, minimum: int, limit: int = MAX_RANKED) -> list[int]:
    """The trending statuses' ids, best first, before any reader's own filters. Statuses are
    scanned by their id range (`coalesce` keeps SQLite off the boost index, which would visit
    every status ever stored)."""
    score = Status.favourites_count + Status.reblogs_count
    author_ok = exists().where(Actor.id == Status.actor_id, _counted_author())
    query = (select(Status.id)
             .where(Status.id >= min_id_for_time(utcnow() - STATUS_WINDOW), Status.visibility == "public",
                    Status.local_only.is_(False), func.coalesce(Status.reblog_of_id, 0) == 0,
                    score >= minimum, author_ok)
             .order_by(score.desc(), Status.id.desc()).limit(limit))
    return list((await session.scalars(query)).all())


async def seen_by(session: AsyncSession, viewer_id: int | None, rules: DomainRules, ranked: list[int], *,
                  wanted: int) -> list[int]:
    """The first `wanted` ranked statuses this reader may see and has not hidden (the public
    timeline's rules: visibility, blocks, mutes, hidden and silenced domains), in rank order.
    Checked a chunk at a time: a first page looks at a few dozen rows, not the whole list."""
    kept: list[int] = []
    for start in range(0, len(ranked), SEEN_CHUNK):
        chunk = ranked[start:start + SEEN_CHUNK]
        allowed = set((await session.scalars(
            timelines.public(viewer_id, rules).where(Status.id.in_(chunk)))).all())
        kept += [i for i in chunk if i in allowed]
        if len(kept) >= wanted:
            break
    return kept[:wanted]


def _link_rows(since: datetime) -> Any:
    return (select(StatusCard.card_id, Status.actor_id, Status.published_at)
            .join(Status, Status.id == StatusCard.status_id).join(Actor, Actor.id == Status.actor_id)
            .where(Status.id >= min_id_for_time(since), Status.visibility == "public",
                   Status.local_only.is_(False), func.coalesce(Status.reblog_of_id, 0) == 0,
                   _counted_author()))


async def ranked_card_ids(session: AsyncSession, minimum: int, limit: int = MAX_RANKED) -> list[int]:
    """The trending links' preview-card ids, best first."""
    rows = _link_rows(utcnow() - LINK_WINDOW).subquery()
    accounts = func.count(func.distinct(rows.c.actor_id))
    ranked = (select(rows.c.card_id).group_by(rows.c.card_id).having(accounts >= minimum)
              .order_by(accounts.desc(), rows.c.card_id.desc()).limit(limit))
    return list((await session.scalars(ranked)).all())


async def cards(session: AsyncSession, ids: list[int]) -> list[PreviewCard]:
    found = await session.scalars(select(PreviewCard).where(PreviewCard.id.in_(ids)))
    by_id = {c.id: c for c in found.all()}
    return [by_id[i] for i in ids if i in by_id]


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


# --- keeping the counters small --------------------------------------------------------------

PRUNE_TAG_USES_KIND = "actors.prune_tag_uses"
PRUNE_TAG_USES_EVERY_S = 6 * 3600.0
KEEP_TAG_USES_DAYS = 2  # trends read today and yesterday; the Tag entity's history reads statuses


async def prune_tag_uses(session: AsyncSession, *, today: date) -> int:
    """Delete the oldest day of tag-use rows older than KEEP_TAG_USES_DAYS (one day per call,
    so a long-idle node catches up in bounded statements); how many rows went."""
    cutoff = today - timedelta(days=KEEP_TAG_USES_DAYS)
    oldest = await session.scalar(select(func.min(TagUse.day)).where(TagUse.day < cutoff))
    if oldest is None:
        return 0
    result = await session.execute(delete(TagUse).where(TagUse.day == oldest))
    return int(getattr(result, "rowcount", 0) or 0) or 1


async def run_prune_tag_uses(ctx: JobContext) -> None:
    services: Services = ctx.deps
    while True:
        async with services.sessions() as session, session.begin():
            if not await prune_tag_uses(session, today=utcnow().date()):
                break
    async with services.sessions() as session, session.begin():
        await schedule_next(session, PRUNE_TAG_USES_KIND, current_job=ctx.job.id,
                            every_seconds=PRUNE_TAG_USES_EVERY_S)
