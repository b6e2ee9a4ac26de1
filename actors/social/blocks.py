"""A local account blocks (or unblocks) another account.

As Mastodon: a block ends follows and follow requests both ways, and a remote target's server
gets a `Block` activity (an `Undo` of it when the block is lifted), so it can hide the blocker's
posts from its member too. Both are idempotent; everything runs in the caller's transaction.
"""

from __future__ import annotations

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from actors.posts.interactions import require_local
from actors.social.follows import sever
from federation.delivery.job import deliver
from federation.render import activity
from federation.urls import activity_uri
from storage.errors import Invalid
from storage.models import Actor, Block, Notification
from storage.models.base import new_id


async def block(session: AsyncSession, actor: Actor, target: Actor, *, base_url: str) -> Block:
    """Block `target`; blocking again changes nothing (and sends nothing)."""
    require_local(actor)
    if target.id == actor.id:
        raise Invalid("you cannot block yourself")
    row = await session.scalar(select(Block).where(Block.actor_id == actor.id, Block.target_id == target.id))
    if row is not None:
        return row
    row = Block(actor_id=actor.id, target_id=target.id, uri=activity_uri(base_url, new_id()))
    session.add(row)
    await sever(session, actor, target)
    await session.execute(delete(Notification).where(  # a pending request disappears with the follow
        Notification.recipient_id == actor.id, Notification.from_actor_id == target.id,
        Notification.type == "follow_request"))
    await session.flush()
    if not target.is_local:
        doc = activity("Block", id=row.uri, actor=actor.uri, obj=target.uri, to=[target.uri])
        await deliver(session, actor, doc, [target.inbox_url])
    return row


async def unblock(session: AsyncSession, actor: Actor, target: Actor, *, base_url: str) -> bool:
    """Lift a block (a remote target's server gets an Undo); False if there was none."""
    require_local(actor)
    row = await session.scalar(select(Block).where(Block.actor_id == actor.id, Block.target_id == target.id))
    if row is None:
        return False
    await session.delete(row)
    await session.flush()
    if not target.is_local:
        blocked = {"id": row.uri, "type": "Block", "actor": actor.uri, "object": target.uri}
        doc = activity("Undo", id=activity_uri(base_url, new_id()), actor=actor.uri, obj=blocked,
                       to=[target.uri])
        await deliver(session, actor, doc, [target.inbox_url])
    return True
