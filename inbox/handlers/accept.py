"""Accept: a remote account accepted one of our Follow requests."""

from __future__ import annotations

from typing import Any

from actors.social.follows import follow_accepted
from inbox.context import Incoming
from inbox.lookup import follow_of
from storage.queries import actor_by_uri


async def handle(ctx: Incoming, activity: dict[str, Any]) -> None:
    async with ctx.transaction() as session:
        followee = await actor_by_uri(session, ctx.actor_uri, local=False)
        if followee is None:
            return
        row = await follow_of(session, activity.get("object"), followee=followee)
        if row is not None:
            await follow_accepted(session, row)
