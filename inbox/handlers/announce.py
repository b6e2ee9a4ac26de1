"""Announce: a boost. The boosted post is taken from the database or fetched from its origin
(the embedded copy is never believed); only public and unlisted posts can be boosted."""

from __future__ import annotations

from typing import Any

from federation.vocab import id_of
from inbox import fetch
from inbox.apply.reactions import store_boost
from inbox.apply.statuses import (
    is_tombstoned,
    parse_datetime,
    parse_status,
    status_by_uri,
    store_status,
    visibility_of,
)
from inbox.context import Incoming
from storage.errors import Invalid
from storage.models import Actor


async def handle(ctx: Incoming, activity: dict[str, Any]) -> None:
    object_id = id_of(activity.get("object"))
    if not object_id:
        raise Invalid("the Announce has no object")
    async with ctx.services.sessions() as session:
        if await status_by_uri(session, ctx.activity_id) or await is_tombstoned(
                session, ctx.activity_id, author_uri=ctx.actor_uri):
            return
        known = await status_by_uri(session, object_id)
    if known is None and ctx.is_local(object_id):
        return  # a boost of a local post we do not have (deleted): nothing to show
    booster = await fetch.actor(ctx.services, ctx.actor_uri)
    fetched = None if known is not None else await fetch.fetch_post(ctx.services, object_id)
    async with ctx.transaction() as session:
        if fetched is not None:
            doc, author = fetched
            original = await store_status(session, parse_status(doc, author), author, announce=False)
        else:
            original = await status_by_uri(session, object_id)
        if original is None:
            return
        original_author = await session.get(Actor, original.actor_id)
        if original_author is None:
            return
        await store_boost(session, booster, original, uri=ctx.activity_id,
                          visibility=visibility_of(activity, booster),
                          published=parse_datetime(activity.get("published")),
                          original_author=original_author)
