"""What handlers fetch from other servers: actors, posts, ancestors. Never inside a transaction.

Objects come through `OutboundClient.fetch_object` (SSRF guard, size cap, the object's id on
the origin it was fetched from); a post must be attributed to an actor on its own origin.
Nothing local is ever fetched, and nothing from a refused domain.
"""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy import select

from federation.client import RemoteError, origin
from federation.resolve import resolve_actor
from federation.urls import domain_of
from federation.vocab import POST_TYPES, id_of, type_of
from inbox.apply.statuses import attributed_to, is_tombstoned, status_by_uri
from inbox.context import Incoming
from storage.errors import AmityError, Invalid, NotFound
from storage.models import Actor
from storage.queries.domains import federation_refused

log = logging.getLogger("amity.inbox")

MAX_ANCESTORS = 3  # parents fetched above a reply whose parent is unknown


async def known_actor(ctx: Incoming, uri: str) -> Actor | None:
    async with ctx.services.sessions() as session:
        return await session.scalar(select(Actor).where(Actor.uri == uri))


async def actor(ctx: Incoming, uri: str) -> Actor:
    """A local or cached actor, or a remote one fetched (and stored) now."""
    if ctx.is_local(uri):
        found = await known_actor(ctx, uri)
        if found is None:
            raise NotFound(f"there is no local actor {uri}")
        return found
    return await resolve_actor(ctx.services, uri)


async def fetch_object(ctx: Incoming, uri: str) -> dict[str, Any]:
    """An object fetched from its origin (whose id is on that origin)."""
    if ctx.is_local(uri):
        raise NotFound(f"{uri} is local and not stored here")
    async with ctx.services.sessions() as session:
        reason = await federation_refused(session, domain_of(uri))
    if reason:
        raise Invalid(reason)
    return (await ctx.services.client.fetch_object(uri)).data


async def fetch_post(ctx: Incoming, uri: str) -> tuple[dict[str, Any], Actor]:
    """A post fetched from its origin, and its author (fetched too if unknown)."""
    doc = await fetch_object(ctx, uri)
    if type_of(doc) not in POST_TYPES:
        raise Invalid(f"{uri} is a {type_of(doc)!r}, not a post")
    author_uri = attributed_to(doc)
    if not author_uri or origin(author_uri) != origin(str(id_of(doc))):
        raise Invalid(f"{uri} is not attributed to an actor on its own server")
    return doc, await actor(ctx, author_uri)


async def ancestors(ctx: Incoming, uri: str | None, *, below: str, limit: int = MAX_ANCESTORS
                    ) -> list[tuple[dict[str, Any], Actor]]:
    """The unknown parents above the reply `below`, nearest first, at most `limit` of them.

    A parent that cannot be fetched ends the climb: the reply is stored anyway and keeps
    `in_reply_to_uri`, and is attached to its parent if that arrives later. A chain that
    comes back to a post already met (replies in a circle) ends there.
    """
    chain: list[tuple[dict[str, Any], Actor]] = []
    seen: set[str] = {below}
    while uri and uri not in seen and len(chain) < limit and not ctx.is_local(uri):
        seen.add(uri)
        async with ctx.services.sessions() as session:
            if await status_by_uri(session, uri) is not None or await is_tombstoned(session, uri):
                break
        try:
            doc, author = await fetch_post(ctx, uri)
        except AmityError as exc:
            log.info("inbox.parent_not_fetched", extra={"uri": uri, "reason": str(exc)})
            break
        chain.append((doc, author))
        uri = id_of(doc.get("inReplyTo"))
    return chain


async def deletion_confirmed(ctx: Incoming, uri: str, *, visibility: str) -> bool:
    """Does the origin confirm that `uri`, stored here with `visibility`, was deleted?

    A 410 or a Tombstone does. A 404 does only for a public or unlisted post: servers answer
    404 to us for followers-only and direct posts that still exist.
    """
    try:
        doc = await fetch_object(ctx, uri)
    except RemoteError as exc:
        if exc.status == 410 or (exc.status == 404 and visibility in ("public", "unlisted")):
            return True
        if exc.status == 404:
            return False
        raise
    return type_of(doc) == "Tombstone"
