"""Notifications for local accounts (the inbox and local actions create them)."""

from __future__ import annotations

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from actors.reading.notification_groups import group_key_for
from actors.social.muting import silenced_for
from storage.models import NOTIFICATION_TYPES, Actor, Notification, utcnow

# Types that a repeat of the same event brings back to the top (each edit is news), as Mastodon.
REPEATED = frozenset({"update"})


async def notify(session: AsyncSession, recipient: Actor, type_: str, from_actor: Actor,
                 status_id: int | None = None, *, report_id: int | None = None) -> Notification | None:
    """Notify a local account once per (type, actor, status); None for remote recipients."""
    if recipient.domain is not None or recipient.id == from_actor.id:
        return None
    if type_ not in NOTIFICATION_TYPES:
        raise ValueError(f"unknown notification type {type_!r}")
    if not type_.startswith("admin.") and await silenced_for(session, recipient, from_actor, type_,
                                                              status_id):
        return None
    same = (Notification.recipient_id == recipient.id, Notification.type == type_,
            Notification.from_actor_id == from_actor.id,
            Notification.status_id.is_(None) if status_id is None else Notification.status_id == status_id,
            Notification.report_id.is_(None) if report_id is None else Notification.report_id == report_id)
    if type_ in REPEATED:
        await session.execute(delete(Notification).where(*same).execution_options(synchronize_session=False))
    else:
        existing = await session.scalar(select(Notification).where(*same))
        if existing is not None:
            return existing
    now = utcnow()
    notification = Notification(recipient_id=recipient.id, type=type_, from_actor_id=from_actor.id,
                                status_id=status_id, report_id=report_id, created_at=now,
                                group_key=await group_key_for(session, recipient.id, type_, status_id, now))
    session.add(notification)
    await session.flush()
    return notification
