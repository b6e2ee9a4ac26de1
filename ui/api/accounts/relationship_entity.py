"""The Relationship entity between the member and many accounts, in five queries."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from actors.social.endorsements import endorsed_among
from actors.social.muting import live_mute
from actors.social.notes import notes_on
from storage.models import ACCEPTED, PENDING, Actor, Block, Follow, Mute, UserDomainBlock
from ui.api.entities import iso_datetime


async def relationships(session: AsyncSession, viewer_id: int, target_ids: Collection[int]
                        ) -> dict[int, dict[str, Any]]:
    targets = list(set(target_ids))
    if not targets:
        return {}
    follows = (await session.execute(select(Follow).where(or_(
        and_(Follow.follower_id == viewer_id, Follow.followee_id.in_(targets)),
        and_(Follow.followee_id == viewer_id, Follow.follower_id.in_(targets)))))).scalars().all()
    blocks = (await session.execute(select(Block.actor_id, Block.target_id).where(or_(
        and_(Block.actor_id == viewer_id, Block.target_id.in_(targets)),
        and_(Block.target_id == viewer_id, Block.actor_id.in_(targets)))))).all()
    mutes = {m.target_id: m for m in (await session.scalars(select(Mute).where(
        Mute.actor_id == viewer_id, Mute.target_id.in_(targets), live_mute()))).all()}
    hidden_domains = set((await session.scalars(
        select(Actor.id).join(UserDomainBlock, UserDomainBlock.domain == Actor.domain)
        .where(UserDomainBlock.actor_id == viewer_id, Actor.id.in_(targets)))).all())
    endorsed = await endorsed_among(session, viewer_id, targets)
    outgoing = {f.followee_id: f for f in follows if f.follower_id == viewer_id}
    incoming = {f.follower_id: f for f in follows if f.followee_id == viewer_id}
    blocking = {target for actor, target in blocks if actor == viewer_id}
    blocked_by = {actor for actor, target in blocks if target == viewer_id}
    notes = await notes_on(session, viewer_id, targets)
    result = {}
    for target in targets:
        mine, theirs, mute = outgoing.get(target), incoming.get(target), mutes.get(target)
        result[target] = {
            "id": str(target),
            "following": mine is not None and mine.state == ACCEPTED,
            "showing_reblogs": mine is not None and mine.show_reblogs,
            "notifying": mine is not None and mine.notify,
            "languages": mine.languages if mine is not None and mine.languages else None,  # None: all
            "followed_by": theirs is not None and theirs.state == ACCEPTED,
            "blocking": target in blocking,
            "blocked_by": target in blocked_by,
            "muting": mute is not None,
            "muting_notifications": mute is not None and mute.notifications,
            "muting_expires_at": iso_datetime(mute.expires_at) if mute and mute.expires_at else None,
            "requested": mine is not None and mine.state == PENDING,
            "requested_by": theirs is not None and theirs.state == PENDING,
            "domain_blocking": target in hidden_domains,
            "endorsed": target in endorsed,
            "note": notes.get(target, ""),
        }
    return result
