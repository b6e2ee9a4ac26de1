"""Delete: a post goes (and its URI is tombstoned), or a whole actor's content does.

A Delete that arrives before its Create still leaves the tombstone, so the late Create is
ignored. A forwarded Delete is applied only if the origin confirms the object is gone.
"""

from __future__ import annotations

from typing import Any

from actors.follows import sever_all
from actors.receive import status_by_uri, tombstone
from actors.receive_reactions import delete_actor_content, delete_status
from federation.vocab import id_of
from inbox import fetch
from inbox.context import Incoming
from inbox.lookup import actor_by_uri
from storage.errors import Invalid


async def handle(ctx: Incoming, activity: dict[str, Any]) -> None:
    object_id = id_of(activity.get("object"))
    if not object_id:
        raise Invalid("the Delete has no object")
    if object_id == ctx.actor_uri:
        await _delete_actor(ctx)
        return
    if ctx.forwarded and not await fetch.is_gone(ctx, object_id):
        raise Invalid(f"{object_id} still exists at its origin: the forwarded Delete is not applied")
    async with ctx.transaction() as session:
        status = await status_by_uri(session, object_id)
        if status is not None:
            author = await actor_by_uri(session, ctx.actor_uri)
            if author is None or status.actor_id != author.id:
                raise Invalid(f"{object_id} belongs to another actor")
            await delete_status(session, status)
        await tombstone(session, object_id, ctx.actor_uri)


async def _delete_actor(ctx: Incoming) -> None:
    if ctx.forwarded:
        raise Invalid("an actor's deletion is accepted only when signed by the actor")
    async with ctx.transaction() as session:
        actor = await actor_by_uri(session, ctx.actor_uri, local=False)
        if actor is not None:
            await delete_actor_content(session, actor)
            await sever_all(session, actor)
        await tombstone(session, ctx.actor_uri, ctx.actor_uri)
