"""What statuses carry besides their rows (hashtags, emoji, media, poll), loaded in bulk.

One query per kind of part for any number of statuses, never one per status: timelines,
outbox pages and fan-out all render many statuses at once.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from federation.render import PostParts
from storage.models import Poll


async def load_parts(session: AsyncSession, status_ids: Sequence[int]) -> dict[int, PostParts]:
    parts = {status_id: PostParts() for status_id in status_ids}
    if status_ids:
        for poll in (await session.scalars(select(Poll).where(Poll.status_id.in_(status_ids)))).all():
            parts[poll.status_id].poll = poll
    return parts
