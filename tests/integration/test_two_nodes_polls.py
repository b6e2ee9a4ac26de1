"""Polls between two Amity nodes: bob@b's poll reaches alice@a, her vote is counted on b, and
b's Update brings the counts back to a. Runs on SQLite and PostgreSQL."""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from actors.posts import polls
from actors.posts.poll_jobs import UPDATE_KIND
from actors.posts.polls import PollSpec
from storage import queue
from storage.models import Actor, Job, Poll, PollVote, Status
from tests.integration.node import AmityNode, eventually
from tests.integration.test_two_nodes import _followed, _post, _status, nodes

__all__ = ["nodes"]  # the fixture, shared with test_two_nodes


async def _votes(node: AmityNode, uri: str) -> list[int] | None:
    async def q(session: AsyncSession) -> list[int] | None:
        poll = await session.scalar(select(Poll).join(Status, Status.id == Poll.status_id)
                                    .where(Status.uri == uri))
        return None if poll is None else [int(o["votes"]) for o in poll.options]
    return await node.query(q)


async def test_a_vote_from_another_amity_is_counted_and_the_counts_come_back(
        nodes: tuple[AmityNode, AmityNode]) -> None:
    a, b = nodes
    alice, bob = await _followed(a, b)
    question = await _post(b, bob, "Picnic or museum?", poll=PollSpec(["Picnic", "Museum"], 3600))

    async def stored_at_a() -> Status | None:
        return await _status(a, question.uri)
    copy = await eventually(stored_at_a, nodes=(a, b))
    assert copy.object_type == "Question" and await _votes(a, question.uri) == [0, 0]

    async def vote(session: AsyncSession) -> Poll:
        voter, status = await session.get(Actor, alice.id), await session.get(Status, copy.id)
        assert voter is not None and status is not None
        return await polls.vote(session, voter, status, [1])
    await a.write(vote)
    assert await _votes(a, question.uri) == [0, 1]  # shown at once on alice's side

    async def counted_at_b() -> bool:
        return await _votes(b, question.uri) == [0, 1]
    await eventually(counted_at_b, nodes=(a, b))
    (row,) = await b.query(lambda s: s.scalars(select(PollVote)))
    assert row.uri is not None and row.uri.startswith(f"{alice.uri}#votes/")
    assert await b.query(lambda s: s.scalar(select(Status).where(Status.uri == row.uri))) is None

    async def update_now(session: AsyncSession) -> None:  # instead of waiting a minute
        await session.execute(update(Job).where(Job.kind == UPDATE_KIND).values(run_after=queue.now_ms()))
    await b.write(update_now)

    async def voters_at_a() -> bool:
        poll = await a.query(lambda s: s.scalar(select(Poll).where(Poll.status_id == copy.id)))
        return poll is not None and poll.voters_count == 1 and poll.votes_count == 1
    await eventually(voters_at_a, nodes=(a, b))
