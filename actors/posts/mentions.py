"""Who `@user` and `@user@host` in a post are: resolved before the post is written.

`prepare` runs before the write transaction (it may ask remote servers through WebFinger,
each lookup under a timeout), and its answer is handed to `create_status`/`edit_status`,
which only look up in the database what `prepare` did not resolve. A mention nobody can
resolve stays plain text, as on Mastodon.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from sqlalchemy import and_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from actors.posts.compose import MentionTarget, mention_key, scan
from federation.client import FetchError
from federation.resolve import resolve_actor, webfinger
from federation.services import Services
from federation.urls import shown_url
from storage.domain_names import canonical_or_none
from storage.errors import AmityError
from storage.models import Actor

log = logging.getLogger("amity.mentions")

LOOKUP_TIMEOUT = 5.0  # seconds for one remote WebFinger + actor fetch
MAX_MENTIONS = 20  # distinct handles resolved per post; more stay plain text


@dataclass(frozen=True)
class PreparedMentions:
    """Mentions resolved ahead of the write, keyed by `mention_key` (`user` or `user@host`)."""

    targets: Mapping[str, MentionTarget] = field(default_factory=dict)


NOTHING = PreparedMentions()


def target_of(actor: Actor) -> MentionTarget:
    return MentionTarget(actor_id=actor.id, uri=actor.uri, url=shown_url(actor.url, actor.uri),
                         username=actor.username)


def handles_in(sources: Iterable[tuple[str, str]]) -> list[tuple[str, str | None]]:
    """Distinct (username, domain) pairs mentioned in (source, format) pairs, first MAX_MENTIONS."""
    found: dict[str, tuple[str, str | None]] = {}
    for source, fmt in sources:
        for username, domain in scan(source, fmt)[0]:
            found.setdefault(mention_key(username, domain), (username, domain))
    return list(found.values())[:MAX_MENTIONS]


async def known(session: AsyncSession, handles: Iterable[tuple[str, str | None]], local_domain: str
                ) -> dict[str, MentionTarget]:
    """The handles this node already knows, in one query (suspended accounts are not)."""
    conditions = []
    for username, written in handles:
        domain = canonical_or_none(written) if written else None
        if written and domain is None:
            continue  # not a domain: nobody to find
        if domain is None or domain == local_domain:
            conditions.append(and_(Actor.domain.is_(None), func.lower(Actor.username) == username.lower()))
        else:
            conditions.append(and_(Actor.domain == domain, func.lower(Actor.username) == username.lower()))
    if not conditions:
        return {}
    actors = (await session.scalars(
        select(Actor).where(or_(*conditions), Actor.suspended_at.is_(None)))).all()
    return {mention_key(a.username, a.domain): target_of(a) for a in actors}


async def prepare(services: Services, sources: Iterable[tuple[str, str]], *,
                  lookup_seconds: float = LOOKUP_TIMEOUT) -> PreparedMentions:
    """Resolve the mentions of the given (source, format) pairs: known accounts from the
    database, unknown remote ones through WebFinger (concurrently, each under `lookup_seconds`)."""
    handles = handles_in(sources)
    if not handles:
        return NOTHING
    async with services.sessions() as session:
        targets = await known(session, handles, services.domain)
    missing = [(u, d) for u, d in handles if d and mention_key(u, d) not in targets
               and canonical_or_none(d) != services.domain]
    found = await asyncio.gather(*(_remote(services, u, d, lookup_seconds) for u, d in missing))
    for (username, domain), target in zip(missing, found, strict=True):
        if target is not None:
            targets[mention_key(username, domain)] = target
    return PreparedMentions(targets)


async def _remote(services: Services, username: str, domain: str, seconds: float) -> MentionTarget | None:
    try:
        async with asyncio.timeout(seconds):
            uri = await webfinger(services, username, domain)
            actor = await resolve_actor(services, uri)
    except (TimeoutError, FetchError, AmityError) as exc:
        log.info("mention.unresolved", extra={"handle": f"{username}@{domain}", "reason": str(exc)[:200]})
        return None
    if actor.suspended_at is not None:
        return None
    return target_of(actor)


async def resolve_in_session(session: AsyncSession, handles: Iterable[tuple[str, str | None]],
                             prepared: PreparedMentions, local_domain: str) -> dict[str, MentionTarget]:
    """`prepared`'s targets plus what the database knows of the rest (no network)."""
    targets = dict(prepared.targets)
    rest = [(u, d) for u, d in handles if mention_key(u, d) not in targets]
    targets.update(await known(session, rest, local_domain))
    return targets
