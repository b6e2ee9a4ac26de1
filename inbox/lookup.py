"""Finding the rows an activity refers to (by id, or by what its embedded object says)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from actors.social.follows import find_follow, follow_by_uri
from federation.vocab import id_of, type_of
from storage.models import Actor, Follow
from storage.queries import actor_by_uri


async def follow_of(session: AsyncSession, obj: Any, *, follower: Actor | None = None,
                    followee: Actor | None = None) -> Follow | None:
    """The Follow that `obj` (an id, or an embedded Follow) means, between these actors.

    Found by the Follow's id first; an embedded Follow without a known id is matched by its
    (actor, object). The result always involves the given follower and/or followee.
    """
    uri = id_of(obj)
    if uri:
        row = await follow_by_uri(session, uri)
        if row is not None and _involves(row, follower, followee):
            return row
    if not isinstance(obj, dict) or type_of(obj) != "Follow":
        return None
    follower = follower or await actor_by_uri(session, id_of(obj.get("actor")))
    followee = followee or await actor_by_uri(session, id_of(obj.get("object")))
    if follower is None or followee is None:
        return None
    if id_of(obj.get("actor")) != follower.uri or id_of(obj.get("object")) != followee.uri:
        return None
    return await find_follow(session, follower.id, followee.id)


def _involves(row: Follow, follower: Actor | None, followee: Actor | None) -> bool:
    return ((follower is None or row.follower_id == follower.id)
            and (followee is None or row.followee_id == followee.id))
