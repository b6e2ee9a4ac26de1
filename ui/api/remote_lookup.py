"""What search's `resolve=true` finds behind an `https://…` URL: a known account or post, or
one fetched now from its origin through the federation layer (domain rules, the SSRF-guarded
client, which refuses an object whose id is not on the origin it came from). A fetched post
is stored as a post reached by a link (no notifications, no home timelines); its author is
resolved (and cached) as any remote actor. Failures are logged, never shown."""

from __future__ import annotations

import logging

from sqlalchemy import or_, select

from actors.receive import attributed_to, parse_status, store_status
from federation.client import FetchError, origin
from federation.resolve import parse_actor, resolve_actor, upsert_actor
from federation.services import Services
from federation.urls import domain_of, is_local
from federation.vocab import ACTOR_TYPES, POST_TYPES, id_of, type_of
from storage.errors import Invalid
from storage.models import Actor, Status
from storage.queries.domains import federation_refused

log = logging.getLogger("amity.api.search")


async def known(services: Services, url: str) -> Actor | Status | None:
    async with services.sessions() as session:
        status = await session.scalar(
            select(Status).where(or_(Status.uri == url, Status.url == url)).limit(1))
        if status is not None:
            return status
        return await session.scalar(select(Actor).where(or_(Actor.uri == url, Actor.url == url)).limit(1))


async def resolve_url(services: Services, url: str) -> Actor | Status | None:
    """The account or post at `url`, fetched if unknown; None if it is neither or unreachable."""
    try:
        found = await known(services, url)
        if found is not None or is_local(url, services.domain):
            return found
        async with services.sessions() as session:
            reason = await federation_refused(session, domain_of(url))
        if reason:
            raise Invalid(reason)
        result = await services.client.fetch_object(url)
        doc, kind = result.data, type_of(result.data)
        if kind in ACTOR_TYPES:
            fields = parse_actor(doc, fetched_from=str(result.final_url))
            async with services.sessions() as session, session.begin():
                return await upsert_actor(session, fields)
        if kind in POST_TYPES:
            author_uri = attributed_to(doc)
            if not author_uri or origin(author_uri) != origin(str(id_of(doc))):
                raise Invalid(f"{url} is not attributed to an actor on its own server")
            author = await resolve_actor(services, author_uri)
            parsed = parse_status(doc, author)
            async with services.sessions() as session, session.begin():
                return await store_status(session, parsed, author, announce=False)
        raise Invalid(f"{url} is a {kind!r}, neither an account nor a post")
    except (FetchError, Invalid) as error:
        log.info("search could not resolve %r: %s", url, error)
    return None
