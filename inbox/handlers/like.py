"""Like: a favourite of a post stored here (likes of unknown posts are ignored)."""

from __future__ import annotations

from typing import Any

from federation.vocab import id_of
from inbox import fetch
from inbox.apply.reactions import store_favourite
from inbox.apply.statuses import status_by_uri
from inbox.context import Incoming
from storage.errors import Invalid
from storage.models import Actor


async def handle(ctx: Incoming, activity: dict[str, Any]) -> None:
    object_id = id_of(activity.get("object"))
    if not object_id:
        raise Invalid("the Like has no object")
    async with ctx.services.sessions() as session:
        if await status_by_uri(session, object_id) is None:
            return
    liker = await fetch.actor(ctx.services, ctx.actor_uri)
    async with ctx.transaction() as session:
        status = await status_by_uri(session, object_id)
        author = await session.get(Actor, status.actor_id) if status is not None else None
        if status is None or author is None or status.reblog_of_id is not None:
            return
        await store_favourite(session, liker, status, uri=ctx.activity_id, author=author)
