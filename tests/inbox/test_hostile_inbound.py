"""Hostile input at the inbox, continued: suspended senders, strangers' Deletes, activities out
of order, unsolicited posts. Each test checks the answer and that nothing was stored, queued or
fetched (the helpers of `test_hostile`)."""

from __future__ import annotations

from storage.models import Actor, Follow, InboxItem, utcnow
from tests.inbox.conftest import Node
from tests.inbox.test_hostile import assert_untouched, refused, signed, snapshot

# --- remote accounts suspended here ----------------------------------------------------------


async def test_a_suspended_account_is_refused_before_its_signature_is_checked(node: Node) -> None:
    bob = await node.local("bob")
    alice = node.remote()
    await node.seed(alice, suspended_at=utcnow())
    before = await snapshot(node)
    body, headers = signed(alice, alice.activity("Follow", bob.uri))
    assert "suspended" in await refused(node, 403, body, headers)
    await assert_untouched(node, before)


async def test_a_key_of_a_suspended_account_is_refused_for_any_actor(node: Node) -> None:
    bob = await node.local("bob")
    alice, carol = node.remote(), node.remote("carol", host="forwarder.test", key=1)
    await node.seed(carol, suspended_at=utcnow())
    before = await snapshot(node)
    body, headers = signed(carol, alice.activity("Create", alice.note(1), to=[bob.uri]))
    assert "suspended" in await refused(node, 403, body, headers)
    await assert_untouched(node, before)


async def test_an_item_queued_before_the_suspension_is_dropped(node: Node) -> None:
    bob = await node.local("bob")
    alice = node.remote()
    row = await node.seed(alice)
    follow = alice.activity("Follow", bob.uri)
    assert (await node.post(alice, follow)).status == 202
    async with node.services.sessions() as session, session.begin():
        (await session.get(Actor, row.id)).suspended_at = utcnow()  # type: ignore[union-attr]
    await node.process()
    assert await node.count(Follow) == 0
    item: InboxItem = await node.item(follow["id"])
    assert "suspended" in (item.error or "")
