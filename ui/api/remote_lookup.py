"""What search's `resolve=true` finds behind an `https://…` URL: a known account or post, or
one fetched now from its origin by `inbox.fetch.fetch_and_store` (domain rules, the
SSRF-guarded client, which refuses an object whose id is not on the origin it came from). A
fetched post is stored as a post reached by a link (no notifications, no home timelines); its
author is resolved (and cached) as any remote actor. Failures are logged, never shown."""

from __future__ import annotations

import logging

from sqlalchemy import ColumnElement, and_, or_, select

from federation.client import FetchError
from federation.services import Services
from federation.urls import domain_of, is_local
from inbox.fetch import fetch_and_store
from storage.errors import Invalid, NotFound
from storage.models import Actor, Status
from storage.queries import actor_by_uri

log = logging.getLogger("amity.api.search")


def actor_at(url: str, local_domain: str) -> ColumnElement[bool]:
    """Actors whose id is `url`, or whose page is `url` on the actor's own host: an actor on
    evil.example whose `url` claims `https://victim.example/@alice` never matches."""
    host = domain_of(url)
    own_host = Actor.domain.is_(None) if host == local_domain else Actor.domain == host
    return or_(Actor.uri == url, and_(Actor.url == url, own_host))


async def known(services: Services, url: str) -> Actor | Status | None:
    """The post or account `url` names: by id first, then by page (on the object's own host)."""
    async with services.sessions() as session:
        by_id: Actor | Status | None = await session.scalar(select(Status).where(Status.uri == url))
        by_id = by_id or await actor_by_uri(session, url)
        if by_id is not None:
            return by_id
        pages = (await session.scalars(select(Status).where(Status.url == url).limit(8))).all()
        status = next((s for s in pages if domain_of(s.uri) == domain_of(url)), None)
        return status or await session.scalar(
            select(Actor).where(actor_at(url, services.domain)).limit(1))


async def resolve_url(services: Services, url: str) -> Actor | Status | None:
    """The account or post at `url`, fetched if unknown; None if it is neither or unreachable."""
    try:
        found = await known(services, url)
        if found is not None or is_local(url, services.domain):
            return found
        return await fetch_and_store(services, url)
    except (FetchError, Invalid, NotFound) as error:
        log.info("search could not resolve %r: %s", url, error)
    return None
