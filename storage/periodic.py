"""Jobs that run again and again (maintenance): each run queues its successor.

`ensure_scheduled` (called when a worker starts) queues a first run if no job of the kind is
waiting; `schedule_next` (called by the job itself, in its last transaction) queues the next
unless another is already waiting, so racing starts never leave two loops running for good.
"""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage import queue
from storage.models import QUEUED, Job


async def _waiting(session: AsyncSession, kind: str, *, besides: int | None = None) -> int:
    query = select(func.count()).select_from(Job).where(Job.kind == kind, Job.state == QUEUED)
    if besides is not None:
        query = query.where(Job.id != besides)
    return int(await session.scalar(query) or 0)


async def ensure_scheduled(sessions: async_sessionmaker[AsyncSession], kind: str, *,
                           delay_seconds: float = 0) -> bool:
    """Queue a run of `kind` unless one is waiting; True if one was queued."""
    async with sessions() as session, session.begin():
        if await _waiting(session, kind):
            return False
        await queue.enqueue(session, kind, {}, delay_seconds=delay_seconds)
        return True


async def schedule_next(session: AsyncSession, kind: str, *, current_job: int, every_seconds: float) -> None:
    """Queue the next run of `kind` in `every_seconds`, unless another run is already waiting."""
    if not await _waiting(session, kind, besides=current_job):
        await queue.enqueue(session, kind, {}, delay_seconds=every_seconds)
