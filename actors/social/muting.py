"""What a member has chosen not to see or hear about: read-only queries shared by
notifications, timelines and `actors.social.relations` (which writes the rows)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import CTE, ColumnElement, exists, literal, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from storage.models import Actor, Block, ConversationMute, Mute, Status, UserDomainBlock, utcnow

THREAD_NOTIFICATIONS = frozenset({"mention", "reblog", "favourite", "status", "update", "poll"})


def live_mute() -> ColumnElement[bool]:
    return or_(Mute.expires_at.is_(None), Mute.expires_at > utcnow())


async def muted_ids(session: AsyncSession, actor_id: int, *, notifications_only: bool = False) -> set[int]:
    """Whom `actor_id` has muted now (expired mutes do not count)."""
    query = select(Mute.target_id).where(Mute.actor_id == actor_id, live_mute())
    if notifications_only:
        query = query.where(Mute.notifications.is_(True))
    return set((await session.scalars(query)).all())


async def blocked_domains(session: AsyncSession, actor_id: int) -> list[str]:
    return list((await session.scalars(select(UserDomainBlock.domain).where(
        UserDomainBlock.actor_id == actor_id).order_by(UserDomainBlock.id))).all())


MAX_THREAD_DEPTH = 200


def thread_chain(status_ids: int | Sequence[int], *, max_depth: int = MAX_THREAD_DEPTH) -> CTE:
    """A recursive query of statuses and their parents (`start`: the status walked up from,
    `id`, `depth`: 0 for the status itself), as far as this node knows them: one statement
    however deep the thread (SQLite and PostgreSQL). `max_depth` bounds it: remote posts can
    reply in a circle, and then the chain repeats until the bound."""
    starts = [status_ids] if isinstance(status_ids, int) else list(status_ids)
    start = select(Status.id.label("start"), Status.id.label("id"), Status.in_reply_to_id.label("parent"),
                   literal(0).label("depth")).where(Status.id.in_(starts)).cte("thread_chain", recursive=True)
    parent = aliased(Status)
    return start.union_all(
        select(start.c.start, parent.id, parent.in_reply_to_id, start.c.depth + 1)
        .join(parent, parent.id == start.c.parent).where(start.c.depth < max_depth))


async def thread_root(session: AsyncSession, status: Status, *, max_depth: int = MAX_THREAD_DEPTH) -> Status:
    """The first post of a status's thread (as far as this node knows it)."""
    if status.in_reply_to_id is None:
        return status
    chain = thread_chain(status.id, max_depth=max_depth)
    root = await session.scalar(select(Status).join(chain, chain.c.id == Status.id)
                                .order_by(chain.c.depth.desc()).limit(1))
    return status if root is None else root


async def conversation_muted(session: AsyncSession, actor_id: int, status: Status | int) -> bool:
    """Whether `actor_id` muted the conversation of a status (a mute is kept on the thread's
    root; any status up the chain counts, as the Status entity's `muted`), in one query."""
    chain = thread_chain(status if isinstance(status, int) else status.id)
    return await session.scalar(
        select(ConversationMute.id).join(chain, chain.c.id == ConversationMute.status_id)
        .where(ConversationMute.actor_id == actor_id).limit(1)) is not None


async def silenced_for(session: AsyncSession, recipient: Actor, from_actor: Actor, type_: str,
                       status_id: int | None) -> bool:
    """Whether `recipient` chose not to hear about this: a block, a mute with notifications, a
    hidden domain, or a muted conversation (`actors.reading.notification_reads` applies the same
    when notifications are read)."""
    hidden = [exists().where(Block.actor_id == recipient.id, Block.target_id == from_actor.id),
              exists().where(Mute.actor_id == recipient.id, Mute.target_id == from_actor.id,
                             Mute.notifications.is_(True), live_mute())]
    if from_actor.domain is not None:
        hidden.append(exists().where(UserDomainBlock.actor_id == recipient.id,
                                     UserDomainBlock.domain == from_actor.domain))
    if await session.scalar(select(or_(*hidden))):  # one statement
        return True
    return (status_id is not None and type_ in THREAD_NOTIFICATIONS
            and await conversation_muted(session, recipient.id, status_id))
