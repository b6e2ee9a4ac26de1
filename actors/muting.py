"""What a member has chosen not to see or hear about: read-only queries shared by
notifications, timelines and `actors.relations` (which writes the rows)."""

from __future__ import annotations

from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Actor, ConversationMute, Mute, Status, UserDomainBlock, utcnow

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


async def thread_root(session: AsyncSession, status: Status, *, max_depth: int = 200) -> Status:
    """The first post of a status's thread (as far as this node knows it)."""
    current = status
    for _ in range(max_depth):
        if current.in_reply_to_id is None:
            break
        parent = await session.get(Status, current.in_reply_to_id)
        if parent is None:
            break
        current = parent
    return current


async def conversation_muted(session: AsyncSession, actor_id: int, status: Status) -> bool:
    root = await thread_root(session, status)
    return await session.scalar(select(ConversationMute.id).where(
        ConversationMute.actor_id == actor_id, ConversationMute.status_id == root.id)) is not None


async def silenced_for(session: AsyncSession, recipient: Actor, from_actor: Actor, type_: str,
                       status_id: int | None) -> bool:
    """Whether `recipient` chose not to hear about this: a mute with notifications, a hidden
    domain, or a muted conversation."""
    if await session.scalar(select(Mute.id).where(
            Mute.actor_id == recipient.id, Mute.target_id == from_actor.id, Mute.notifications.is_(True),
            live_mute())) is not None:
        return True
    if from_actor.domain is not None and await session.scalar(select(UserDomainBlock.id).where(
            UserDomainBlock.actor_id == recipient.id, UserDomainBlock.domain == from_actor.domain)
    ) is not None:
        return True
    if status_id is not None and type_ in THREAD_NOTIFICATIONS:
        status = await session.get(Status, status_id)
        if status is not None and await conversation_muted(session, recipient.id, status):
            return True
    return False
