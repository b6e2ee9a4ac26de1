"""The follow relation of local accounts, in both directions.

Outgoing (a local account acts): `follow`, `unfollow`, `accept_follow_request`,
`reject_follow_request`, `remove_from_followers`. Incoming (the inbox calls these once it has
checked who sent what): `receive_follow`, `follow_accepted`, `follow_rejected`,
`follow_undone`, `sever`. Everything runs in the caller's transaction; activities for remote
actors are queued with `federation.delivery.job.deliver`, signed later as the local actor.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, exists, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from actors.reading.notifications import notify
from federation.delivery.job import deliver
from federation.render import activity
from federation.urls import activity_uri
from storage.errors import Forbidden, Invalid, NotFound
from storage.models import ACCEPTED, PENDING, Actor, Block, Follow, Notification
from storage.models.base import new_id


def follow_object(follow: Follow, follower: Actor, followee: Actor) -> dict[str, Any]:
    """The Follow activity as other activities (Accept, Reject, Undo) embed it."""
    return {"id": follow.uri, "type": "Follow", "actor": follower.uri, "object": followee.uri}


async def find_follow(session: AsyncSession, follower_id: int, followee_id: int) -> Follow | None:
    return await session.scalar(select(Follow).where(
        Follow.follower_id == follower_id, Follow.followee_id == followee_id))


async def blocked_either_way(session: AsyncSession, a: Actor, b: Actor) -> bool:
    return bool(await session.scalar(select(exists().where(or_(
        (Block.actor_id == a.id) & (Block.target_id == b.id),
        (Block.actor_id == b.id) & (Block.target_id == a.id),
    )))))


# --- a local account acts --------------------------------------------------------------------

async def follow(session: AsyncSession, follower: Actor, target: Actor, *, base_url: str) -> Follow:
    """Follow `target`: accepted at once for an unlocked local account, pending otherwise.

    A remote target gets a Follow activity; an existing follow (or request) is returned as is.
    """
    _require_local(follower)
    if follower.id == target.id:
        raise Invalid("an account cannot follow itself")
    existing = await find_follow(session, follower.id, target.id)
    if existing is not None:
        return existing
    if await blocked_either_way(session, follower, target):
        raise Forbidden(f"{target.uri} cannot be followed while a block is in place")
    row = Follow(follower_id=follower.id, followee_id=target.id,
                 uri=activity_uri(base_url, new_id()), state=PENDING)
    session.add(row)
    await session.flush()
    if target.is_local:
        if not target.locked:
            row.state = ACCEPTED
        await notify(session, target, "follow_request" if target.locked else "follow", follower)
    else:
        doc = activity("Follow", id=row.uri, actor=follower.uri, obj=target.uri, to=[target.uri])
        await deliver(session, follower, doc, [target.inbox_url or ""])
    return row


async def unfollow(session: AsyncSession, follower: Actor, target: Actor, *, base_url: str) -> bool:
    """Stop following (or withdraw a request); a remote target gets an Undo. False if none."""
    _require_local(follower)
    row = await find_follow(session, follower.id, target.id)
    if row is None:
        return False
    await session.delete(row)
    if not target.is_local:
        doc = activity("Undo", id=activity_uri(base_url, new_id()), actor=follower.uri,
                       obj=follow_object(row, follower, target), to=[target.uri])
        await deliver(session, follower, doc, [target.inbox_url or ""])
    await session.flush()
    return True


async def accept_follow_request(session: AsyncSession, target: Actor, follower: Actor, *,
                                base_url: str) -> Follow:
    """A locked local account lets `follower` in; a remote follower gets an Accept."""
    _require_local(target)
    row = await find_follow(session, follower.id, target.id)
    if row is None:
        raise NotFound(f"{follower.uri} has not asked to follow {target.uri}")
    if row.state != ACCEPTED:
        row.state = ACCEPTED
        await _drop_request_notification(session, target, follower)
        await respond(session, "Accept", row, follower, target, base_url=base_url)
    return row


async def reject_follow_request(session: AsyncSession, target: Actor, follower: Actor, *,
                                base_url: str) -> None:
    """A locked local account turns a request down; a remote follower gets a Reject."""
    _require_local(target)
    row = await find_follow(session, follower.id, target.id)
    if row is None or row.state != PENDING:
        raise NotFound(f"{follower.uri} has no pending request to follow {target.uri}")
    await _drop_request_notification(session, target, follower)
    await _remove_follower(session, row, follower, target, base_url=base_url)


async def remove_from_followers(session: AsyncSession, target: Actor, follower: Actor, *,
                                base_url: str) -> bool:
    """A local account removes an accepted follower (a remote one gets a Reject, as Mastodon)."""
    _require_local(target)
    row = await find_follow(session, follower.id, target.id)
    if row is None:
        return False
    await _remove_follower(session, row, follower, target, base_url=base_url)
    return True


async def respond(session: AsyncSession, kind: str, row: Follow, follower: Actor, target: Actor, *,
                  base_url: str) -> None:
    """Send `kind` (Accept or Reject) of `row` from the local `target` to a remote follower."""
    if follower.is_local:
        return
    doc = activity(kind, id=activity_uri(base_url, new_id()), actor=target.uri,
                   obj=follow_object(row, follower, target), to=[follower.uri])
    await deliver(session, target, doc, [follower.inbox_url or ""])


async def _remove_follower(session: AsyncSession, row: Follow, follower: Actor, target: Actor, *,
                           base_url: str) -> None:
    await session.delete(row)
    await respond(session, "Reject", row, follower, target, base_url=base_url)
    await session.flush()


async def _drop_request_notification(session: AsyncSession, target: Actor, follower: Actor) -> None:
    await session.execute(delete(Notification).where(
        Notification.recipient_id == target.id, Notification.from_actor_id == follower.id,
        Notification.type == "follow_request"))


def _require_local(actor: Actor) -> None:
    if not actor.is_local:
        raise Invalid(f"{actor.uri} is not a local account")


# --- what other servers tell us --------------------------------------------------------------

async def receive_follow(session: AsyncSession, follower: Actor, target: Actor, uri: str, *,
                         base_url: str) -> Follow | None:
    """A remote `follower` asks to follow the local `target` with the Follow activity `uri`.

    Unlocked: accepted, Accept sent, `follow` notification. Locked: pending with a
    `follow_request` notification. Blocked: Reject sent, nothing stored (None). A repeated
    Follow of an accepted relation (the peer lost its state) is accepted again; the same
    Follow twice changes nothing.
    """
    _require_local(target)
    if await blocked_either_way(session, follower, target):
        transient = Follow(follower_id=follower.id, followee_id=target.id, uri=uri)
        await respond(session, "Reject", transient, follower, target, base_url=base_url)
        return None
    row = await find_follow(session, follower.id, target.id)
    if row is not None:
        if row.uri != uri:
            row.uri = uri
            if row.state == ACCEPTED:
                await respond(session, "Accept", row, follower, target, base_url=base_url)
        return row
    row = Follow(follower_id=follower.id, followee_id=target.id, uri=uri,
                 state=PENDING if target.locked else ACCEPTED)
    session.add(row)
    await session.flush()
    if target.locked:
        await notify(session, target, "follow_request", follower)
    else:
        await notify(session, target, "follow", follower)
        await respond(session, "Accept", row, follower, target, base_url=base_url)
    return row


async def follow_by_uri(session: AsyncSession, uri: str) -> Follow | None:
    return await session.scalar(select(Follow).where(Follow.uri == uri))


async def follow_accepted(session: AsyncSession, row: Follow) -> None:
    """The remote followee accepted our follow (again: no change)."""
    row.state = ACCEPTED
    await session.flush()


async def follow_rejected(session: AsyncSession, row: Follow) -> None:
    """The remote followee refused our request, or removed us from its followers."""
    await session.delete(row)
    await session.flush()


async def follow_undone(session: AsyncSession, row: Follow) -> None:
    """A remote follower stopped following a local account (or withdrew its request)."""
    await session.execute(delete(Notification).where(
        Notification.recipient_id == row.followee_id, Notification.from_actor_id == row.follower_id,
        Notification.type == "follow_request"))
    await session.delete(row)
    await session.flush()


async def sever(session: AsyncSession, a: Actor, b: Actor) -> int:
    """Remove follows (and requests) both ways between two actors; returns how many."""
    result = await session.execute(delete(Follow).where(or_(
        (Follow.follower_id == a.id) & (Follow.followee_id == b.id),
        (Follow.follower_id == b.id) & (Follow.followee_id == a.id),
    )))
    return int(getattr(result, "rowcount", 0) or 0)


async def sever_all(session: AsyncSession, actor: Actor) -> int:
    """Remove every follow (and request) to or from `actor` (a deleted account)."""
    result = await session.execute(delete(Follow).where(
        or_(Follow.follower_id == actor.id, Follow.followee_id == actor.id)))
    return int(getattr(result, "rowcount", 0) or 0)
