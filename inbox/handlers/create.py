"""Create: a remote post (Note, Article, Question, Page) is stored, with its unknown parents.

The embedded object is used when its actor signed the request; a forwarded Create, or one
that only names its object, is refetched from the object's origin and stored as the origin
says. A URI that was deleted (even before its Create arrived) is never stored.
"""

from __future__ import annotations

from typing import Any

from federation.vocab import id_of
from inbox import fetch
from inbox.apply.statuses import attributed_to, is_tombstoned, parse_status, status_by_uri, store_status
from inbox.context import Incoming
from inbox.handlers import vote
from inbox.policies import is_solicited
from storage.errors import Invalid


async def handle(ctx: Incoming, activity: dict[str, Any]) -> None:
    obj = activity.get("object")
    object_id = id_of(obj)
    if not object_id:
        raise Invalid("the Create has no object")
    if await vote.is_vote(ctx, obj):
        await vote.handle(ctx, activity)
        return
    async with ctx.services.sessions() as session:
        if (await is_tombstoned(session, object_id, author_uri=ctx.actor_uri)
                or await status_by_uri(session, object_id)):
            return  # deleted already, or stored already: nothing to do
    if isinstance(obj, dict) and not ctx.forwarded:
        if attributed_to(obj) != ctx.actor_uri:
            raise Invalid("the object of this Create is not attributed to its actor")
        doc, author = obj, await fetch.actor(ctx.services, ctx.actor_uri)
    else:
        doc, author = await fetch.fetch_post(ctx.services, object_id)
        if author.uri != ctx.actor_uri:
            raise Invalid(f"{object_id} is attributed to {author.uri} at its origin, not to {ctx.actor_uri}")
        async with ctx.services.sessions() as session:  # the inbox judged the body; judge the origin's copy
            if not await is_solicited(session, ctx.services.domain, {**activity, "object": doc}):
                raise Invalid(f"{object_id} as its origin serves it concerns nobody here")
    parsed = parse_status(doc, author)
    parents = await fetch.ancestors(ctx.services, parsed.in_reply_to_uri, below=parsed.uri)
    async with ctx.transaction() as session:
        for parent_doc, parent_author in reversed(parents):
            await store_status(session, parse_status(parent_doc, parent_author), parent_author,
                               announce=False)
        await store_status(session, parsed, author)
