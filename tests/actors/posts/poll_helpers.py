"""Helpers for the tests of polls of local posts: rows, votes (local and remote), running jobs."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from actors.outgoing.fanout import FANOUT_KIND, run_fanout
from actors.posts import polls
from actors.posts.poll_jobs import END_KIND, UPDATE_KIND, run_end, run_update
from actors.posts.polls import PollSpec
from federation.services import Services
from inbox.apply.post_parts import record_remote_vote
from storage import queue
from storage.db import session_maker
from storage.models import (
    Actor,
    Poll,
    Status,
    utcnow,
)
from storage.worker import Registry, Worker, drain
from tests.actors.factories import (
    Clock,
)

SPEC = PollSpec(options=["Tea", "Coffee", "Juice"], expires_in=3600)


async def rows(engine: AsyncEngine, model: Any, *where: Any) -> list[Any]:
    async with session_maker(engine)() as session:
        return list((await session.scalars(select(model).where(*where))).all())


async def poll_of(engine: AsyncEngine, status: Status) -> Poll:
    (found,) = await rows(engine, Poll, Poll.status_id == status.id)
    return found


async def run_jobs(services: Services, clock: Clock | None = None) -> int:
    """Run poll and fan-out jobs that are due by `clock` (deliveries stay queued)."""
    registry = Registry()
    registry.register(FANOUT_KIND, run_fanout)
    registry.register(UPDATE_KIND, run_update)
    registry.register(END_KIND, run_end)
    worker = Worker(services.engine, registry, deps=services, queues=("default",),
                    clock=clock or queue.now_ms)
    return await drain(worker)


async def vote(services: Services, voter: Actor, status: Status, choices: list[int]) -> Poll:
    async with services.sessions() as session, session.begin():
        fresh = await session.get(Status, status.id)
        assert fresh is not None
        return await polls.vote(session, voter, fresh, choices)


async def remote_vote(services: Services, voter: Actor, status: Status, name: str, number: int = 1) -> None:
    async with services.sessions() as session, session.begin():
        fresh = await session.get(Status, status.id)
        assert fresh is not None
        await record_remote_vote(session, fresh, voter, name=name, uri=f"{voter.uri}#votes/{number}")


def counts(poll: Poll) -> list[int]:
    return [option["votes"] for option in poll.options]


async def _expire_now(services: Services) -> Clock:
    """Move every poll's end into the past and queue an end job due now (as an edit would)."""
    async with services.sessions() as session, session.begin():
        await session.execute(update(Poll).values(expires_at=utcnow() - timedelta(seconds=1)))
        for poll_id in (await session.scalars(select(Poll.id))).all():
            await queue.enqueue(session, END_KIND, {"poll_id": poll_id})
    return Clock()
