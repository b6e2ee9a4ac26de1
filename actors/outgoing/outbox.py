"""Sending activities: store the rendered activity once, enqueue one delivery per inbox.

Everything here runs inside the caller's transaction, so an activity and its deliveries
are committed together with the write that caused them (or not at all).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from federation.delivery.job import DELIVERY_KIND, DELIVERY_QUEUE
from storage import queue
from storage.models import Actor, OutboxActivity

__all__ = ["DELIVERY_KIND", "DELIVERY_QUEUE", "deliver", "inbox_of"]


async def deliver(session: AsyncSession, actor: Actor, activity: dict[str, Any],
                  inboxes: Iterable[str | None]) -> int:
    """Queue `activity` (signed later as `actor`) for each distinct inbox; returns how many.

    Idempotent per activity id: an activity already stored was queued in the transaction that
    stored it, so a job that runs again after a crash queues nothing twice.
    """
    targets = sorted({inbox for inbox in inboxes if inbox})
    if not targets:
        return 0
    uri = str(activity["id"])
    if await session.scalar(select(OutboxActivity.id).where(OutboxActivity.uri == uri)) is not None:
        return 0
    row = OutboxActivity(uri=uri, actor_id=actor.id, body=activity)
    session.add(row)
    await session.flush()
    return await queue.enqueue_many(
        session, DELIVERY_KIND, ({"activity_id": row.id, "inbox": inbox} for inbox in targets),
        queue=DELIVERY_QUEUE)


def inbox_of(actor: Actor, *, shared: bool = True) -> str | None:
    """Where to deliver to an actor: its server's shared inbox when it has one."""
    return (actor.shared_inbox_url if shared else None) or actor.inbox_url
