"""Follow: a remote actor asks to follow a local account (auto-Accept unless locked)."""

from __future__ import annotations

from typing import Any

from actors.social.follows import receive_follow
from federation.vocab import id_of
from inbox import fetch
from inbox.context import Incoming
from storage.errors import NotFound
from storage.queries import actor_by_uri


async def handle(ctx: Incoming, activity: dict[str, Any]) -> None:
    target_uri = id_of(activity.get("object"))
    if not target_uri or not ctx.is_local(target_uri):
        raise NotFound("the Follow's object is not an account on this server")
    follower = await fetch.actor(ctx.services, ctx.actor_uri)
    async with ctx.transaction() as session:
        target = await actor_by_uri(session, target_uri, local=True)
        if target is None:
            raise NotFound(f"there is no local account {target_uri}")
        await receive_follow(session, follower, target, ctx.activity_id, base_url=ctx.base_url)
