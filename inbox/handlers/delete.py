"""Delete: a post goes (and its URI is tombstoned), or a whole actor's content does.

Signed by the post's author, it applies at once; one that arrives before its Create leaves a
tombstone keyed to its author, so that author's late Create is ignored. A relayed Delete
(signed by someone else) applies only to a post stored here, and only when the origin
confirms the deletion (`fetch.deletion_confirmed`); a relayed Delete of an unknown object
is ignored without fetching, and never leaves a tombstone. Signatures embedded in the
activity (LD signatures, FEP-8b32 proofs) are not verified, so they confirm nothing.
"""

from __future__ import annotations

from typing import Any

from actors.social.follows import sever_all
from federation.vocab import id_of
from inbox import fetch
from inbox.apply.reactions import delete_actor_content, delete_status
from inbox.apply.statuses import status_by_uri, tombstone
from inbox.context import Incoming
from storage.errors import Invalid
from storage.queries import actor_by_uri


async def handle(ctx: Incoming, activity: dict[str, Any]) -> None:
    object_id = id_of(activity.get("object"))
    if not object_id:
        raise Invalid("the Delete has no object")
    if object_id == ctx.actor_uri:
        await _delete_actor(ctx)
        return
    if ctx.forwarded:
        await _check_relayed(ctx, object_id)
    async with ctx.transaction() as session:
        status = await status_by_uri(session, object_id)
        if status is not None:
            author = await actor_by_uri(session, ctx.actor_uri)
            if author is None or status.actor_id != author.id:
                raise Invalid(f"{object_id} belongs to another actor")
            await delete_status(session, status)
        elif ctx.forwarded:
            return  # deleted meanwhile: the author's own Delete left its tombstone
        await tombstone(session, object_id, ctx.actor_uri, owner=status is not None)


async def _check_relayed(ctx: Incoming, object_id: str) -> None:
    """A relayed Delete applies only to a post stored here, once its origin confirms it."""
    async with ctx.services.sessions() as session:
        status = await status_by_uri(session, object_id)
        author = await actor_by_uri(session, ctx.actor_uri)
    if status is None:
        raise Invalid(f"{object_id} is not stored here: a relayed Delete of it is ignored")
    if author is None or status.actor_id != author.id:
        raise Invalid(f"{object_id} belongs to another actor")
    if not await fetch.deletion_confirmed(ctx.services, object_id, visibility=status.visibility):
        raise Invalid(f"the origin of {object_id} does not confirm its deletion: the relayed Delete "
                      "is not applied (signatures embedded in the activity are not checked)")


async def _delete_actor(ctx: Incoming) -> None:
    if ctx.forwarded:
        raise Invalid("an actor's deletion is accepted only when signed by the actor")
    async with ctx.transaction() as session:
        actor = await actor_by_uri(session, ctx.actor_uri, local=False)
        if actor is not None:
            await delete_actor_content(session, actor)
            await sever_all(session, actor)
        await tombstone(session, ctx.actor_uri, ctx.actor_uri)
