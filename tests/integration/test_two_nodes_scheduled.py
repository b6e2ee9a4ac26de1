"""A scheduled post between two Amity nodes: nothing leaves b before its time; at its time the
delayed job posts it and alice@a (a remote follower) receives it. The job's `run_after` is moved
to now instead of waiting. Runs on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from actors.posts import posting, scheduling
from storage import queue
from storage.models import Actor, Job, ScheduledStatus, Status, TimelineEntry, utcnow
from tests.integration.node import AmityNode, eventually
from tests.integration.test_two_nodes import _followed, nodes

__all__ = ["nodes"]  # the fixture, shared with test_two_nodes


async def test_a_scheduled_post_reaches_a_remote_follower_at_its_time(
        nodes: tuple[AmityNode, AmityNode]) -> None:
    a, b = nodes
    alice, bob = await _followed(a, b)

    async def schedule(session: AsyncSession) -> ScheduledStatus:
        author = await session.get(Actor, bob.id)
        assert author is not None
        return await scheduling.schedule(session, b.services, author, posting.NewStatus(text="At noon sharp"),
                                         utcnow() + timedelta(hours=1))
    row = await b.write(schedule)
    assert await b.query(lambda s: s.scalar(select(Status.id).where(Status.actor_id == bob.id))) is None

    async def due_now(session: AsyncSession) -> None:  # instead of waiting an hour
        await session.execute(update(Job).where(Job.kind == scheduling.PUBLISH_KIND)
                              .values(run_after=queue.now_ms()))
    await b.write(due_now)

    async def at_a() -> Status | None:
        return await a.query(lambda s: s.scalar(
            select(Status).where(Status.content.contains("At noon sharp"))))
    copy = await eventually(at_a, nodes=(a, b))
    assert copy.uri.startswith(f"{b.base_url}/users/bob/statuses/")
    in_home = await a.query(lambda s: s.scalar(select(TimelineEntry.id).where(
        TimelineEntry.owner_id == alice.id, TimelineEntry.status_id == copy.id)))
    assert in_home is not None
    assert await b.query(lambda s: s.get(ScheduledStatus, row.id)) is None
