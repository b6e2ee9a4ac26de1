"""Undos that arrive before what they undo (Follow, Like, Announce, Block).

Deliveries are not ordered: an Undo can overtake its activity. An Undo that finds nothing to
undo is remembered for `UNDO_MEMORY`, keyed by the undone id *and* the Undo's actor, so the
late activity is dropped (the `undone_early` policy) and nobody else's activity ever is. The
inbox maintenance job forgets expired entries.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, exists, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import UndoneActivity, utcnow

UNDO_MEMORY = timedelta(hours=6)  # as Mastodon's "delete upon arrival"
UNDOABLE = frozenset({"Follow", "Like", "Announce", "Block"})


async def remember_undone(session: AsyncSession, uri: str | None, actor_uri: str) -> None:
    if uri and not await was_undone(session, uri, actor_uri):
        session.add(UndoneActivity(uri=uri, actor_uri=actor_uri, expires_at=utcnow() + UNDO_MEMORY))


async def was_undone(session: AsyncSession, uri: str, actor_uri: str) -> bool:
    """Did `actor_uri` undo the activity `uri` before it arrived (and recently enough)?"""
    return bool(await session.scalar(select(exists().where(
        UndoneActivity.uri == uri, UndoneActivity.actor_uri == actor_uri,
        UndoneActivity.expires_at > utcnow()))))


async def forget_expired(session: AsyncSession, now: datetime) -> int:
    result = await session.execute(delete(UndoneActivity).where(UndoneActivity.expires_at <= now))
    return int(getattr(result, "rowcount", 0) or 0)
