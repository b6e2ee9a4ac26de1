"""Move: a remote account moved to a new one. Checked against the new account's alsoKnownAs
(fetched fresh); then each local follower unfollows the old account and follows the new.

One Move per account is accepted per `MOVE_COOLDOWN` (as Mastodon lets an account move once
per 30 days): otherwise a hijacked or hostile account could bounce its followers from one
account to another at will. A Move within the cooldown is ignored (logged), before anything
is fetched."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from sqlalchemy import select

from actors.reading.notifications import notify
from actors.social.follows import follow, unfollow
from federation.resolve import resolve_actor
from federation.vocab import id_of
from inbox import fetch
from inbox.context import Incoming
from storage.errors import Forbidden, Invalid
from storage.models import ACCEPTED, Actor, Follow, utcnow

log = logging.getLogger("amity.inbox")
MOVE_COOLDOWN = timedelta(days=30)


def _cooling_down(actor: Actor) -> bool:
    if actor.moved_at is None or utcnow() - actor.moved_at >= MOVE_COOLDOWN:
        return False
    reason = f"{actor.uri} already moved on {actor.moved_at:%Y-%m-%d}: one Move per {MOVE_COOLDOWN.days} days"
    log.info("inbox.move_ignored", extra={"actor": actor.uri, "reason": reason})
    return True


async def handle(ctx: Incoming, activity: dict[str, Any]) -> None:
    old_uri, new_uri = id_of(activity.get("object")), id_of(activity.get("target"))
    if old_uri != ctx.actor_uri:
        raise Invalid("an actor may only move itself")
    if not new_uri or new_uri == old_uri:
        raise Invalid("the Move has no target")
    old = await fetch.actor(ctx.services, old_uri)
    if _cooling_down(old):
        return
    new = (await fetch.actor(ctx.services, new_uri) if ctx.is_local(new_uri)
           else await resolve_actor(ctx.services, new_uri, refresh=True))
    if old_uri not in (new.also_known_as or []):
        raise Invalid(f"{new_uri} does not list {old_uri} in alsoKnownAs: the Move is not confirmed")
    async with ctx.transaction() as session:
        old_row, new_row = await session.get(Actor, old.id), await session.get(Actor, new.id)
        if old_row is None or new_row is None or _cooling_down(old_row):
            return
        old_row.moved_to_id, old_row.moved_at = new_row.id, utcnow()
        followers = (await session.scalars(
            select(Actor).join(Follow, Follow.follower_id == Actor.id)
            .where(Follow.followee_id == old_row.id, Follow.state == ACCEPTED, Actor.domain.is_(None))
        )).all()
        for follower in followers:
            await unfollow(session, follower, old_row, base_url=ctx.base_url)
            try:
                async with session.begin_nested():
                    await follow(session, follower, new_row, base_url=ctx.base_url)
            except (Forbidden, Invalid) as exc:  # a block in place, or the follower is the new account
                log.info("inbox.move_not_followed", extra={"follower": follower.uri, "reason": str(exc)})
            await notify(session, follower, "move", old_row)
