"""A member's own lists: bookmarks, pins, mutes, muted conversations, hidden domains.

All idempotent, as Mastodon's: doing one twice is one row, undoing what is not there is a
no-op. Only pins federate (the actor's `featured` collection, announced with `Add` and
`Remove` to followers); the rest stay on this node.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from actors.outgoing import activities
from actors.outgoing.fanout import enqueue_fanout
from actors.posts.interactions import require_local
from actors.reading.visibility import can_see
from actors.social.muting import thread_root
from storage.domain_names import InvalidDomain, normalize_domain_input
from storage.errors import Invalid, NotFound
from storage.models import (
    Actor,
    Bookmark,
    ConversationMute,
    Follow,
    Mute,
    Pin,
    Status,
    UserDomainBlock,
    utcnow,
)
from storage.models.base import new_id

MAX_PINS = 5  # Mastodon's limit
MAX_MUTE_SECONDS = 60 * 60 * 24 * 365


async def _insert_once(session: AsyncSession, row: object) -> None:
    """Add `row` unless its unique key is taken (a concurrent request did the same)."""
    try:
        async with session.begin_nested():
            session.add(row)
            await session.flush()
    except IntegrityError:
        pass


async def _visible(session: AsyncSession, actor: Actor, status: Status) -> None:
    if not await can_see(session, actor, status):
        raise NotFound("the status does not exist or is not visible")


# -- bookmarks -----------------------------------------------------------------------------

async def bookmark(session: AsyncSession, actor: Actor, status: Status) -> None:
    require_local(actor)
    await _visible(session, actor, status)
    exists = await session.scalar(select(Bookmark.id).where(Bookmark.actor_id == actor.id,
                                                            Bookmark.status_id == status.id))
    if exists is None:
        await _insert_once(session, Bookmark(actor_id=actor.id, status_id=status.id))


async def unbookmark(session: AsyncSession, actor: Actor, status: Status) -> None:
    await session.execute(delete(Bookmark).where(Bookmark.actor_id == actor.id,
                                                 Bookmark.status_id == status.id))


# -- pins ---------------------------------------------------------------------------------------

async def pin(session: AsyncSession, actor: Actor, status: Status) -> None:
    """Pin one's own post to one's profile (not a boost, not a direct message, at most MAX_PINS)."""
    require_local(actor)
    if status.actor_id != actor.id:
        raise Invalid("Validation failed: Someone else's post cannot be pinned")
    if status.reblog_of_id is not None:
        raise Invalid("Validation failed: A boost cannot be pinned")
    if status.visibility == "direct":
        raise Invalid("Validation failed: Posts that are only visible to mentioned users cannot be pinned")
    pinned = (await session.scalars(select(Pin.status_id).where(Pin.actor_id == actor.id))).all()
    if status.id in pinned:
        return
    if len(pinned) >= MAX_PINS:
        raise Invalid("Validation failed: You have already pinned the maximum number of posts")
    await _insert_once(session, Pin(actor_id=actor.id, status_id=status.id))
    await _announce_featured(session, actor, status, "Add")


async def unpin(session: AsyncSession, actor: Actor, status: Status) -> None:
    removed = await session.execute(delete(Pin).where(Pin.actor_id == actor.id, Pin.status_id == status.id))
    if getattr(removed, "rowcount", 0):
        await _announce_featured(session, actor, status, "Remove")


async def pinned_statuses(session: AsyncSession, actor: Actor) -> list[Status]:
    """The actor's pins, most recently pinned first."""
    rows = await session.scalars(select(Status).join(Pin, Pin.status_id == Status.id)
                                 .where(Pin.actor_id == actor.id).order_by(Pin.id.desc()))
    return list(rows.all())


async def _announce_featured(session: AsyncSession, actor: Actor, status: Status, kind: str) -> None:
    if status.local_only or status.visibility == "direct":
        return
    activity_id = f"{actor.uri}#{kind.lower()}s/{new_id()}"
    rendered = activities.featured_change(kind, status, actor, activity_id=activity_id)
    await enqueue_fanout(session, {"verb": "pin" if kind == "Add" else "unpin", "author_id": actor.id,
                                   "visibility": status.visibility, "local_only": False, "actor_ids": [],
                                   "activity": rendered})


# -- mutes ----------------------------------------------------------------------------------

async def mute(session: AsyncSession, actor: Actor, target: Actor, *, notifications: bool = True,
               duration_seconds: int = 0) -> Mute:
    """Hide `target` (0 seconds: for good); muting again updates the options, as Mastodon."""
    require_local(actor)
    if target.id == actor.id:
        raise Invalid("you cannot mute yourself")
    if not 0 <= duration_seconds <= MAX_MUTE_SECONDS:
        raise Invalid(f"a mute lasts between 0 (for good) and {MAX_MUTE_SECONDS} seconds")
    expires = utcnow() + timedelta(seconds=duration_seconds) if duration_seconds else None
    row = await session.scalar(select(Mute).where(Mute.actor_id == actor.id, Mute.target_id == target.id))
    if row is None:
        row = Mute(actor_id=actor.id, target_id=target.id)
        session.add(row)
    row.notifications, row.expires_at = notifications, expires
    await session.flush()
    return row


async def unmute(session: AsyncSession, actor: Actor, target: Actor) -> None:
    await session.execute(delete(Mute).where(Mute.actor_id == actor.id, Mute.target_id == target.id))


# -- conversations ----------------------------------------------------------------------------

async def mute_conversation(session: AsyncSession, actor: Actor, status: Status) -> None:
    require_local(actor)
    await _visible(session, actor, status)
    root = await thread_root(session, status)
    exists = await session.scalar(select(ConversationMute.id).where(
        ConversationMute.actor_id == actor.id, ConversationMute.status_id == root.id))
    if exists is None:
        await _insert_once(session, ConversationMute(actor_id=actor.id, status_id=root.id))


async def unmute_conversation(session: AsyncSession, actor: Actor, status: Status) -> None:
    root = await thread_root(session, status)
    await session.execute(delete(ConversationMute).where(ConversationMute.actor_id == actor.id,
                                                         ConversationMute.status_id == root.id))


# -- domains --------------------------------------------------------------------------------

async def block_domain(session: AsyncSession, actor: Actor, domain: str, *, local_domain: str) -> str:
    """Hide every account of `domain`; as Mastodon, their follows of `actor` are removed too."""
    require_local(actor)
    name = _typed_domain(domain)
    if name == local_domain:
        raise Invalid("you cannot hide your own server")
    exists = await session.scalar(select(UserDomainBlock.id).where(
        UserDomainBlock.actor_id == actor.id, UserDomainBlock.domain == name))
    if exists is None:
        await _insert_once(session, UserDomainBlock(actor_id=actor.id, domain=name))
    their_accounts = select(Actor.id).where(Actor.domain == name)
    await session.execute(delete(Follow).where(Follow.followee_id == actor.id,
                                               Follow.follower_id.in_(their_accounts)))
    return name


def _typed_domain(domain: str) -> str:
    try:
        return normalize_domain_input(domain)
    except InvalidDomain:
        raise Invalid(f"{domain[:100]!r} is not a domain name such as social.example.org") from None


async def unblock_domain(session: AsyncSession, actor: Actor, domain: str) -> None:
    name = _typed_domain(domain)
    await session.execute(delete(UserDomainBlock).where(UserDomainBlock.actor_id == actor.id,
                                                        UserDomainBlock.domain == name))
