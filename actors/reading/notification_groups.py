"""Mastodon's group keys for notifications (grouped notifications, API v2).

Favourites and boosts of one status, follows, and sign-ups are grouped: notifications of one
such kind share a key while they arrive within `MAX_GROUP_SPAN_HOURS` of the group's first
hour, as Mastodon 4.3 does (`type[-status id]-hour bucket`). Every other notification is a
group of its own, shown as `ungrouped-{id}`.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Notification

GROUPABLE = frozenset({"favourite", "reblog", "follow", "admin.sign_up"})
MAX_GROUP_SPAN_HOURS = 12
UNGROUPED = "ungrouped-"


def shown_key(notification: Notification) -> str:
    """The key the API shows (ungrouped rows get one of their own)."""
    return notification.group_key or f"{UNGROUPED}{notification.id}"


def _prefix(type_: str, status_id: int | None) -> str:
    return f"{type_}-{status_id}" if type_ in ("favourite", "reblog") else type_


async def group_key_for(session: AsyncSession, recipient_id: int, type_: str, status_id: int | None,
                        when: datetime) -> str | None:
    """The key of a new notification: the bucket of the group's latest notification while the
    new one is within the span, else the new one's own hour."""
    if type_ not in GROUPABLE:
        return None
    prefix = _prefix(type_, status_id)
    bucket = int(when.timestamp()) // 3600
    latest = await session.scalar(
        select(Notification.group_key).where(
            Notification.recipient_id == recipient_id,
            Notification.group_key > f"{prefix}-", Notification.group_key < f"{prefix}.")  # '.' follows '-'
        .order_by(Notification.id.desc()).limit(1))
    if latest is not None:
        previous = latest.rsplit("-", 1)[-1]
        if previous.isdigit() and bucket < int(previous) + MAX_GROUP_SPAN_HOURS:
            bucket = int(previous)
    return f"{prefix}-{bucket}"
