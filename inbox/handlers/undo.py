"""Undo: a remote actor takes back a Follow, Like, Announce or Block.

The undone activity is found by its id, or (when embedded without a known id) by what it
says; either way it must be the Undo actor's own. An Undo that finds nothing is remembered
for a while (`inbox.undone`): its activity may still be on the way.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from actors.social.follows import follow_undone
from federation.vocab import id_of
from inbox.apply.reactions import delete_status, find_boost, find_favourite, remove_favourite
from inbox.context import Incoming
from inbox.lookup import follow_of
from inbox.undone import remember_undone
from storage.errors import Invalid
from storage.models import Actor, Block
from storage.queries import actor_by_uri


def _undone(ctx: Incoming, activity: dict[str, Any]) -> tuple[Any, str | None]:
    obj = activity.get("object")
    if isinstance(obj, dict) and id_of(obj.get("actor")) not in (None, ctx.actor_uri):
        raise Invalid("an Undo may only undo its actor's own activity")
    return obj, id_of(obj)


async def _actor(session: AsyncSession, ctx: Incoming) -> Actor | None:
    return await actor_by_uri(session, ctx.actor_uri, local=False)


async def undo_follow(ctx: Incoming, activity: dict[str, Any]) -> None:
    obj, uri = _undone(ctx, activity)
    async with ctx.transaction() as session:
        follower = await _actor(session, ctx)
        row = await follow_of(session, obj, follower=follower) if follower else None
        if row is not None:
            await follow_undone(session, row)
        else:
            await remember_undone(session, uri, ctx.actor_uri)


async def undo_like(ctx: Incoming, activity: dict[str, Any]) -> None:
    obj, uri = _undone(ctx, activity)
    target = id_of(obj.get("object")) if isinstance(obj, dict) else None
    async with ctx.transaction() as session:
        actor = await _actor(session, ctx)
        favourite = await find_favourite(session, actor, uri=uri, status_uri=target) if actor else None
        if favourite is not None:
            await remove_favourite(session, favourite)
        else:
            await remember_undone(session, uri, ctx.actor_uri)


async def undo_announce(ctx: Incoming, activity: dict[str, Any]) -> None:
    obj, uri = _undone(ctx, activity)
    target = id_of(obj.get("object")) if isinstance(obj, dict) else None
    async with ctx.transaction() as session:
        actor = await _actor(session, ctx)
        boost = await find_boost(session, actor, uri=uri, original_uri=target) if actor else None
        if boost is not None:
            await delete_status(session, boost)
        else:
            await remember_undone(session, uri, ctx.actor_uri)


async def undo_block(ctx: Incoming, activity: dict[str, Any]) -> None:
    obj, uri = _undone(ctx, activity)
    target_uri = id_of(obj.get("object")) if isinstance(obj, dict) else None
    async with ctx.transaction() as session:
        actor = await _actor(session, ctx)
        if actor is None or not await _remove_block(session, actor, uri, target_uri):
            await remember_undone(session, uri, ctx.actor_uri)


async def _remove_block(session: AsyncSession, actor: Actor, uri: str | None, target_uri: str | None) -> bool:
    block = await session.scalar(select(Block).where(Block.uri == uri, Block.actor_id == actor.id))
    if block is None and target_uri:
        target = await actor_by_uri(session, target_uri, local=True)
        if target is not None:
            block = await session.scalar(select(Block).where(Block.actor_id == actor.id,
                                                             Block.target_id == target.id))
    if block is None:
        return False
    await session.execute(delete(Block).where(Block.id == block.id))
    return True


async def undo_by_id(ctx: Incoming, activity: dict[str, Any]) -> None:
    """The undone activity is named by id only: look for it among everything undoable."""
    _, uri = _undone(ctx, activity)
    if not uri:
        raise Invalid("the Undo has no object")
    async with ctx.transaction() as session:
        actor = await _actor(session, ctx)
        if actor is None or not await _undo_any(session, actor, uri):
            await remember_undone(session, uri, ctx.actor_uri)


async def _undo_any(session: AsyncSession, actor: Actor, uri: str) -> bool:
    """Undo whichever of the actor's activities has this id; False if none has."""
    follow = await follow_of(session, uri, follower=actor)
    if follow is not None:
        await follow_undone(session, follow)
    favourite = await find_favourite(session, actor, uri=uri)
    if favourite is not None:
        await remove_favourite(session, favourite)
    boost = await find_boost(session, actor, uri=uri)
    if boost is not None:
        await delete_status(session, boost)
    blocked = await _remove_block(session, actor, uri, None)
    return blocked or any(row is not None for row in (follow, favourite, boost))
