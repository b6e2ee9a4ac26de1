"""Fetching from other servers, written once: actors, posts, ancestors, deletions, and what
search's `resolve=true` finds behind a URL. Never inside a transaction.

Objects come through `OutboundClient.fetch_object` (SSRF guard, size cap, the object's id on
the origin it was fetched from); a post must be attributed to an actor on its own origin.
Nothing local is ever fetched, and nothing from a refused domain.
"""

from __future__ import annotations

import logging
from typing import Any

from federation.client import FetchResult, RemoteError, origin
from federation.resolve import parse_actor, resolve_actor, upsert_actor
from federation.services import Services
from federation.urls import domain_of, is_local
from federation.vocab import ACTOR_TYPES, POST_TYPES, id_of, type_of
from inbox.apply.statuses import attributed_to, is_tombstoned, parse_status, status_by_uri, store_status
from storage.errors import AmityError, Invalid, NotFound
from storage.models import Actor, Status
from storage.queries import actor_by_uri, federation_refused

log = logging.getLogger("amity.inbox")

MAX_ANCESTORS = 3  # parents fetched above a reply whose parent is unknown


async def known_actor(services: Services, uri: str) -> Actor | None:
    async with services.sessions() as session:
        return await actor_by_uri(session, uri)


async def actor(services: Services, uri: str) -> Actor:
    """A local or cached actor, or a remote one fetched (and stored) now."""
    if is_local(uri, services.domain):
        found = await known_actor(services, uri)
        if found is None:
            raise NotFound(f"there is no local actor {uri}")
        return found
    return await resolve_actor(services, uri)


async def fetch_document(services: Services, uri: str) -> FetchResult[dict[str, Any]]:
    """An object fetched from its origin (whose id is on that origin), with where it came from."""
    if is_local(uri, services.domain):
        raise NotFound(f"{uri} is local and not stored here")
    async with services.sessions() as session:
        reason = await federation_refused(session, domain_of(uri))
    if reason:
        raise Invalid(reason)
    return await services.client.fetch_object(uri)


async def fetch_object(services: Services, uri: str) -> dict[str, Any]:
    """An object fetched from its origin (whose id is on that origin)."""
    return (await fetch_document(services, uri)).data


async def post_author(services: Services, doc: dict[str, Any], uri: str) -> Actor:
    """The author of the post `doc` fetched from `uri`: an actor on the post's own server
    (fetched too if unknown)."""
    if type_of(doc) not in POST_TYPES:
        raise Invalid(f"{uri} is a {type_of(doc)!r}, not a post")
    author_uri = attributed_to(doc)
    if not author_uri or origin(author_uri) != origin(str(id_of(doc))):
        raise Invalid(f"{uri} is not attributed to an actor on its own server")
    return await actor(services, author_uri)


async def fetch_post(services: Services, uri: str) -> tuple[dict[str, Any], Actor]:
    """A post fetched from its origin, and its author (fetched too if unknown)."""
    doc = await fetch_object(services, uri)
    return doc, await post_author(services, doc, uri)


async def fetch_and_store(services: Services, uri: str) -> Actor | Status | None:
    """The account or post at `uri`, fetched from its origin and stored (search's `resolve`).

    An actor is cached as any remote actor; a post is stored as a post reached by a link (no
    notifications, no home timelines), and is None if its author deleted it here before.
    """
    result = await fetch_document(services, uri)
    doc, kind = result.data, type_of(result.data)
    if kind in ACTOR_TYPES:
        fields = parse_actor(doc, fetched_from=str(result.final_url))
        async with services.sessions() as session, session.begin():
            return await upsert_actor(session, fields)
    if kind in POST_TYPES:
        author = await post_author(services, doc, uri)
        parsed = parse_status(doc, author)
        async with services.sessions() as session, session.begin():
            return await store_status(session, parsed, author, announce=False)
    raise Invalid(f"{uri} is a {kind!r}, neither an account nor a post")


async def ancestors(services: Services, uri: str | None, *, below: str, limit: int = MAX_ANCESTORS
                    ) -> list[tuple[dict[str, Any], Actor]]:
    """The unknown parents above the reply `below`, nearest first, at most `limit` of them.

    A parent that cannot be fetched ends the climb: the reply is stored anyway and keeps
    `in_reply_to_uri`, and is attached to its parent if that arrives later. A chain that
    comes back to a post already met (replies in a circle) ends there.
    """
    chain: list[tuple[dict[str, Any], Actor]] = []
    seen: set[str] = {below}
    while uri and uri not in seen and len(chain) < limit and not is_local(uri, services.domain):
        seen.add(uri)
        async with services.sessions() as session:
            if await status_by_uri(session, uri) is not None or await is_tombstoned(session, uri):
                break
        try:
            doc, author = await fetch_post(services, uri)
        except AmityError as exc:
            log.info("inbox.parent_not_fetched", extra={"uri": uri, "reason": str(exc)})
            break
        chain.append((doc, author))
        uri = id_of(doc.get("inReplyTo"))
    return chain


async def deletion_confirmed(services: Services, uri: str, *, visibility: str) -> bool:
    """Does the origin confirm that `uri`, stored here with `visibility`, was deleted?

    A 410 or a Tombstone does. A 404 does only for a public or unlisted post: servers answer
    404 to us for followers-only and direct posts that still exist.
    """
    try:
        doc = await fetch_object(services, uri)
    except RemoteError as exc:
        if exc.status == 410 or (exc.status == 404 and visibility in ("public", "unlisted")):
            return True
        if exc.status == 404:
            return False
        raise
    return type_of(doc) == "Tombstone"
