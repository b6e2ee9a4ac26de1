"""Move: a remote account moved to a new one. Checked against the new account's alsoKnownAs
(fetched fresh); then each local follower unfollows the old account and follows the new."""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy import select

from actors.follows import follow, unfollow
from actors.notifications import notify
from federation.resolve import resolve_actor
from federation.vocab import id_of
from inbox import fetch
from inbox.context import Incoming
from storage.errors import Forbidden, Invalid
from storage.models import ACCEPTED, Actor, Follow

log = logging.getLogger("amity.inbox")


async def handle(ctx: Incoming, activity: dict[str, Any]) -> None:
    old_uri, new_uri = id_of(activity.get("object")), id_of(activity.get("target"))
    if old_uri != ctx.actor_uri:
        raise Invalid("an actor may only move itself")
    if not new_uri or new_uri == old_uri:
        raise Invalid("the Move has no target")
    old = await fetch.actor(ctx, old_uri)
    new = (await fetch.actor(ctx, new_uri) if ctx.is_local(new_uri)
           else await resolve_actor(ctx.services, new_uri, refresh=True))
    if old_uri not in (new.also_known_as or []):
        raise Invalid(f"{new_uri} does not list {old_uri} in alsoKnownAs: the Move is not confirmed")
    async with ctx.transaction() as session:
        old_row, new_row = await session.get(Actor, old.id), await session.get(Actor, new.id)
        if old_row is None or new_row is None:
            return
        old_row.moved_to_id = new_row.id
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
