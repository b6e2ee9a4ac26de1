"""Polls between a live Amity node and the real Fedify peer: Questions and votes both ways.

Amity's poll reaches the peer as a `Question` Fedify understands; the peer's vote (a
`Create(Note)` with the option's `name`, Mastodon's shape) is counted and the counts go back
in an `Update(Question)`; the peer's own `Question` is stored by Amity and a member's vote
reaches the peer's inbox.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from actors.posts import polls
from actors.posts.poll_jobs import END_KIND, UPDATE_KIND
from actors.posts.polls import PollSpec
from storage import queue
from storage.models import Actor, Job, Notification, Poll, PollVote, Status, utcnow
from tests.conftest import new_database
from tests.integration.node import AmityNode, eventually
from tests.interop.amity_fedify import (
    _alice_follows,
    _bob_follows_alice,
    _logged,
    _object,
    _post,
    _stored,
)
from tests.interop.fedify_peer import FedifyPeer

Json = dict[str, Any]


@pytest.fixture
async def amity(tmp_path: Path, request: pytest.FixtureRequest) -> AsyncIterator[AmityNode]:
    async for url in new_database("sqlite", tmp_path, request):
        async with await AmityNode.start(url, tmp_path) as node:
            yield node


async def _poll(amity: AmityNode, status_id: int) -> Poll | None:
    return await amity.query(lambda s: s.scalar(select(Poll).where(Poll.status_id == status_id)))


async def _run_poll_job_now(amity: AmityNode, kind: str) -> None:
    """Make the queued poll jobs of `kind` due now (instead of in a minute, or at the end)."""
    async def due(session: AsyncSession) -> None:
        await session.execute(update(Job).where(Job.kind == kind).values(run_after=queue.now_ms()))
    await amity.write(due)


async def test_an_amity_poll_reaches_fedify_as_a_question(amity: AmityNode, fedify_peer: FedifyPeer) -> None:
    bob = await amity.create_user("bob")
    await _alice_follows(amity, fedify_peer, bob)
    post = await _post(amity, bob, "Tea or coffee?", poll=PollSpec(["Tea", "Coffee"], 3600))
    create = await _logged(amity, fedify_peer, "Create", lambda e: e["object"] == post.uri)
    assert create["object_type"] == "Question"
    question = _object(create)
    assert question["oneOf"] == [
        {"type": "Note", "name": name, "replies": {"type": "Collection", "totalItems": 0}}
        for name in ("Tea", "Coffee")]
    assert question["votersCount"] == 0 and question["endTime"].endswith("Z") and "closed" not in question
    parsed = create["activity"]["object"]  # Fedify's own reading of it
    assert parsed["type"] == "Question" and len(parsed["oneOf"]) == 2


async def test_a_fedify_vote_is_counted_and_the_counts_and_the_end_reach_fedify(
        amity: AmityNode, fedify_peer: FedifyPeer) -> None:
    bob = await amity.create_user("bob")
    await _alice_follows(amity, fedify_peer, bob)
    post = await _post(amity, bob, "Tea or coffee?", poll=PollSpec(["Tea", "Coffee"], 3600))
    await _logged(amity, fedify_peer, "Create", lambda e: e["object"] == post.uri)
    sent = await fedify_peer.vote(post.uri, ["Coffee"])
    (vote,) = sent["votes"]
    assert vote["deliveries"][0]["inbox"] == f"{bob.uri}/inbox"

    async def counted() -> Poll | None:
        found = await _poll(amity, post.id)
        return found if found is not None and found.votes_count == 1 else None
    poll = await eventually(counted, nodes=(amity,))
    assert [o["votes"] for o in poll.options] == [0, 1] and poll.voters_count == 1
    alice = await amity.query(lambda s: s.scalar(select(Actor).where(Actor.uri == fedify_peer.actor_url)))
    assert alice is not None
    (row,) = await amity.query(lambda s: s.scalars(select(PollVote)))
    assert (row.actor_id, row.uri) == (alice.id, vote["activity"]["object"]["id"])
    assert await amity.query(lambda s: s.scalar(select(Status).where(Status.uri == row.uri))) is None

    await _run_poll_job_now(amity, UPDATE_KIND)
    counts = await _logged(amity, fedify_peer, "Update", lambda e: e["object"] == post.uri)
    question = _object(counts)
    assert [o["replies"]["totalItems"] for o in question["oneOf"]] == [0, 1] and question["votersCount"] == 1

    async def ended(session: AsyncSession) -> None:
        await session.execute(update(Poll).values(expires_at=utcnow() - timedelta(seconds=1)))
    await amity.write(ended)
    await _run_poll_job_now(amity, END_KIND)
    final = await _logged(amity, fedify_peer, "Update",
                          lambda e: e["object"] == post.uri and "closed" in e["raw"]["object"])
    assert _object(final)["closed"] == _object(final)["endTime"]
    note = await amity.query(lambda s: s.scalar(select(Notification).where(Notification.type == "poll")))
    assert note is not None and (note.recipient_id, note.status_id) == (bob.id, post.id)


async def test_a_fedify_question_is_stored_and_an_amity_vote_reaches_fedify(
        amity: AmityNode, fedify_peer: FedifyPeer) -> None:
    bob, _alice = await _bob_follows_alice(amity, fedify_peer)
    end = (utcnow() + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M:%SZ")
    sent = await fedify_peer.post("<p>Best trail?</p>", poll={"options": ["North", "South", "East"],
                                                              "multiple": True, "end_time": end})
    status = await _stored(amity, sent["note_id"])
    assert status.object_type == "Question"
    poll = await _poll(amity, status.id)
    assert poll is not None and poll.multiple
    assert [o["title"] for o in poll.options] == ["North", "South", "East"]
    assert poll.expires_at is not None and poll.expires_at.strftime("%Y-%m-%dT%H:%M:%SZ") == end

    async def cast(session: AsyncSession) -> Poll:
        voter, question = await session.get(Actor, bob.id), await session.get(Status, status.id)
        assert voter is not None and question is not None
        return await polls.vote(session, voter, question, [0, 2])
    poll = await amity.write(cast)
    assert [o["votes"] for o in poll.options] == [1, 0, 1]

    def is_vote(entry: Json) -> bool:
        obj = entry["raw"]["object"]
        return entry["object_type"] == "Note" and isinstance(obj, dict) and obj.get("inReplyTo") == status.uri
    async def both_votes() -> list[Json] | None:
        votes = [e for e in await fedify_peer.log() if e["type"] == "Create" and is_vote(e)]
        return votes if len(votes) == 2 else None
    votes = await eventually(both_votes, nodes=(amity,))
    assert sorted(_object(e)["name"] for e in votes) == ["East", "North"]
    first = votes[0]
    assert (first["actor"], first["signer"], first["recipient"]) == (bob.uri, f"{bob.uri}#main-key", "alice")
    assert _object(first)["to"] == [fedify_peer.actor_url] and "content" not in _object(first)
