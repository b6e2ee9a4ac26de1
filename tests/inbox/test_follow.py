"""Follow, Accept, Reject and Undo Follow arriving at the inbox."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from actors.social import follows
from storage.models import ACCEPTED, PENDING, Actor, Block, Follow, Notification, OutboxActivity
from tests.inbox.conftest import Node


async def _deliveries(node: Node) -> list[OutboxActivity]:
    return await node.rows(OutboxActivity)


async def test_follow_of_an_unlocked_account_is_accepted_with_one_accept_delivery(node: Node) -> None:
    bob = await node.local("bob")
    alice = node.remote()
    follow = alice.activity("Follow", bob.uri)
    await node.deliver(alice, follow)
    (row,) = await node.rows(Follow)
    assert (row.state, row.uri, row.followee_id) == (ACCEPTED, follow["id"], bob.id)
    (accept,) = await _deliveries(node)
    assert accept.body["type"] == "Accept" and accept.body["actor"] == bob.uri
    assert accept.body["object"]["id"] == follow["id"] and accept.body["object"]["type"] == "Follow"
    assert accept.actor_id == bob.id
    (job,) = await node.jobs("federation.deliver")
    assert job.payload == {"activity_id": accept.id, "inbox": alice.inbox}
    (note,) = await node.rows(Notification)
    assert (note.type, note.recipient_id) == ("follow", bob.id)


async def test_the_same_follow_processed_twice_changes_nothing(node: Node) -> None:
    bob = await node.local("bob")
    alice = node.remote()
    follow = alice.activity("Follow", bob.uri)
    await node.deliver(alice, follow)
    await node.reprocess(follow["id"])
    assert await node.count(Follow) == 1
    assert await node.count(OutboxActivity) == 1
    assert await node.count(Notification) == 1


async def test_follow_of_a_locked_account_is_a_pending_request(node: Node) -> None:
    bob = await node.local("bob", locked=True)
    alice = node.remote()
    await node.deliver(alice, alice.activity("Follow", bob.uri))
    (row,) = await node.rows(Follow)
    assert row.state == PENDING
    (note,) = await node.rows(Notification)
    assert note.type == "follow_request"
    assert await node.count(OutboxActivity) == 0


async def test_undo_follow_removes_the_follower(node: Node) -> None:
    bob = await node.local("bob")
    alice = node.remote()
    follow = alice.activity("Follow", bob.uri)
    await node.deliver(alice, follow)
    undo = alice.activity("Undo", follow)
    await node.deliver(alice, undo)
    assert await node.count(Follow) == 0
    await node.reprocess(undo["id"])
    assert await node.count(Follow) == 0


async def test_undo_follow_by_id_only_removes_the_follower(node: Node) -> None:
    bob = await node.local("bob")
    alice = node.remote()
    follow = alice.activity("Follow", bob.uri)
    await node.deliver(alice, follow)
    await node.deliver(alice, alice.activity("Undo", follow["id"]))
    assert await node.count(Follow) == 0


async def test_undo_of_a_pending_request_removes_its_notification(node: Node) -> None:
    bob = await node.local("bob", locked=True)
    alice = node.remote()
    follow = alice.activity("Follow", bob.uri)
    await node.deliver(alice, follow)
    await node.deliver(alice, alice.activity("Undo", follow))
    assert await node.count(Follow) == 0 and await node.count(Notification) == 0


async def test_undo_of_someone_elses_follow_changes_nothing(node: Node) -> None:
    bob = await node.local("bob")
    alice, carol = node.remote(), node.remote("carol", key=1)
    follow = alice.activity("Follow", bob.uri)
    await node.deliver(alice, follow)
    await node.deliver(carol, carol.activity("Undo", follow["id"]))
    assert await node.count(Follow) == 1


async def test_a_follow_from_a_blocked_actor_is_rejected(node: Node) -> None:
    bob = await node.local("bob")
    alice = node.remote()
    author = await node.seed(alice)
    async with node.services.sessions() as session, session.begin():
        session.add(Block(actor_id=bob.id, target_id=author.id, uri="http://amity.test/blocks/1"))
    follow = alice.activity("Follow", bob.uri)
    await node.deliver(alice, follow)
    assert await node.count(Follow) == 0
    (reject,) = await _deliveries(node)
    assert reject.body["type"] == "Reject" and reject.body["object"]["id"] == follow["id"]


async def test_a_repeated_follow_of_an_accepted_relation_is_accepted_again(node: Node) -> None:
    bob = await node.local("bob")
    alice = node.remote()
    await node.deliver(alice, alice.activity("Follow", bob.uri))
    await node.deliver(alice, alice.activity("Follow", bob.uri, number=2))
    (row,) = await node.rows(Follow)
    assert row.uri == alice.activity("Follow", bob.uri, number=2)["id"]
    accepts = [a.body["object"]["id"] for a in await _deliveries(node)]
    assert sorted(accepts) == sorted([alice.activity("Follow", bob.uri)["id"], row.uri])


async def test_a_follow_of_an_unknown_local_account_is_refused_in_processing(node: Node) -> None:
    alice = node.remote()
    follow = alice.activity("Follow", "http://amity.test/users/nobody")
    await node.deliver(alice, follow)
    item = await node.item(follow["id"])
    assert item.processed_at is not None and "nobody" in (item.error or "")
    assert await node.count(Follow) == 0


async def _our_follow(node: Node, alice_uri: str) -> tuple[Follow, str]:
    bob = await node.local("bob")
    async with node.services.sessions() as session, session.begin():
        target = await session.scalar(select(Actor).where(Actor.uri == alice_uri))
        follower = await session.get(Actor, bob.id)
        assert target is not None and follower is not None
        row = await follows.follow(session, follower, target, base_url=node.services.base_url)
    return row, bob.uri


@pytest.mark.parametrize("by_id", [True, False])
async def test_accept_of_our_follow_makes_it_accepted(node: Node, by_id: bool) -> None:
    alice = node.remote()
    await node.seed(alice)
    row, bob_uri = await _our_follow(node, alice.uri)
    assert row.state == PENDING
    obj: Any = row.uri if by_id else {"type": "Follow", "actor": bob_uri, "object": alice.uri}
    await node.deliver(alice, alice.activity("Accept", obj))
    (stored,) = await node.rows(Follow)
    assert stored.state == ACCEPTED


async def test_accept_from_another_actor_changes_nothing(node: Node) -> None:
    alice, carol = node.remote(), node.remote("carol", key=1)
    await node.seed(alice)
    row, _ = await _our_follow(node, alice.uri)
    await node.deliver(carol, carol.activity("Accept", row.uri))
    (stored,) = await node.rows(Follow)
    assert stored.state == PENDING


async def test_reject_of_our_follow_removes_it(node: Node) -> None:
    alice = node.remote()
    await node.seed(alice)
    row, _ = await _our_follow(node, alice.uri)
    await node.deliver(alice, alice.activity("Reject", {"id": row.uri, "type": "Follow"}))
    assert await node.count(Follow) == 0
