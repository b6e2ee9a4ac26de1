"""Who may see a status: the one rule used by the API, web pages, federation GETs and fan-out."""

from __future__ import annotations

from sqlalchemy import exists, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import ACCEPTED, Block, Follow, Mention, Status


async def can_see(session: AsyncSession, viewer_id: int | None, status: Status, *,
                  viewer_is_local: bool = True) -> bool:
    """May the actor `viewer_id` (None: anonymous) see `status`?

    Local-only statuses are never shown to remote actors; blocked viewers see nothing of the
    author's; followers-only needs an accepted follow; direct needs a mention.
    """
    if status.local_only and not viewer_is_local:
        return False
    if viewer_id == status.actor_id:
        return True
    if viewer_id is not None and await _blocked_by_author(session, status.actor_id, viewer_id):
        return False
    if status.visibility in ("public", "unlisted"):
        return True
    if viewer_id is None:
        return False
    if await _mentioned(session, status.id, viewer_id):
        return True
    if status.visibility == "private":
        return await _follows(session, viewer_id, status.actor_id)
    return False


async def _blocked_by_author(session: AsyncSession, author_id: int, viewer_id: int) -> bool:
    return bool(await session.scalar(select(exists().where(
        Block.actor_id == author_id, Block.target_id == viewer_id))))


async def _mentioned(session: AsyncSession, status_id: int, actor_id: int) -> bool:
    return bool(await session.scalar(select(exists().where(
        Mention.status_id == status_id, Mention.actor_id == actor_id))))


async def _follows(session: AsyncSession, follower_id: int, followee_id: int) -> bool:
    return bool(await session.scalar(select(exists().where(
        Follow.follower_id == follower_id, Follow.followee_id == followee_id, Follow.state == ACCEPTED))))
