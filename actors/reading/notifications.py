"""Notifications for local accounts (the inbox and local actions create them)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from actors.social.muting import silenced_for
from storage.models import ACCEPTED, NOTIFICATION_TYPES, Actor, Follow, Notification


async def notify(session: AsyncSession, recipient: Actor, type_: str, from_actor: Actor,
                 status_id: int | None = None) -> Notification | None:
    """Notify a local account once per (type, actor, status); None for remote recipients."""
    if recipient.domain is not None or recipient.id == from_actor.id:
        return None
    if type_ not in NOTIFICATION_TYPES:
        raise ValueError(f"unknown notification type {type_!r}")
    if not type_.startswith("admin.") and await silenced_for(session, recipient, from_actor, type_,
                                                              status_id):
        return None
    if from_actor.silenced_at is not None and not type_.startswith("admin.") and not await _follows(
            session, recipient.id, from_actor.id):
        return None  # a limited account reaches only its followers (Mastodon's limit)
    existing = await session.scalar(select(Notification).where(
        Notification.recipient_id == recipient.id, Notification.type == type_,
        Notification.from_actor_id == from_actor.id,
        Notification.status_id.is_(None) if status_id is None else Notification.status_id == status_id))
    if existing is not None:
        return existing
    notification = Notification(recipient_id=recipient.id, type=type_, from_actor_id=from_actor.id,
                                status_id=status_id)
    session.add(notification)
    await session.flush()
    return notification


async def _follows(session: AsyncSession, follower_id: int, followee_id: int) -> bool:
    return await session.scalar(select(Follow.id).where(
        Follow.follower_id == follower_id, Follow.followee_id == followee_id, Follow.state == ACCEPTED)
    ) is not None
