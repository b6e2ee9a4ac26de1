"""Favourites and boosts by local accounts, and the helpers posting shares with them.

Like / Undo(Like) go to the status author's personal inbox when the author is remote (one
delivery, queued here); Announce / Undo(Announce) go through the fan-out job (the booster's
followers and the original author). Doing either twice is one row, as in Mastodon.
"""

from __future__ import annotations

from sqlalchemy import case, select, update
from sqlalchemy import delete as sql_delete
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import set_committed_value

from actors.outgoing import activities
from actors.outgoing.fanout import enqueue_fanout
from actors.reading.notifications import notify
from actors.reading.visibility import can_see
from federation.delivery.job import deliver, inbox_of
from federation.services import Services
from federation.urls import activity_uri
from storage.config import NodeConfig
from storage.errors import Forbidden, Invalid, NotFound
from storage.models import Actor, Favourite, Notification, Status, utcnow
from storage.models.base import new_id

BOOST_VISIBILITIES = ("public", "unlisted", "private")


def base_url(services_or_config: Services | NodeConfig) -> str:
    config = services_or_config.config if isinstance(services_or_config, Services) else services_or_config
    return config.base_url


def require_local(actor: Actor) -> None:
    if not actor.is_local or not actor.private_key_pem:
        raise Forbidden("only local accounts can do this")
    if actor.suspended_at is not None:
        raise Forbidden("this account is suspended")


async def counter(session: AsyncSession, status: Status, column: str, delta: int) -> None:
    """Add `delta` to a status counter in SQL (never below zero); the object sees the result."""
    col = getattr(Status, column)
    value = case((col + delta < 0, 0), else_=col + delta)
    new = await session.scalar(update(Status).where(Status.id == status.id).values({column: value})
                               .returning(col).execution_options(synchronize_session=False))
    if new is not None:
        set_committed_value(status, column, new)


async def reblog_of_and_author(session: AsyncSession, status: Status) -> tuple[Status, Actor]:
    """The status a boost points at (or the status itself), and its author."""
    original = status
    if status.reblog_of_id is not None:
        found = await session.get(Status, status.reblog_of_id)
        if found is None:
            raise NotFound("the boosted status no longer exists")
        original = found
    author = await session.get(Actor, original.actor_id)
    if author is None:
        raise NotFound("the status's author no longer exists")
    return original, author


async def _visible_original(session: AsyncSession, actor: Actor, status: Status) -> tuple[Status, Actor]:
    require_local(actor)
    original, author = await reblog_of_and_author(session, status)
    if not await can_see(session, actor, original):
        raise NotFound("no such status")
    return original, author


async def _forget_notification(session: AsyncSession, recipient: Actor, type_: str, actor: Actor,
                               status_id: int) -> None:
    await session.execute(sql_delete(Notification).where(
        Notification.recipient_id == recipient.id, Notification.type == type_,
        Notification.from_actor_id == actor.id, Notification.status_id == status_id))


async def favourite(session: AsyncSession, services_or_config: Services | NodeConfig, actor: Actor,
                    status: Status) -> Status:
    """Favourite a status (a boost: its original); returns the favourited status."""
    original, author = await _visible_original(session, actor, status)
    if await session.scalar(select(Favourite.id).where(
            Favourite.actor_id == actor.id, Favourite.status_id == original.id)) is not None:
        return original
    favourite_id = new_id()
    row = Favourite(id=favourite_id, actor_id=actor.id, status_id=original.id,
                    uri=activity_uri(base_url(services_or_config), favourite_id))
    session.add(row)
    await session.flush()
    await counter(session, original, "favourites_count", +1)
    if author.is_local:
        await notify(session, author, "favourite", actor, original.id)
    else:
        await deliver(session, actor, activities.like(row, actor, original), [inbox_of(author, shared=False)])
    return original


async def unfavourite(session: AsyncSession, services_or_config: Services | NodeConfig, actor: Actor,
                      status: Status) -> Status:
    """Take a favourite back (nothing happens if there was none)."""
    require_local(actor)
    original, author = await reblog_of_and_author(session, status)
    row = await session.scalar(select(Favourite).where(
        Favourite.actor_id == actor.id, Favourite.status_id == original.id))
    if row is None:
        return original
    like = activities.like(row, actor, original)
    await session.delete(row)
    await counter(session, original, "favourites_count", -1)
    if author.is_local:
        await _forget_notification(session, author, "favourite", actor, original.id)
    else:
        await deliver(session, actor, activities.undo(like), [inbox_of(author, shared=False)])
    await session.flush()
    return original


async def _boost_of(session: AsyncSession, actor: Actor, original: Status) -> Status | None:
    return await session.scalar(select(Status).where(
        Status.actor_id == actor.id, Status.reblog_of_id == original.id))


async def reblog(session: AsyncSession, services_or_config: Services | NodeConfig, actor: Actor,
                 status: Status, *, visibility: str = "public") -> Status:
    """Boost a status; returns the boost (a status whose `reblog_of_id` is the original)."""
    original, author = await _visible_original(session, actor, status)
    own = original.actor_id == actor.id
    if original.visibility == "direct" or (original.visibility == "private" and not own):
        raise Forbidden("this status cannot be boosted")
    if visibility not in BOOST_VISIBILITIES:
        raise Invalid(f"a boost's visibility is one of: {', '.join(BOOST_VISIBILITIES)}")
    existing = await _boost_of(session, actor, original)
    if existing is not None:
        return existing
    boost_id = new_id()
    boost = Status(id=boost_id, uri=activity_uri(base_url(services_or_config), boost_id), actor_id=actor.id,
                   local=True, reblog_of_id=original.id, object_type=original.object_type,
                   visibility="private" if original.visibility == "private" else visibility,
                   local_only=original.local_only, published_at=utcnow())
    session.add(boost)
    await session.flush()
    await counter(session, original, "reblogs_count", +1)
    await notify(session, author, "reblog", actor, original.id)
    await enqueue_fanout(session, {"verb": "announce", "status_id": boost.id})
    return boost


async def unreblog(session: AsyncSession, services_or_config: Services | NodeConfig, actor: Actor,
                   status: Status) -> Status:
    """Take a boost back (nothing happens if there was none); returns the original."""
    require_local(actor)
    original, author = await reblog_of_and_author(session, status)
    boost = await _boost_of(session, actor, original)
    if boost is None:
        return original
    undo = activities.undo(activities.announce(boost, actor, original, author))
    await counter(session, original, "reblogs_count", -1)
    await _forget_notification(session, author, "reblog", actor, original.id)
    await session.execute(sql_delete(Status).where(Status.id == boost.id))
    if boost in session:
        session.expunge(boost)
    if not boost.local_only:
        await enqueue_fanout(session, {
            "verb": "undo_announce", "status_id": boost.id, "author_id": actor.id,
            "visibility": boost.visibility, "local_only": False, "activity": undo,
            "actor_ids": [author.id]})
    await session.flush()
    return original
