"""Scheduled posts: a `NewStatus` kept with a time, published then through `posting.create_status`.

Scheduling checks the post as posting it would: `create_status` runs in a savepoint that is
rolled back, so a post that would be refused now is refused at scheduling time (as Mastodon
validates a status before storing the scheduled one). The uploads it carries are reserved
(`MediaAttachment.scheduled_status_id`): pruning keeps them, and cancelling frees them as
unattached uploads again, as Mastodon nullifies them.

One delayed job per scheduled time publishes it (`PUBLISH_KIND`, `run_after` the time). A
change of time queues a new job; the job carries the time it was queued for, and one that
finds another time on the row does nothing, so a post is published once, at its latest time.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from actors.posts import posting
from actors.posts.polls import PollSpec
from actors.posts.post_content import NOTHING, PreparedMentions
from storage import queue
from storage.config import Limits
from storage.errors import AmityError, Invalid, NotFound
from storage.models import Actor, MediaAttachment, ScheduledStatus, Status, User, utcnow
from storage.worker import JobContext

if TYPE_CHECKING:
    from federation.services import Services

PUBLISH_KIND = "actors.publish_scheduled"
# Mastodon's wording (scheduled_statuses.too_soon, over_total_limit, over_daily_limit).
TOO_SOON = "Validation failed: Scheduled at date must be in the future"
log = logging.getLogger("amity.scheduled")


class _TrialOnly(Exception):
    """Rolls back the trial post of `schedule`."""


def params_of(new: posting.NewStatus) -> dict[str, Any]:
    """What is kept of a post until its time (JSON): what the client API can ask for."""
    poll = None if new.poll is None else {
        "options": list(new.poll.options), "expires_in": new.poll.expires_in,
        "multiple": new.poll.multiple, "hide_totals": new.poll.hide_totals}
    return {"text": new.text, "visibility": new.visibility, "local_only": new.local_only,
            "sensitive": new.sensitive, "summary": new.summary, "language": new.language,
            "in_reply_to_id": new.in_reply_to_id, "media_ids": [str(i) for i in new.media_ids],
            "poll": poll, "content_type": new.content_type, "content_map": dict(new.content_map),
            "summary_map": dict(new.summary_map)}


def new_status_of(row: ScheduledStatus) -> posting.NewStatus:
    params = dict(row.params)
    poll = params.pop("poll", None)
    return posting.NewStatus(**params, poll=None if poll is None else PollSpec(**poll),
                             application_id=row.application_id)


def is_due_now(scheduled_at: datetime) -> bool:
    """Mastodon posts at once a status scheduled in the past."""
    return scheduled_at <= utcnow()


def check_time(limits: Limits, scheduled_at: datetime) -> None:
    if scheduled_at <= utcnow() + timedelta(seconds=limits.min_schedule_seconds):
        raise Invalid(TOO_SOON)


async def _check_counts(session: AsyncSession, limits: Limits, author: Actor, scheduled_at: datetime,
                        *, moving: int | None = None) -> None:
    mine = select(func.count()).where(ScheduledStatus.actor_id == author.id,
                                      ScheduledStatus.id != (moving or 0))
    if int(await session.scalar(mine) or 0) >= limits.max_scheduled_statuses:
        raise Invalid(f"Validation failed: You have exceeded the limit of {limits.max_scheduled_statuses} "
                      "scheduled posts")
    day = scheduled_at.replace(hour=0, minute=0, second=0, microsecond=0)
    same_day = mine.where(ScheduledStatus.scheduled_at >= day,
                          ScheduledStatus.scheduled_at < day + timedelta(days=1))
    if int(await session.scalar(same_day) or 0) >= limits.max_scheduled_statuses_per_day:
        raise Invalid("Validation failed: You have exceeded the limit of "
                      f"{limits.max_scheduled_statuses_per_day} scheduled posts for today")


async def schedule(session: AsyncSession, services: Services, author: Actor, new: posting.NewStatus,
                   scheduled_at: datetime) -> ScheduledStatus:
    """Keep `new` until `scheduled_at` (checked now as a post, and for Mastodon's limits)."""
    limits = services.config.limits
    check_time(limits, scheduled_at)
    await _check_counts(session, limits, author, scheduled_at)
    try:
        async with session.begin_nested():
            await posting.create_status(session, services, author, new)
            raise _TrialOnly
    except _TrialOnly:
        pass
    row = ScheduledStatus(actor_id=author.id, scheduled_at=scheduled_at, params=params_of(new),
                          application_id=new.application_id)
    session.add(row)
    await session.flush()
    media_ids = [int(i) for i in new.media_ids]
    if media_ids:
        await session.execute(update(MediaAttachment).where(MediaAttachment.id.in_(media_ids))
                              .values(scheduled_status_id=row.id))
    await _enqueue(session, row)
    return row


async def _enqueue(session: AsyncSession, row: ScheduledStatus) -> None:
    delay = max(0.0, (row.scheduled_at - utcnow()).total_seconds())
    await queue.enqueue(session, PUBLISH_KIND, {"id": row.id, "at": _ms(row.scheduled_at)},
                        delay_seconds=delay)


def _ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


async def own(session: AsyncSession, author: Actor, scheduled_id: int) -> ScheduledStatus:
    """The member's scheduled status; anyone else's answers as missing."""
    row = await session.get(ScheduledStatus, scheduled_id)
    if row is None or row.actor_id != author.id:
        raise NotFound("Record not found")
    return row


async def media_of(session: AsyncSession, rows: Sequence[ScheduledStatus]
                   ) -> dict[int, list[MediaAttachment]]:
    """The uploads each scheduled status reserves, in the order it lists them."""
    by_id = {m.id: m for m in await session.scalars(select(MediaAttachment).where(
        MediaAttachment.scheduled_status_id.in_([row.id for row in rows])))}
    return {row.id: [by_id[i] for i in map(int, row.params.get("media_ids") or []) if i in by_id]
            for row in rows}


async def move(session: AsyncSession, limits: Limits, author: Actor, row: ScheduledStatus,
               scheduled_at: datetime) -> ScheduledStatus:
    """Change the time (`PUT /api/v1/scheduled_statuses/:id`); the old time's job will do nothing."""
    check_time(limits, scheduled_at)
    await _check_counts(session, limits, author, scheduled_at, moving=row.id)
    row.scheduled_at = scheduled_at
    await session.flush()
    await _enqueue(session, row)
    return row


async def cancel(session: AsyncSession, scheduled_id: int) -> None:
    """Forget a scheduled status; its uploads become the member's unattached uploads again."""
    await _release(session, scheduled_id)
    await session.execute(delete(ScheduledStatus).where(ScheduledStatus.id == scheduled_id))


async def _release(session: AsyncSession, scheduled_id: int) -> None:
    await session.execute(update(MediaAttachment).where(MediaAttachment.scheduled_status_id == scheduled_id)
                          .values(scheduled_status_id=None))


async def run_publish(ctx: JobContext) -> None:
    services: Services = ctx.deps
    scheduled_id, at = int(ctx.payload["id"]), int(ctx.payload["at"])
    async with services.sessions() as session:
        row = await session.get(ScheduledStatus, scheduled_id)
        if row is None or _ms(row.scheduled_at) != at:
            return  # cancelled, published, or moved to another time (whose job will come)
        author = await session.get(Actor, row.actor_id)
        user = await session.scalar(select(User).where(User.actor_id == row.actor_id))
        new = new_status_of(row)
    if author is None or author.suspended_at is not None or user is None or user.disabled:
        async with services.sessions() as session, session.begin():  # as Mastodon: dropped, not posted
            await cancel(session, scheduled_id)
        return
    prepared = await posting.prepare(services, author, new)
    try:
        async with services.sessions() as session, session.begin():
            status = await publish(session, services, author, scheduled_id, new, prepared=prepared)
    except AmityError as exc:  # the reply target went away, an upload was used elsewhere, …
        log.warning("scheduled.not_published", extra={"scheduled_id": scheduled_id, "reason": str(exc)[:200]})
        async with services.sessions() as session, session.begin():
            await cancel(session, scheduled_id)
        return
    if status is not None:
        services.wake_workers()


async def publish(session: AsyncSession, services: Services, author: Actor, scheduled_id: int,
                  new: posting.NewStatus, *, prepared: PreparedMentions = NOTHING
                  ) -> Status | None:
    """Post the scheduled status now and forget it; None if another job got there first."""
    gone = await session.execute(delete(ScheduledStatus).where(ScheduledStatus.id == scheduled_id))
    if getattr(gone, "rowcount", 0) != 1:
        return None
    await _release(session, scheduled_id)
    return await posting.create_status(session, services, author, new, prepared=prepared)
