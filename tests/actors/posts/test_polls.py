"""Polls of local posts: limits, the Question sent, and what an edit does to the poll."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from actors.posts import posting
from actors.posts.poll_jobs import END_KIND
from actors.posts.polls import PollSpec
from federation.services import Services
from storage.errors import Invalid
from storage.models import (
    Actor,
    Job,
    MediaAttachment,
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
    run_fanouts,
    seed,
)
from tests.actors.posts.poll_helpers import SPEC, counts, poll_of, rows, vote


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
