"""A post with a poll is served as a Question, its counts as they are, `closed` once ended."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import update

from actors.posts import posting
from actors.posts.polls import PollSpec
from storage.models import Actor, Poll, utcnow
from tests.ui.activitypub.conftest import Node


async def test_a_poll_is_served_as_a_question_and_says_when_it_closed(node: Node) -> None:
    alice = await node.user("alice")
    async with node.services.sessions() as session, session.begin():
        author = await session.get(Actor, alice.id)
        assert author is not None
        status = await posting.create_status(session, node.services, author,
                posting.NewStatus(text="Which day?", poll=PollSpec(["Sat", "Sun"], 86400, multiple=True)))
    doc = await node.json(f"/users/alice/statuses/{status.id}")
    assert doc["type"] == "Question" and "oneOf" not in doc and "closed" not in doc
    assert [o["name"] for o in doc["anyOf"]] == ["Sat", "Sun"] and doc["votersCount"] == 0
    ended = utcnow() - timedelta(minutes=1)
    async with node.services.sessions() as session, session.begin():
        await session.execute(update(Poll).values(expires_at=ended, options=[
            {"title": "Sat", "votes": 2}, {"title": "Sun", "votes": 1}], voters_count=2))
    doc = await node.json(f"/users/alice/statuses/{status.id}")
    assert doc["closed"] == doc["endTime"] == ended.strftime("%Y-%m-%dT%H:%M:%SZ")
    assert [o["replies"]["totalItems"] for o in doc["anyOf"]] == [2, 1] and doc["votersCount"] == 2
