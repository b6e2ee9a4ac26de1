"""Update: an edited post (the previous version is kept), or an actor's new profile."""

from __future__ import annotations

from typing import Any

from federation.resolve import parse_actor, resolve_actor, upsert_actor
from federation.vocab import id_of, parse_datetime
from inbox import fetch
from inbox.apply.post_parts import refresh_remote_poll
from inbox.apply.statuses import apply_edit, attributed_to, is_stale, parse_status, status_by_uri
from inbox.context import Incoming
from storage.errors import Invalid
from storage.models import utcnow
from storage.queries import actor_by_uri


async def update_status(ctx: Incoming, activity: dict[str, Any]) -> None:
    obj = activity.get("object")
    object_id = id_of(obj)
    if not object_id:
        raise Invalid("the Update has no object")
    if isinstance(obj, dict) and not ctx.forwarded:
        if attributed_to(obj) != ctx.actor_uri:
            raise Invalid("the object of this Update is not attributed to its actor")
        doc, author = obj, await fetch.actor(ctx.services, ctx.actor_uri)
    else:
        doc, author = await fetch.fetch_post(ctx.services, object_id)
    parsed = parse_status(doc, author)
    async with ctx.transaction() as session:
        status = await status_by_uri(session, parsed.uri)
        if status is None:
            return  # an edit of something never stored here
        if status.actor_id != author.id:
            raise Invalid(f"{parsed.uri} belongs to another actor")
        await apply_edit(session, status, parsed)
        await refresh_remote_poll(session, status, parsed.poll, updated=parsed.updated)


async def update_actor(ctx: Incoming, activity: dict[str, Any]) -> None:
    obj = activity.get("object")
    if id_of(obj) != ctx.actor_uri:
        raise Invalid("an actor may only update its own profile")
    if ctx.forwarded or not isinstance(obj, dict):
        await resolve_actor(ctx.services, ctx.actor_uri, refresh=True)
        await ctx.finish()
        return
    fields = parse_actor(obj, fetched_from=ctx.actor_uri)
    updated = parse_datetime(obj.get("updated"))
    async with ctx.transaction() as session:
        stored = await actor_by_uri(session, ctx.actor_uri, local=False)
        if stored is not None and is_stale(updated, stored.profile_updated_at):
            return  # an older profile than the one applied: Updates can arrive out of order
        actor = await upsert_actor(session, fields)
        if updated is not None:
            actor.profile_updated_at = min(updated, utcnow())
