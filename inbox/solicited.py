"""Is an incoming post or boost wanted here? The one rule, as Mastodon's.

A post (Create) is kept when a local account follows (or asked to follow) its author, when
it addresses or mentions a local account, or when it replies to a local post or to a stored
post whose author someone here follows. A boost (Announce) is kept when its booster is
followed, or when it boosts a local post. Anything else is dropped at the inbox, after the
signature and before anything is stored or fetched: strangers cannot fill the database and
the public timelines. It costs a few indexed reads and no network.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import exists, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from federation.urls import is_local
from federation.vocab import addressed, id_of, tags
from storage.models import Actor, Follow, Status

CHECKED = frozenset({"Create", "Announce"})
MAX_CHECKED_URIS = 100


async def is_solicited(session: AsyncSession, domain: str, activity: dict[str, Any]) -> bool:
    """Is this Create or Announce wanted here (`domain`: this server's)? Other kinds always are."""
    kind, actor_uri = activity.get("type"), id_of(activity.get("actor"))
    if kind not in CHECKED or not actor_uri:
        return True
    if await _followed(session, actor_uri):
        return True
    obj = activity.get("object")
    if kind == "Announce":
        boosted = id_of(obj)
        return boosted is not None and is_local(boosted, domain)
    if not isinstance(obj, dict):
        return False  # named by id only: knowing more would take a fetch
    return await _addresses_local(session, domain, activity, obj) or await _replies_here(session, domain, obj)


async def _followed(session: AsyncSession, actor_uri: str) -> bool:
    """Does a local account follow `actor_uri`, or ask to?"""
    followee, follower = aliased(Actor), aliased(Actor)
    return await session.scalar(
        select(Follow.id).join(followee, followee.id == Follow.followee_id)
        .join(follower, follower.id == Follow.follower_id)
        .where(followee.uri == actor_uri, follower.domain.is_(None)).limit(1)) is not None


async def _addresses_local(session: AsyncSession, domain: str, activity: dict[str, Any],
                           obj: dict[str, Any]) -> bool:
    named = addressed(activity) | addressed(obj)
    named.update(uri for tag in tags(obj) if tag.get("type") == "Mention" and (uri := id_of(tag.get("href"))))
    local = [uri for uri in named if is_local(uri, domain)][:MAX_CHECKED_URIS]
    if not local:
        return False
    return bool(await session.scalar(select(exists().where(Actor.uri.in_(local), Actor.domain.is_(None)))))


async def _replies_here(session: AsyncSession, domain: str, obj: dict[str, Any]) -> bool:
    parent_uri = id_of(obj.get("inReplyTo"))
    if not parent_uri:
        return False
    parent = await session.scalar(select(Status).where(Status.uri == parent_uri))
    if parent is None:
        return False
    if parent.local or is_local(parent_uri, domain):
        return True
    parent_author = await session.scalar(select(Actor.uri).where(Actor.id == parent.actor_id))
    return parent_author is not None and await _followed(session, parent_author)
