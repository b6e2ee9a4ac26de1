"""Polls of local posts: limits, the Question sent, votes, the debounced Update, the end."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from actors import polls, posting
from actors.fanout import FANOUT_KIND, run_fanout
from actors.poll_jobs import END_KIND, UPDATE_KIND, run_end, run_update
from actors.polls import PollSpec
from actors.remote_polls import record_remote_vote
from federation.services import Services
from storage import queue
from storage.db import session_maker
from storage.errors import Invalid, NotFound
from storage.models import (
    Actor,
    Block,
    Job,
    MediaAttachment,
    Mute,
    Notification,
    OutboxActivity,
    Poll,
    PollVote,
    Status,
    utcnow,
)
from storage.worker import Registry, Worker, drain
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


# --- creating ---------------------------------------------------------------------------------

async def test_a_post_with_a_poll_is_a_question_with_its_options_and_end(
        services: Services, engine: AsyncEngine, author: Actor) -> None:
    before = utcnow()
    status = await post(services, author, text="Drinks?", poll=PollSpec([" Tea ", "Coffee"], 600))
    poll = await poll_of(engine, status)
    assert status.object_type == "Question"
    assert poll.options == [{"title": "Tea", "votes": 0}, {"title": "Coffee", "votes": 0}]
    assert not poll.multiple and not poll.hide_totals and poll.votes_count == poll.voters_count == 0
    assert poll.expires_at is not None
    assert before + timedelta(seconds=600) <= poll.expires_at <= utcnow() + timedelta(seconds=600)
    async with services.sessions() as session:
        (end,) = await jobs(session, END_KIND)
    assert end.payload == {"poll_id": poll.id}
    assert end.run_after >= int((poll.expires_at.timestamp() - 1) * 1000)


@pytest.mark.parametrize(("spec", "message"), [
    (PollSpec(["only one"], 600), "a poll needs at least 2 options"),
    (PollSpec(["a", "b", "c", "d", "e"], 600), "a poll has at most 4 options"),
    (PollSpec(["a", "x" * 51], 600), "each poll option is at most 50 characters"),
    (PollSpec(["same", " same"], 600), "poll options must all be different"),
    (PollSpec(["a", "  "], 600), "a poll option cannot be empty"),
    (PollSpec(["a", "b"], 299), "a poll must last at least 5 minutes"),
    (PollSpec(["a", "b"], 30 * 86400 + 1), "a poll can last at most 30 days"),
    (PollSpec(["a", "b"], True), "poll duration (expires_in) must be a whole number of seconds"),
    (PollSpec("ab", 600), "poll options must be a list of texts"),
])
async def test_a_poll_outside_the_limits_is_refused_and_nothing_is_stored(
        services: Services, engine: AsyncEngine, author: Actor, spec: PollSpec, message: str) -> None:
    with pytest.raises(Invalid) as caught:
        await post(services, author, text="Vote!", poll=spec)
    assert str(caught.value) == message
    for model in (Status, Poll, Job):
        assert await rows(engine, model) == []


async def test_a_poll_cannot_go_with_media(services: Services, engine: AsyncEngine, author: Actor) -> None:
    upload = MediaAttachment(actor_id=author.id, type="image", description="a mural")
    await add(engine, upload)
    with pytest.raises(Invalid, match="cannot have both a poll and media"):
        await post(services, author, text="Look", media_ids=[upload.id], poll=SPEC)
    assert await rows(engine, Status) == [] and await rows(engine, Poll) == []
    status = await post(services, author, text="Look", media_ids=[upload.id])
    with pytest.raises(Invalid, match="cannot have both a poll and media"):
        await _edit(services, author, status, poll=SPEC)
    polled = await post(services, author, text="Vote", poll=SPEC)
    other = MediaAttachment(actor_id=author.id, type="image", description="another")
    await add(engine, other)
    with pytest.raises(Invalid, match="cannot have both a poll and media"):
        await _edit(services, author, polled, media_ids=[other.id])  # the poll stays
    assert len(await rows(engine, Poll)) == 1
    (kept,) = await rows(engine, MediaAttachment, MediaAttachment.id == other.id)
    assert kept.status_id is None


async def test_the_create_sent_carries_a_question_with_one_of_end_time_and_voters_count(
        services: Services, engine: AsyncEngine, author: Actor) -> None:
    follower = remote_actor("rik", "r.example")
    await seed(engine, follower)
    await add(engine, *follows([follower], author))
    status = await post(services, author, text="Drinks?", poll=SPEC)
    await run_fanouts(services)
    [create] = (await delivered(engine))["https://r.example/inbox"]
    question = create["object"]
    poll = await poll_of(engine, status)
    assert poll.expires_at is not None
    assert (question["type"], question["id"], question["votersCount"]) == ("Question", status.uri, 0)
    no_votes = {"type": "Collection", "totalItems": 0}
    assert question["oneOf"] == [{"type": "Note", "name": name, "replies": no_votes}
                                 for name in ("Tea", "Coffee", "Juice")]
    assert question["endTime"] == poll.expires_at.strftime("%Y-%m-%dT%H:%M:%SZ")
    assert "anyOf" not in question and "closed" not in question


# --- local votes on local polls -----------------------------------------------------------------

async def test_local_votes_are_counted_once_each(services: Services, engine: AsyncEngine,
                                                 author: Actor) -> None:
    bea, cy = local_actor("bea"), local_actor("cy")
    await seed(engine, bea, cy)
    status = await post(services, author, text="Drinks?", poll=SPEC)
    await vote(services, bea, status, [1])
    poll = await vote(services, cy, status, [1])
    assert counts(poll) == [0, 2, 0] and (poll.votes_count, poll.voters_count) == (2, 2)
    with pytest.raises(Invalid, match="you have already voted in this poll"):
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
    ([3], "choices are option numbers from 0 to 2"),
    ([-1], "choices are option numbers from 0 to 2"),
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
    with pytest.raises(Invalid, match="you cannot vote in your own poll"):
        await vote(services, author, status, [0])
    assert await rows(engine, PollVote) == []


async def test_no_vote_after_the_end(services: Services, engine: AsyncEngine, author: Actor) -> None:
    bea = local_actor("bea")
    await seed(engine, bea)
    status = await post(services, author, text="Drinks?", poll=SPEC)
    async with services.sessions() as session, session.begin():
        await session.execute(update(Poll).values(expires_at=utcnow() - timedelta(seconds=1)))
    with pytest.raises(Invalid, match="this poll has ended"):
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


# --- the Update after votes ---------------------------------------------------------------------

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


# --- edits --------------------------------------------------------------------------------------

async def _edit(services: Services, author: Actor, status: Status, **kwargs: Any) -> Status:
    async with services.sessions() as session, session.begin():
        fresh = await session.get(Status, status.id)
        assert fresh is not None
        return await posting.edit_status(session, services, author, fresh, text="Drinks now?", **kwargs)


async def test_changing_the_options_clears_the_votes_and_keeping_them_keeps_the_votes(
        services: Services, engine: AsyncEngine, author: Actor) -> None:
    bea = local_actor("bea")
    await seed(engine, bea)
    status = await post(services, author, text="Drinks?", poll=SPEC)
    await vote(services, bea, status, [0])
    await _edit(services, author, status)  # no poll given: it stays
    assert counts(await poll_of(engine, status)) == [1, 0, 0]
    await _edit(services, author, status, poll=PollSpec(["Tea", "Coffee", "Juice"], 7200))
    assert counts(await poll_of(engine, status)) == [1, 0, 0]
    await _edit(services, author, status, poll=PollSpec(["Tea", "Water"], 7200))
    poll = await poll_of(engine, status)
    assert poll.options == [{"title": "Tea", "votes": 0}, {"title": "Water", "votes": 0}]
    assert (poll.votes_count, poll.voters_count) == (0, 0) and await rows(engine, PollVote) == []
    await vote(services, bea, status, [1])  # may vote again on the new question


async def test_removing_the_poll_makes_it_a_note_again(
        services: Services, engine: AsyncEngine, author: Actor) -> None:
    status = await post(services, author, text="Drinks?", poll=SPEC)
    edited = await _edit(services, author, status, remove_poll=True)
    assert edited.object_type == "Note" and await rows(engine, Poll) == []


# --- the end ------------------------------------------------------------------------------------

async def _expire_now(services: Services) -> Clock:
    """Move every poll's end into the past and queue an end job due now (as an edit would)."""
    async with services.sessions() as session, session.begin():
        await session.execute(update(Poll).values(expires_at=utcnow() - timedelta(seconds=1)))
        for poll_id in (await session.scalars(select(Poll.id))).all():
            await queue.enqueue(session, END_KIND, {"poll_id": poll_id})
    return Clock()


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


# --- local votes on remote polls ----------------------------------------------------------------

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
