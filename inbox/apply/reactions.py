"""What remote actors do to statuses: boost, like, undo those; deletions of statuses and actors.

Runs in the caller's transaction; every function is idempotent (a boost is keyed by its
Announce id, a favourite by (actor, status) and its Like id). Counts move with the rows.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from actors.reading.notifications import notify
from inbox.apply.statuses import add_to_home_timelines, insert_status, status_by_uri
from storage.models import Actor, Favourite, Status, utcnow
from storage.models.base import id_for_time

BOOSTABLE = ("public", "unlisted")


# --- boosts ----------------------------------------------------------------------------------

async def store_boost(session: AsyncSession, booster: Actor, original: Status, *, uri: str,
                      visibility: str, published: datetime | None, original_author: Actor) -> Status | None:
    """A boost of `original` by `booster` (an Announce). None if the original may not be boosted.

    Only public and unlisted posts can be boosted; the boost's own visibility comes from the
    Announce's addressing (a followers-only boost reaches the booster's followers only).
    """
    if original.reblog_of_id is not None:  # a boost of a boost is a boost of the original
        found = await session.get(Status, original.reblog_of_id)
        if found is None:
            return None
        original = found
    if original.visibility not in BOOSTABLE:
        return None
    existing = await status_by_uri(session, uri)
    if existing is not None:
        return existing
    when = min(published or utcnow(), utcnow())
    boost, created = await insert_status(session, uri, lambda: Status(
        id=id_for_time(when, not_after=utcnow()), uri=uri, actor_id=booster.id, local=False,
        reblog_of_id=original.id, visibility=visibility,
        published_at=when, object_type=original.object_type))
    if boost is None or not created:
        return boost
    await session.execute(update(Status).where(Status.id == original.id)
                          .values(reblogs_count=Status.reblogs_count + 1))
    await notify(session, original_author, "reblog", booster, original.id)
    await add_to_home_timelines(session, boost, mentioned_ids=set())
    return boost


async def find_boost(session: AsyncSession, booster: Actor, *, uri: str | None = None,
                     original_uri: str | None = None) -> Status | None:
    """A boost by `booster`, by its Announce id or by the URI of what it boosts."""
    if uri:
        found = await session.scalar(select(Status).where(
            Status.uri == uri, Status.actor_id == booster.id, Status.reblog_of_id.is_not(None)))
        if found is not None or not original_uri:
            return found
    if original_uri:
        original = await status_by_uri(session, original_uri)
        if original is not None:
            return await session.scalar(select(Status).where(
                Status.actor_id == booster.id, Status.reblog_of_id == original.id))
    return None


# --- favourites ------------------------------------------------------------------------------

async def store_favourite(session: AsyncSession, actor: Actor, status: Status, *, uri: str,
                          author: Actor) -> Favourite:
    existing = await session.scalar(select(Favourite).where(
        (Favourite.uri == uri) | ((Favourite.actor_id == actor.id) & (Favourite.status_id == status.id))))
    if existing is not None:
        return existing
    favourite = Favourite(actor_id=actor.id, status_id=status.id, uri=uri)
    try:
        async with session.begin_nested():
            session.add(favourite)
    except IntegrityError:
        return (await session.scalars(select(Favourite).where(
            Favourite.actor_id == actor.id, Favourite.status_id == status.id))).one()
    await session.execute(update(Status).where(Status.id == status.id)
                          .values(favourites_count=Status.favourites_count + 1))
    await notify(session, author, "favourite", actor, status.id)
    return favourite


async def find_favourite(session: AsyncSession, actor: Actor, *, uri: str | None = None,
                         status_uri: str | None = None) -> Favourite | None:
    if uri:
        found = await session.scalar(select(Favourite).where(Favourite.uri == uri,
                                                             Favourite.actor_id == actor.id))
        if found is not None or not status_uri:
            return found
    if status_uri:
        status = await status_by_uri(session, status_uri)
        if status is not None:
            return await session.scalar(select(Favourite).where(
                Favourite.actor_id == actor.id, Favourite.status_id == status.id))
    return None


async def remove_favourite(session: AsyncSession, favourite: Favourite) -> None:
    await session.execute(delete(Favourite).where(Favourite.id == favourite.id))
    await session.execute(update(Status).where(Status.id == favourite.status_id, Status.favourites_count > 0)
                          .values(favourites_count=Status.favourites_count - 1))


# --- deletions -------------------------------------------------------------------------------

async def delete_status(session: AsyncSession, status: Status) -> None:
    """Delete a status or boost (its boosts, mentions, favourites and timeline entries go with it)."""
    for parent_id, column in ((status.in_reply_to_id, Status.replies_count),
                              (status.reblog_of_id, Status.reblogs_count)):
        if parent_id is not None:
            await session.execute(update(Status).where(Status.id == parent_id, column > 0)
                                  .values({column: column - 1}))
    await session.execute(delete(Status).where(Status.id == status.id))


async def delete_actor_content(session: AsyncSession, actor: Actor) -> int:
    """Remove the statuses, boosts and favourites of a deleted remote actor; returns statuses removed.

    Counts of the statuses it replied to, boosted or liked are recounted from the rows.
    """
    touched = set((await session.scalars(
        select(Favourite.status_id).where(Favourite.actor_id == actor.id))).all())
    for column in (Status.in_reply_to_id, Status.reblog_of_id):
        found = (await session.scalars(select(column).where(Status.actor_id == actor.id))).all()
        touched |= {i for i in found if i is not None}
    await session.execute(delete(Favourite).where(Favourite.actor_id == actor.id))
    result = await session.execute(delete(Status).where(Status.actor_id == actor.id))
    await recount(session, touched)
    return int(getattr(result, "rowcount", 0) or 0)


async def recount(session: AsyncSession, status_ids: set[int]) -> None:
    """Recompute replies, boosts and favourites counts of these statuses from the rows."""
    if not status_ids:
        return
    await session.execute(update(Status).where(Status.id.in_(status_ids)).values(
        replies_count=_count_of(Status.in_reply_to_id), reblogs_count=_count_of(Status.reblog_of_id),
        favourites_count=select(func.count()).select_from(Favourite)
        .where(Favourite.status_id == Status.id).scalar_subquery(),
    ).execution_options(synchronize_session=False))


def _count_of(column: Any) -> Any:
    """How many statuses point at the outer status through `column`."""
    other = aliased(Status)
    return (select(func.count()).select_from(other)
            .where(getattr(other, column.key) == Status.id).scalar_subquery())
