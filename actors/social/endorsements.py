"""Accounts a member features on their profile (Mastodon's endorsements, `accounts/:id/pin`).

Only an account the member follows may be endorsed, as Mastodon; an endorsement stays when the
follow ends (Mastodon keeps it too), and is gone with either account.
"""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.errors import Invalid
from storage.models import ACCEPTED, Endorsement, Follow
from storage.models.base import new_id


async def endorse(session: AsyncSession, actor_id: int, target_id: int) -> None:
    """Idempotent; the member must follow the account."""
    following = await session.scalar(select(Follow.id).where(
        Follow.follower_id == actor_id, Follow.followee_id == target_id, Follow.state == ACCEPTED))
    if following is None:
        raise Invalid("Validation failed: You must be already following the person you want to endorse")
    found = await session.scalar(select(Endorsement.id).where(Endorsement.actor_id == actor_id,
                                                              Endorsement.target_id == target_id))
    if found is None:
        session.add(Endorsement(id=new_id(), actor_id=actor_id, target_id=target_id))
        await session.flush()


async def unendorse(session: AsyncSession, actor_id: int, target_id: int) -> None:
    await session.execute(delete(Endorsement).where(Endorsement.actor_id == actor_id,
                                                    Endorsement.target_id == target_id))


async def endorsed_among(session: AsyncSession, actor_id: int, target_ids: Collection[int]) -> set[int]:
    """Which of these accounts the member endorses (the Relationship's `endorsed`)."""
    if not target_ids:
        return set()
    return set((await session.scalars(select(Endorsement.target_id).where(
        Endorsement.actor_id == actor_id, Endorsement.target_id.in_(list(target_ids))))).all())
