"""The jobs polls need: an `Update(Question)` after votes (at most one a minute per poll), and
the end of a poll (the final `Update`, and `poll` notifications).

Votes do not each send an Update: the first vote after a quiet spell marks the poll
(`update_due_at`, set only if unset, so concurrent votes queue one job between them) and
queues one job a minute later, which clears the mark and sends the counts as they are then.

Whoever sets or changes a poll's `expires_at` queues an end job for that time; an end job
that wakes before the (possibly moved) end does nothing, and closing is a conditional UPDATE,
so a poll ends once however many jobs wake for it.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import exists, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from actors.outgoing.fanout import fan_out, insert_ignoring_duplicates
from actors.social.muting import silenced_for
from storage import queue
from storage.models import Actor, Block, Notification, Poll, PollVote, Status, utcnow
from storage.models.base import new_id
from storage.worker import JobContext

if TYPE_CHECKING:
    from federation.services import Services

UPDATE_KIND = "actors.poll_update"
END_KIND = "actors.poll_end"
UPDATE_DELAY_SECONDS = 60
STALE_MARK_SECONDS = 3600
log = logging.getLogger("amity.polls")


async def schedule_expiry(session: AsyncSession, poll: Poll) -> None:
    """Queue the end job of a poll for its `expires_at` (nothing for a poll without an end)."""
    if poll.expires_at is None:
        return
    delay = max(0.0, (poll.expires_at - utcnow()).total_seconds())
    await queue.enqueue(session, END_KIND, {"poll_id": poll.id}, delay_seconds=delay)


async def schedule_update(session: AsyncSession, poll: Poll) -> bool:
    """After a vote on a local poll: queue its Update unless one is pending (or totals are hidden)."""
    if poll.hide_totals:
        return False  # the counts go out when the poll ends
    now = utcnow()
    stale = now - timedelta(seconds=STALE_MARK_SECONDS)  # its job was lost: do not wait for it forever
    result = await session.execute(
        update(Poll).where(Poll.id == poll.id, or_(Poll.update_due_at.is_(None), Poll.update_due_at < stale))
        .values(update_due_at=now + timedelta(seconds=UPDATE_DELAY_SECONDS))
        .execution_options(synchronize_session=False))
    if not getattr(result, "rowcount", 0):
        return False
    await queue.enqueue(session, UPDATE_KIND, {"poll_id": poll.id}, delay_seconds=UPDATE_DELAY_SECONDS)
    return True


async def run_update(ctx: JobContext) -> None:
    services: Services = ctx.deps
    async with services.sessions() as session, session.begin():
        poll = await session.get(Poll, int(ctx.payload["poll_id"]))
        if poll is None:
            return  # the post was deleted meanwhile
        poll.update_due_at = None
        if poll.closed_at is not None:
            return  # the end sent the final counts already
        deliveries = await send_update(session, poll, local_domain=services.domain)
    if deliveries:
        services.wake_workers()


async def send_update(session: AsyncSession, poll: Poll, *, local_domain: str) -> int:
    """Fan out an Update(Question) of a local poll to its author's followers and mentioned
    accounts (as any edit), and to remote voters and boosters; returns the deliveries queued."""
    status = await session.get(Status, poll.status_id)
    if status is None or not status.local:
        return 0
    await session.flush()
    payload = {"verb": "update", "status_id": status.id, "activity_id": f"{status.uri}#updates/{new_id()}",
               "actor_ids": sorted(await _remote_voters_and_boosters(session, poll, status))}
    result = await fan_out(session, payload, local_domain=local_domain)
    return result.deliveries


async def _remote_voters_and_boosters(session: AsyncSession, poll: Poll, status: Status) -> set[int]:
    voters = select(PollVote.actor_id).where(PollVote.poll_id == poll.id)
    boosters = select(Status.actor_id).where(Status.reblog_of_id == status.id)
    ids = voters.union(boosters).subquery()
    rows = await session.scalars(select(Actor.id).where(Actor.id.in_(select(ids)), Actor.domain.is_not(None)))
    return set(rows.all())


async def run_end(ctx: JobContext) -> None:
    services: Services = ctx.deps
    async with services.sessions() as session, session.begin():
        deliveries = await end_poll(session, int(ctx.payload["poll_id"]), local_domain=services.domain)
    if deliveries:
        services.wake_workers()


async def end_poll(session: AsyncSession, poll_id: int, *, local_domain: str) -> int:
    """Close a poll whose time is up: the final Update (local polls), `poll` notifications for
    local voters and the local author. Returns the deliveries queued; 0 if not due or done."""
    poll = await session.get(Poll, poll_id)
    now = utcnow()
    if poll is None or poll.expires_at is None or poll.expires_at > now:
        return 0  # gone, or moved later by an edit (which queued its own job)
    closed = await session.execute(update(Poll).where(Poll.id == poll_id, Poll.closed_at.is_(None))
                                   .values(closed_at=now, update_due_at=None)
                                   .execution_options(synchronize_session=False))
    if not getattr(closed, "rowcount", 0):
        return 0  # another job ended it
    await session.refresh(poll)
    status = await session.get(Status, poll.status_id)
    author = None if status is None else await session.get(Actor, status.actor_id)
    if status is None or author is None:
        return 0
    await _notify_ended(session, poll, status, author)
    log.info("polls.ended", extra={"poll_id": poll.id, "local": status.local})
    return await send_update(session, poll, local_domain=local_domain) if status.local else 0


async def _notify_ended(session: AsyncSession, poll: Poll, status: Status, author: Actor) -> None:
    """`poll` notifications, inserted in one statement: local voters (unless they block the
    author, or muted them or the thread), and the author when local (Mastodon tells authors
    their poll ended, from themselves)."""
    voters = select(Actor).where(
        Actor.id.in_(select(PollVote.actor_id).where(PollVote.poll_id == poll.id)), Actor.domain.is_(None),
        ~exists().where(Block.actor_id == Actor.id, Block.target_id == author.id))
    recipients = {actor.id: actor for actor in (await session.scalars(voters)).all()}
    if author.domain is None:
        recipients[author.id] = author
    now = utcnow()
    rows: list[dict[str, Any]] = [
        {"id": new_id(), "recipient_id": recipient.id, "type": "poll", "from_actor_id": author.id,
         "status_id": status.id, "created_at": now, "read": False}
        for recipient in sorted(recipients.values(), key=lambda actor: actor.id)
        if not await silenced_for(session, recipient, author, "poll", status.id)]
    if rows:
        await insert_ignoring_duplicates(session, Notification, rows,
                                         ("recipient_id", "type", "from_actor_id", "status_id"))
