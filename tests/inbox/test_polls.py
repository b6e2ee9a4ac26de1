"""Polls from other servers (Create/Update of a Question) and their votes on our polls."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import update

from actors.posts import polls, posting
from actors.posts.poll_jobs import UPDATE_KIND
from actors.posts.polls import PollSpec
from storage.models import Actor, Follow, Poll, PollVote, Status, TimelineEntry, utcnow
from tests.inbox.conftest import Node
from tests.inbox.fakes import PUBLIC, RemoteActor


def question(actor: RemoteActor, number: int, *, key: str = "oneOf", options: list[tuple[str, int]],
             **fields: Any) -> dict[str, Any]:
    items = [{"type": "Note", "name": name, "replies": {"type": "Collection", "totalItems": votes}}
             for name, votes in options]
    return actor.note(number, type="Question", content="<p>Which one?</p>", **{key: items}, **fields)


async def _poll(node: Node, uri: str) -> tuple[Status, Poll]:
    (status,) = await node.rows(Status, Status.uri == uri)
    (poll,) = await node.rows(Poll, Poll.status_id == status.id)
    return status, poll


# --- remote polls ---------------------------------------------------------------------------------

async def test_a_question_is_stored_with_its_options_counts_and_end(node: Node) -> None:
    alice = node.remote()
    await node.followed(alice)
    doc = question(alice, 1, options=[("<b>Red</b>", 3), ("Blue<script>x()</script>", 5)],
                   endTime="2030-01-01T00:00:00Z", votersCount=8)
    await node.deliver(alice, alice.activity("Create", doc))
    status, poll = await _poll(node, doc["id"])
    assert status.object_type == "Question" and status.content == "<p>Which one?</p>"
    # option names are plain text: markup and script text dropped
    assert poll.options == [{"title": "Red", "votes": 3}, {"title": "Blue", "votes": 5}]
    assert (poll.multiple, poll.votes_count, poll.voters_count) == (False, 8, 8)
    assert poll.expires_at == datetime(2030, 1, 1, tzinfo=UTC)


async def test_a_multiple_choice_question_with_odd_counts_is_stored_bounded(node: Node) -> None:
    alice = node.remote()
    await node.followed(alice)
    doc = question(alice, 1, key="anyOf", options=[("a", -4), ("b", 2**40)], closed=True)
    doc["anyOf"] += ["not an object", {"type": "Note", "name": ""},
                     {"type": "Note", "name": "c", "replies": 7}]
    await node.deliver(alice, alice.activity("Create", doc))
    _status, poll = await _poll(node, doc["id"])
    assert poll.multiple and [o["title"] for o in poll.options] == ["a", "b", "c"]
    assert [o["votes"] for o in poll.options] == [0, 2**31 - 1, 0]
    assert poll.voters_count == 0  # unknown: no votersCount in a multiple-choice poll
    assert poll.expires_at is not None and poll.expires_at <= utcnow()  # closed: ended already


async def test_a_question_without_options_is_a_post_without_poll(node: Node) -> None:
    alice = node.remote()
    await node.followed(alice)
    doc = alice.note(1, type="Question", oneOf=[{"type": "Note"}])
    await node.deliver(alice, alice.activity("Create", doc))
    assert await node.count(Status) == 1 and await node.count(Poll) == 0


async def test_an_update_refreshes_the_counts(node: Node) -> None:
    alice = node.remote()
    await node.followed(alice)
    doc = question(alice, 1, options=[("Red", 1), ("Blue", 0)])
    await node.deliver(alice, alice.activity("Create", doc))
    await node.deliver(alice, alice.activity("Update", question(alice, 1, options=[("Red", 4), ("Blue", 2)],
                                                                votersCount=6)))
    _status, poll = await _poll(node, doc["id"])
    assert [o["votes"] for o in poll.options] == [4, 2] and (poll.votes_count, poll.voters_count) == (6, 6)


async def test_an_update_with_new_options_clears_the_votes_cast_here(node: Node) -> None:
    alice = node.remote()
    await node.followed(alice)
    bob = await node.local("bob")
    doc = question(alice, 1, options=[("Red", 1), ("Blue", 0)], endTime="2030-01-01T00:00:00Z")
    await node.deliver(alice, alice.activity("Create", doc))
    status, _poll_row = await _poll(node, doc["id"])
    async with node.services.sessions() as session, session.begin():
        fresh, voter = await session.get(Status, status.id), await session.get(Actor, bob.id)
        assert fresh is not None and voter is not None
        await polls.vote(session, voter, fresh, [0])
    assert await node.count(PollVote) == 1
    await node.deliver(alice, alice.activity("Update", question(alice, 1, options=[("Green", 0), ("Blue", 0)],
                                                                endTime="2030-01-01T00:00:00Z")))
    _status, poll = await _poll(node, doc["id"])
    assert [o["title"] for o in poll.options] == ["Green", "Blue"] and await node.count(PollVote) == 0


# --- votes on our polls ---------------------------------------------------------------------------

async def _local_poll(node: Node, *, visibility: str = "public",
                      multiple: bool = False) -> tuple[Actor, Status]:
    bob = await node.local("bob")
    async with node.services.sessions() as session, session.begin():
        author = await session.get(Actor, bob.id)
        assert author is not None
        status = await posting.create_status(session, node.services, author,
                posting.NewStatus(text="Lunch?", visibility=visibility,
                                  poll=PollSpec(["Soup", "Salad"], 3600, multiple=multiple)))
    await node.process()  # the Create's fan-out
    return bob, status


def vote_note(voter: RemoteActor, number: int, target: Status, name: str, **fields: Any) -> dict[str, Any]:
    note = {"id": f"{voter.uri}#votes/{number}", "type": "Note", "name": name, "attributedTo": voter.uri,
            "inReplyTo": target.uri, "to": f"{target.uri.split('/statuses/')[0]}"}
    note.update(fields)
    return note


async def _vote(node: Node, voter: RemoteActor, number: int, target: Status, name: str,
                **fields: Any) -> dict[str, Any]:
    activity = voter.activity("Create", vote_note(voter, number, target, name, **fields), number=number)
    await node.deliver(voter, activity)
    return activity


async def test_a_vote_is_counted_and_is_not_a_post(node: Node) -> None:
    alice = node.remote()
    _bob, status = await _local_poll(node)
    activity = await _vote(node, alice, 1, status, "Salad")
    _status, poll = await _poll(node, status.uri)
    assert [o["votes"] for o in poll.options] == [0, 1] and (poll.votes_count, poll.voters_count) == (1, 1)
    (vote,) = await node.rows(PollVote)
    assert (vote.choice, vote.uri) == (1, f"{alice.uri}#votes/1")
    assert await node.count(Status) == 1  # the poll only: the vote is no reply
    assert await node.count(TimelineEntry, TimelineEntry.status_id != status.id) == 0
    assert (await node.item(activity["id"])).error is None
    assert len(await node.jobs(UPDATE_KIND)) == 1

    await node.reprocess(activity["id"])  # the same vote again counts once
    assert await node.count(PollVote) == 1


async def test_a_multiple_choice_vote_takes_each_option_once(node: Node) -> None:
    alice = node.remote()
    _bob, status = await _local_poll(node, multiple=True)
    await _vote(node, alice, 1, status, "Soup")
    await _vote(node, alice, 2, status, "Salad")
    again = await _vote(node, alice, 3, status, "Salad")
    _status, poll = await _poll(node, status.uri)
    assert [o["votes"] for o in poll.options] == [1, 1] and (poll.votes_count, poll.voters_count) == (2, 1)
    assert "already voted" in ((await node.item(again["id"])).error or "")


async def _refused(node: Node, activity: dict[str, Any], reason: str, *, votes: int = 0) -> None:
    item = await node.item(activity["id"])
    assert item.processed_at is not None and reason in (item.error or ""), item.error
    assert await node.count(PollVote) == votes
    assert await node.count(Status) == 1  # nothing stored as a post either


async def test_a_vote_for_no_option_is_refused(node: Node) -> None:
    alice = node.remote()
    _bob, status = await _local_poll(node)
    await _refused(node, await _vote(node, alice, 1, status, "Pizza"), "names no option")


async def test_a_second_vote_in_a_single_choice_poll_is_refused(node: Node) -> None:
    alice = node.remote()
    _bob, status = await _local_poll(node)
    await _vote(node, alice, 1, status, "Soup")
    await _refused(node, await _vote(node, alice, 2, status, "Salad"), "already voted", votes=1)


async def test_a_vote_after_the_end_is_refused(node: Node) -> None:
    alice = node.remote()
    _bob, status = await _local_poll(node)
    async with node.services.sessions() as session, session.begin():
        await session.execute(update(Poll).values(expires_at=utcnow() - timedelta(seconds=1)))
    await _refused(node, await _vote(node, alice, 1, status, "Soup"), "has ended")


async def test_a_vote_attributed_to_someone_else_is_refused(node: Node) -> None:
    alice, carol = node.remote(), node.remote("carol", key=1)
    _bob, status = await _local_poll(node)
    activity = alice.activity("Create", vote_note(alice, 1, status, "Soup", attributedTo=carol.uri))
    response = await node.post(alice, activity)
    assert response.status == 400 and "not attributed to its actor" in await response.text()
    await node.process()
    assert await node.count(PollVote) == 0 and await node.count(Status) == 1


async def test_a_forwarded_vote_is_refused(node: Node) -> None:
    alice, charlie = node.remote(), node.remote("charlie", host="forwarder.test", key=1)
    _bob, status = await _local_poll(node)
    activity = alice.activity("Create", vote_note(alice, 1, status, "Soup"))
    await node.deliver(charlie, activity)
    item = await node.item(activity["id"], forwarded_by=charlie)
    assert "must come from its voter" in (item.error or "")
    assert await node.count(PollVote) == 0 and await node.count(Status) == 1


async def test_a_vote_on_a_followers_only_poll_needs_a_follow(node: Node) -> None:
    alice = node.remote()
    bob, status = await _local_poll(node, visibility="private")
    await _refused(node, await _vote(node, alice, 1, status, "Soup"), "may not see this poll")
    async with node.services.sessions() as session, session.begin():
        follower = await session.get(Actor, (await node.rows(Actor, Actor.uri == alice.uri))[0].id)
        assert follower is not None
        session.add(Follow(follower_id=follower.id, followee_id=bob.id, uri=f"{alice.uri}#follow",
                           state="accepted"))
    await _vote(node, alice, 2, status, "Soup")
    assert await node.count(PollVote) == 1


@pytest.mark.parametrize("content", ["<p>Soup</p>", None])
async def test_a_note_naming_an_option_with_content_or_replying_to_no_poll_is_a_reply(
        node: Node, content: str | None) -> None:
    alice = node.remote()
    await node.followed(alice)
    _bob, status = await _local_poll(node)
    target = status
    if content is None:  # a reply to a post without a poll
        plain = alice.note(9, to=[PUBLIC])
        await node.deliver(alice, alice.activity("Create", plain, number=9))
        (target,) = await node.rows(Status, Status.uri == plain["id"])
    note = alice.note(2, name="Soup", inReplyTo=target.uri, content=content or "")
    await node.deliver(alice, alice.activity("Create", note, number=2))
    (reply,) = await node.rows(Status, Status.uri == note["id"])
    assert reply.in_reply_to_id == target.id and await node.count(PollVote) == 0
