"""A vote: `Create(Note)` with a `name`, `inReplyTo` one of our polls and no content.

It is counted, never stored as a post. It must come from its voter (signed by them, not
forwarded: a vote cannot be refetched) and be attributed to them.
"""

from __future__ import annotations

from typing import Any

from actors.posts.polls import poll_of
from federation.vocab import id_of, text
from inbox import fetch
from inbox.apply.post_parts import looks_like_vote, record_remote_vote
from inbox.apply.statuses import attributed_to, status_by_uri
from inbox.context import Incoming
from storage.errors import Invalid


async def is_vote(ctx: Incoming, obj: Any) -> bool:
    """Is this Create's object a vote on one of our polls?"""
    if not looks_like_vote(obj):
        return False
    target = id_of(obj.get("inReplyTo"))
    if target is None or not ctx.is_local(target):
        return False
    async with ctx.services.sessions() as session:
        status = await status_by_uri(session, target)
        return status is not None and await poll_of(session, status.id) is not None


async def handle(ctx: Incoming, activity: dict[str, Any]) -> None:
    obj = activity["object"]
    vote_uri = id_of(obj)
    if ctx.forwarded or attributed_to(obj) != ctx.actor_uri or not vote_uri:
        raise Invalid("a vote must come from its voter, with an id")
    voter = await fetch.actor(ctx.services, ctx.actor_uri)
    async with ctx.transaction() as session:
        status = await status_by_uri(session, str(id_of(obj.get("inReplyTo"))))
        if status is None:
            return  # deleted meanwhile
        await record_remote_vote(session, status, voter, name=text(obj, "name").strip(), uri=vote_uri)
