"""Block: a remote actor blocks a local account; follows between them end both ways."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from actors.social.follows import sever
from federation.vocab import id_of
from inbox import fetch
from inbox.context import Incoming
from storage.errors import NotFound
from storage.models import Block
from storage.queries import actor_by_uri


async def handle(ctx: Incoming, activity: dict[str, Any]) -> None:
    target_uri = id_of(activity.get("object"))
    if not target_uri or not ctx.is_local(target_uri):
        raise NotFound("the Block's object is not an account on this server")
    blocker = await fetch.actor(ctx.services, ctx.actor_uri)
    async with ctx.transaction() as session:
        target = await actor_by_uri(session, target_uri, local=True)
        if target is None:
            raise NotFound(f"there is no local account {target_uri}")
        existing = await session.scalar(select(Block).where(Block.actor_id == blocker.id,
                                                            Block.target_id == target.id))
        if existing is None:
            session.add(Block(actor_id=blocker.id, target_id=target.id, uri=ctx.activity_id))
        else:
            existing.uri = ctx.activity_id  # a repeated Block: its Undo will name the new id
        await sever(session, blocker, target)
