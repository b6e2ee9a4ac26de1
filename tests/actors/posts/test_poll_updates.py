"""A local poll's counts going out: the debounced Update, hidden totals, and the end of the poll."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import delete, update
from sqlalchemy.ext.asyncio import AsyncEngine

from actors.posts.poll_jobs import END_KIND, UPDATE_KIND
from actors.posts.polls import PollSpec
from federation.services import Services
from storage import queue
from storage.errors import Invalid
from storage.models import (
    Actor,
    Block,
    Job,
    Mute,
    Notification,
    OutboxActivity,
    Poll,
    utcnow,
)
from tests.actors.factories import (
    Clock,
    add,
    delivered,
    follows,
    jobs,
    local_actor,
    post,
    remote_actor,
    run_fanouts,
    seed,
)
from tests.actors.posts.poll_helpers import (
    SPEC,
    _expire_now,
    counts,
    poll_of,
    remote_vote,
    rows,
    run_jobs,
    vote,
)


async def test_many_votes_make_one_update_a_minute_later_to_followers_and_remote_voters(
        services: Services, engine: AsyncEngine, author: Actor) -> None:
    follower, voter, other = (remote_actor("rik", "r.example"), remote_actor("val", "v.example"),
                              remote_actor("oz", "o.example", shared=False))
    bea = local_actor("bea")
    await seed(engine, follower, voter, other, bea)
    await add(engine, *follows([follower], author))
    status = await post(services, author, text="Drinks?", poll=SPEC)
    await run_fanouts(services)
    await remote_vote(services, voter, status, "Coffee")
    await remote_vote(services, other, status, "Tea")
    await vote(services, bea, status, [1])
    async with services.sessions() as session:
        queued = await jobs(session, UPDATE_KIND)
    assert len(queued) == 1  # three votes, one Update
    poll = await poll_of(engine, status)
    assert counts(poll) == [1, 2, 0] and poll.update_due_at is not None

    assert await run_jobs(services) == 0  # not before the minute is up
    clock = Clock()
    clock.advance_to(queued[0].run_after)
    assert await run_jobs(services, clock) == 1
    sent = await delivered(engine)
    updates = {inbox: [a for a in acts if a["type"] == "Update"] for inbox, acts in sent.items()}
    assert sorted(inbox for inbox, acts in updates.items() if acts) == [
        "https://o.example/users/oz/inbox", "https://r.example/inbox", "https://v.example/inbox"]
    question = updates["https://r.example/inbox"][0]["object"]
    assert [o["replies"]["totalItems"] for o in question["oneOf"]] == [1, 2, 0]
    assert question["votersCount"] == 3
    assert (await poll_of(engine, status)).update_due_at is None

    with pytest.raises(Invalid, match="already voted"):  # single choice
        await remote_vote(services, voter, status, "Juice", number=2)
    carl = remote_actor("carl", "c.example")
    await seed(engine, carl)
    await remote_vote(services, carl, status, "Juice")
    async with services.sessions() as session:
        assert len(await jobs(session, UPDATE_KIND)) == 1  # a new one after the first ran


async def test_a_vote_after_a_lost_update_job_queues_a_new_one(
        services: Services, engine: AsyncEngine, author: Actor) -> None:
    voter, other = remote_actor("val", "v.example"), remote_actor("oz", "o.example")
    await seed(engine, voter, other)
    status = await post(services, author, text="Drinks?", poll=SPEC)
    await remote_vote(services, voter, status, "Tea")
    async with services.sessions() as session, session.begin():  # the job died, its mark stayed
        await session.execute(delete(Job).where(Job.kind == UPDATE_KIND))
        await session.execute(update(Poll).values(update_due_at=utcnow() - timedelta(hours=2)))
    await remote_vote(services, other, status, "Tea")
    async with services.sessions() as session:
        assert len(await jobs(session, UPDATE_KIND)) == 1


async def test_hidden_totals_send_no_counts_and_no_update_until_the_end(
        services: Services, engine: AsyncEngine, author: Actor) -> None:
    follower = remote_actor("rik", "r.example")
    await seed(engine, follower)
    await add(engine, *follows([follower], author))
    status = await post(services, author, text="Secret?", poll=PollSpec(["y", "n"], 600, hide_totals=True))
    await run_fanouts(services)
    await remote_vote(services, follower, status, "y")
    [create] = (await delivered(engine))["https://r.example/inbox"]
    assert create["object"]["oneOf"] == [{"type": "Note", "name": "y"}, {"type": "Note", "name": "n"}]
    async with services.sessions() as session:
        assert await jobs(session, UPDATE_KIND) == []
    assert counts(await poll_of(engine, status)) == [1, 0]


async def test_the_end_closes_the_poll_sends_the_final_update_and_notifies_voters_and_author(
        services: Services, engine: AsyncEngine, author: Actor) -> None:
    follower, bea, cy, dee = (remote_actor("rik", "r.example"), local_actor("bea"), local_actor("cy"),
                              local_actor("dee"))
    await seed(engine, follower, bea, cy, dee)
    await add(engine, *follows([follower], author))
    status = await post(services, author, text="Drinks?", poll=SPEC)
    await run_fanouts(services)
    await vote(services, bea, status, [2])
    await remote_vote(services, follower, status, "Tea")
    await add(engine, Block(actor_id=cy.id, target_id=author.id, uri="http://amity.test/blocks/9"),
              Mute(actor_id=dee.id, target_id=author.id))
    await vote(services, cy, status, [2])  # cy blocks the author, dee muted them:
    await vote(services, dee, status, [0])  # counted, but not notified
    clock = await _expire_now(services)
    assert await run_jobs(services, clock) == 1
    poll = await poll_of(engine, status)
    assert poll.closed_at is not None and poll.update_due_at is None
    updates = [a for a in (await delivered(engine))["https://r.example/inbox"] if a["type"] == "Update"]
    assert len(updates) == 1  # the end's Update; the votes' pending Update is folded into it
    question = updates[0]["object"]
    assert question["closed"] == question["endTime"]
    assert [o["replies"]["totalItems"] for o in question["oneOf"]] == [2, 0, 2]
    notified = await rows(engine, Notification, Notification.type == "poll")
    assert sorted((n.recipient_id, n.from_actor_id, n.status_id) for n in notified) == sorted(
        [(bea.id, author.id, status.id), (author.id, author.id, status.id)])
    async with services.sessions() as session:
        assert len(await jobs(session, UPDATE_KIND)) == 1  # the votes' job, and the first end job,
        assert len(await jobs(session, END_KIND)) == 1  # wake later and find nothing to do
    clock.advance_to(queue.now_ms() + 2 * 3600 * 1000)
    before = len(await rows(engine, OutboxActivity))
    assert await run_jobs(services, clock) == 2
    assert len(await rows(engine, OutboxActivity)) == before
    assert len(await rows(engine, Notification, Notification.type == "poll")) == 2


async def test_an_end_job_that_wakes_early_or_twice_does_nothing(
        services: Services, engine: AsyncEngine, author: Actor) -> None:
    status = await post(services, author, text="Drinks?", poll=SPEC)
    clock = Clock()
    async with services.sessions() as session:
        (end,) = await jobs(session, END_KIND)
    clock.advance_to(end.run_after)
    async with services.sessions() as session, session.begin():  # an edit moved the end later
        await session.execute(update(Poll).values(expires_at=utcnow() + timedelta(hours=1)))
    await run_jobs(services, clock)
    assert (await poll_of(engine, status)).closed_at is None
    assert await rows(engine, Notification) == []
    clock = await _expire_now(services)
    async with services.sessions() as session, session.begin():
        await queue.enqueue(session, END_KIND, {"poll_id": (await poll_of(engine, status)).id})
    clock.catch_up()
    assert await run_jobs(services, clock) == 2
    assert len(await rows(engine, Notification)) == 1  # the author, once
