"""One accepted Move per account per 30 days: a second Move within the cooldown is ignored
(logged, nothing fetched, followers stay where the first Move put them)."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest
from sqlalchemy import update

from storage.models import ACCEPTED, Actor, Follow, utcnow
from tests.inbox.conftest import Node
from tests.inbox.fakes import RemoteActor


async def _moved_to(node: Node, old: RemoteActor) -> str | None:
    [row] = await node.rows(Actor, Actor.uri == old.uri)
    if row.moved_to_id is None:
        return None
    [target] = await node.rows(Actor, Actor.id == row.moved_to_id)
    return target.uri


async def test_a_second_move_within_thirty_days_is_ignored(node: Node,
                                                           caplog: pytest.LogCaptureFixture) -> None:
    old = node.remote()
    first = node.remote("alice2", host="third.test", key=1)
    second = node.remote("alice3", host="third.test", key=1)
    bob = await node.local("bob")
    old_row = await node.seed(old)
    for new in (first, second):
        node.peer.serve(new.uri, {**new.document(), "alsoKnownAs": [old.uri]})
    async with node.services.sessions() as session, session.begin():
        session.add(Follow(follower_id=bob.id, followee_id=old_row.id, uri="http://amity.test/f/1",
                           state=ACCEPTED))
    await node.deliver(old, old.activity("Move", old.uri, target=first.uri, number=1))
    assert await _moved_to(node, old) == first.uri
    node.peer.hits.clear()
    with caplog.at_level(logging.INFO, logger="amity.inbox"):
        await node.deliver(old, old.activity("Move", old.uri, target=second.uri, number=2))
    assert await _moved_to(node, old) == first.uri
    assert [r for r in caplog.records if r.msg == "inbox.move_ignored"]
    assert "third.test/users/alice3" not in node.peer.hits  # nothing fetched for an ignored Move
    [follow] = await node.rows(Follow)
    assert follow.followee_id != old_row.id and await node.count(Actor, Actor.uri == second.uri) == 0

    async with node.services.sessions() as session, session.begin():  # 31 days later
        await session.execute(update(Actor).where(Actor.id == old_row.id)
                              .values(moved_at=utcnow() - timedelta(days=31)))
    await node.deliver(old, old.activity("Move", old.uri, target=second.uri, number=3))
    assert await _moved_to(node, old) == second.uri
