"""The `inbox.maintenance` job, hourly: processed inbox bodies older than the retention
setting (`inbox_retention_days`) are deleted, and early Undos past their time forgotten.

Rows go in batches, each in its own short transaction. A deleted item no longer makes a
repeat of its activity a no-op, but a repeat that old is refused anyway: its signature's
Date is far outside the window.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import delete, select

from federation.services import Services
from inbox.undone import forget_expired
from storage import settings
from storage.models import InboxItem, utcnow
from storage.periodic import schedule_next
from storage.worker import JobContext

MAINTENANCE_KIND = "inbox.maintenance"
EVERY_SECONDS = 3600.0
BATCH = 1000


async def run_maintenance(job: JobContext) -> None:
    services: Services = job.deps
    await prune_inbox_items(services)
    async with services.sessions() as session, session.begin():
        await forget_expired(session, utcnow())
        await schedule_next(session, MAINTENANCE_KIND, current_job=job.job.id, every_seconds=EVERY_SECONDS)


async def prune_inbox_items(services: Services) -> int:
    """Delete processed items received before the retention period; how many went."""
    async with services.sessions() as session:
        days = int(await settings.get(session, "inbox_retention_days"))
    cutoff = utcnow() - timedelta(days=days)
    total = 0
    while True:
        async with services.sessions() as session, session.begin():
            ids = list((await session.scalars(select(InboxItem.id).where(
                InboxItem.received_at < cutoff, InboxItem.processed_at.is_not(None)).limit(BATCH))).all())
            if ids:
                await session.execute(delete(InboxItem).where(InboxItem.id.in_(ids)))
        total += len(ids)
        if len(ids) < BATCH:
            return total
