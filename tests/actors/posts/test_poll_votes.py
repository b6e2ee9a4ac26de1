"""Votes in polls: counted once, multiple choice, refused choices and voters, votes on remote polls."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from actors.posts import polls
from actors.posts.poll_jobs import END_KIND, UPDATE_KIND
from actors.posts.polls import PollSpec
from federation.services import Services
from storage.db import session_maker
from storage.errors import Invalid, NotFound
from storage.models import (
    Actor,
    Block,
    Notification,
    OutboxActivity,
    Poll,
    PollVote,
    Status,
    utcnow,
)
from tests.actors.factories import (
    add,
    delivered,
    follows,
    jobs,
    local_actor,
    post,
    remote_actor,
    seed,
)
from tests.actors.posts.poll_helpers import SPEC, _expire_now, counts, poll_of, rows, run_jobs, vote


async def test_local_votes_are_counted_once_each(services: Services, engine: AsyncEngine,
                                                 author: Actor) -> None:
    bea, cy = local_actor("bea"), local_actor("cy")
    await seed(engine, bea, cy)
    status = await post(services, author, text="Drinks?", poll=SPEC)
    await vote(services, bea, status, [1])
    poll = await vote(services, cy, status, [1])
    assert counts(poll) == [0, 2, 0] and (poll.votes_count, poll.voters_count) == (2, 2)
    with pytest.raises(Invalid, match="You have already voted on this poll"):
        await vote(services, bea, status, [2])
    assert counts(await poll_of(engine, status)) == [0, 2, 0]
    async with services.sessions() as session:
        assert await polls.own_votes(session, poll.id, bea.id) == [1]


async def test_a_multiple_choice_poll_takes_several_choices_and_counts_one_voter(
        services: Services, engine: AsyncEngine, author: Actor) -> None:
    bea = local_actor("bea")
    await seed(engine, bea)
    status = await post(services, author, text="Which?", poll=PollSpec(["a", "b", "c"], 600, multiple=True))
    poll = await vote(services, bea, status, [0, 2])
    assert counts(poll) == [1, 0, 1] and (poll.votes_count, poll.voters_count) == (2, 1)


@pytest.mark.parametrize(("choices", "message"), [
    ([0, 1], "this poll allows one choice only"),
    ([], "choose at least one option"),
    ([3], "Validation failed: The chosen vote option does not exist"),
    ([-1], "Validation failed: The chosen vote option does not exist"),
])
async def test_wrong_choices_are_refused(services: Services, engine: AsyncEngine, author: Actor,
                                         choices: list[int], message: str) -> None:
    bea = local_actor("bea")
    await seed(engine, bea)
    status = await post(services, author, text="Drinks?", poll=SPEC)
    with pytest.raises(Invalid) as caught:
        await vote(services, bea, status, choices)
    assert str(caught.value) == message
    assert await rows(engine, PollVote) == []


async def test_the_author_cannot_vote_in_their_own_poll(
        services: Services, engine: AsyncEngine, author: Actor) -> None:
    status = await post(services, author, text="Drinks?", poll=SPEC)
    with pytest.raises(Invalid, match="You cannot vote in your own polls"):
        await vote(services, author, status, [0])
    assert await rows(engine, PollVote) == []


async def test_no_vote_after_the_end(services: Services, engine: AsyncEngine, author: Actor) -> None:
    bea = local_actor("bea")
    await seed(engine, bea)
    status = await post(services, author, text="Drinks?", poll=SPEC)
    async with services.sessions() as session, session.begin():
        await session.execute(update(Poll).values(expires_at=utcnow() - timedelta(seconds=1)))
    with pytest.raises(Invalid, match="The poll has already ended"):
        await vote(services, bea, status, [0])
    assert await rows(engine, PollVote) == []


async def test_a_blocked_account_cannot_vote(services: Services, engine: AsyncEngine, author: Actor) -> None:
    bea = local_actor("bea")
    await seed(engine, bea)
    await add(engine, Block(actor_id=author.id, target_id=bea.id, uri="http://amity.test/blocks/1"))
    status = await post(services, author, text="Drinks?", poll=SPEC)
    with pytest.raises(NotFound):
        await vote(services, bea, status, [0])
    assert await rows(engine, PollVote) == []


async def _remote_poll(services: Services, engine: AsyncEngine) -> tuple[Actor, Status]:
    rita = remote_actor("rita", "p.example")
    await seed(engine, rita)
    status = Status(uri="https://p.example/users/rita/statuses/1", actor_id=rita.id, local=False,
                    object_type="Question", content="<p>Which?</p>", visibility="public")
    await add(engine, status)
    await add(engine, Poll(status_id=status.id, multiple=False, options=[
        {"title": "Left", "votes": 4}, {"title": "Right", "votes": 1}], votes_count=5, voters_count=5,
        expires_at=utcnow() + timedelta(hours=1)))
    return rita, status


async def test_a_vote_on_a_remote_poll_goes_to_its_author_only_and_counts_here(
        services: Services, engine: AsyncEngine, author: Actor) -> None:
    rita, status = await _remote_poll(services, engine)
    bea, fan = local_actor("bea"), remote_actor("fan", "f.example")
    await seed(engine, bea, fan)
    await add(engine, *follows([fan], author))
    poll = await vote(services, author, status, [1])
    assert counts(poll) == [4, 2] and (poll.votes_count, poll.voters_count) == (6, 6)
    (row,) = await rows(engine, PollVote)
    assert row.uri == f"{author.uri}#votes/{row.id}"
    sent = await delivered(engine)
    assert list(sent) == [rita.inbox_url]  # her personal inbox, nobody else
    [create] = sent["https://p.example/users/rita/inbox"]
    assert create["id"] == f"{row.uri}/activity" and create["actor"] == author.uri
    assert create["object"] == {"id": row.uri, "type": "Note", "name": "Right", "attributedTo": author.uri,
                                "inReplyTo": status.uri, "to": [rita.uri]}
    async with services.sessions() as session:
        assert len(await jobs(session, END_KIND)) == 1  # to tell local voters it ended
        assert await jobs(session, UPDATE_KIND) == []  # not ours to update
    await vote(services, bea, status, [0])
    async with services.sessions() as session:
        assert len(await jobs(session, END_KIND)) == 1  # one is enough

    clock = await _expire_now(services)
    await run_jobs(services, clock)
    notified = await rows(engine, Notification, Notification.type == "poll")
    assert sorted((n.recipient_id, n.from_actor_id) for n in notified) == sorted(
        [(author.id, rita.id), (bea.id, rita.id)])
    async with session_maker(engine)() as session:
        creates = await session.scalar(select(func.count()).select_from(OutboxActivity))
    assert creates == 2  # the two votes; no Update of someone else's poll
