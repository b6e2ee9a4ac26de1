"""An account's `Delete` of itself: sent when a suspended local account's data is deleted.

Signed with the account's own key (the actor row and its key stay, as Mastodon keeps a
deleted account's row), to every inbox the node knows: its followers' and every other
server's (Mastodon sends account deletions as widely), one delivery per distinct inbox.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from federation.delivery.job import deliver
from federation.render import activity
from federation.vocab import PUBLIC
from storage.models import Actor


def delete_actor(actor: Actor) -> dict[str, Any]:
    """Mastodon's shape: the object is the actor's id, addressed to the public."""
    return activity("Delete", id=f"{actor.uri}#delete", actor=actor.uri, obj=actor.uri, to=[PUBLIC])


async def known_inboxes(session: AsyncSession) -> list[str]:
    """One inbox per remote account the node knows (its server's shared inbox when it has one),
    suspended ones left out; deliveries to refused domains are dropped at send time."""
    inbox = func.coalesce(Actor.shared_inbox_url, Actor.inbox_url)
    rows = await session.scalars(select(inbox).where(
        Actor.domain.is_not(None), Actor.suspended_at.is_(None), inbox.is_not(None)).distinct())
    return [row for row in rows if row]


async def send_actor_delete(session: AsyncSession, actor: Actor) -> int:
    """Queue the `Delete` for every known inbox, in the caller's transaction; how many."""
    return await deliver(session, actor, delete_actor(actor), await known_inboxes(session))
