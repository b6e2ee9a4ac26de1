"""Activities relayed by a third server: the body is not believed, the origin is asked."""

from __future__ import annotations

from storage.models import Status, StatusEdit, Tombstone
from tests.inbox.conftest import Node


async def test_a_forwarded_create_is_stored_as_its_origin_serves_it(node: Node) -> None:
    alice, charlie = node.remote(), node.remote("charlie", host="forwarder.test", key=1)
    await node.followed(alice)
    genuine = alice.note(1, content="<p>what alice wrote</p>")
    node.peer.serve(genuine["id"], genuine)
    forged = alice.activity("Create", alice.note(1, content="<p>words put in her mouth</p>"))
    await node.deliver(charlie, forged)
    (status,) = await node.rows(Status)
    assert status.content == "<p>what alice wrote</p>"
    item = await node.item(forged["id"], forwarded_by=charlie)
    assert item.signer_uri == charlie.uri and item.actor_uri == alice.uri
    assert "remote.test/users/alice/statuses/1" in node.peer.hits


async def test_a_forwarded_create_whose_origin_does_not_know_it_is_refused(node: Node) -> None:
    alice, charlie = node.remote(), node.remote("charlie", host="forwarder.test", key=1)
    await node.followed(alice)
    forged = alice.activity("Create", alice.note(1))
    response = await node.post(charlie, forged)
    assert response.status == 202  # accepted for processing: the origin decides
    await node.process()
    assert await node.count(Status) == 0
    item = await node.item(forged["id"], forwarded_by=charlie)
    assert item.processed_at is not None and "404" in (item.error or "")


async def test_a_forwarded_create_the_origin_attributes_to_another_actor_is_refused(node: Node) -> None:
    alice, charlie = node.remote(), node.remote("charlie", host="forwarder.test", key=1)
    await node.followed(alice)
    node.remote("mallory")
    node.peer.serve(alice.note(1)["id"], alice.note(1, attributedTo=f"{alice.base}/users/mallory"))
    forged = alice.activity("Create", alice.note(1))
    await node.deliver(charlie, forged)
    assert await node.count(Status) == 0
    assert "attributed" in ((await node.item(forged["id"], forwarded_by=charlie)).error or "")


async def test_a_forwarded_update_applies_what_the_origin_serves(node: Node) -> None:
    alice, charlie = node.remote(), node.remote("charlie", host="forwarder.test", key=1)
    await node.followed(alice)
    await node.deliver(alice, alice.activity("Create", alice.note(1)))
    edited = alice.note(1, content="<p>edited</p>", updated="2025-01-03T00:00:00Z")
    node.peer.serve(edited["id"], edited)
    await node.deliver(charlie, alice.activity("Update", alice.note(1, content="<p>forged edit</p>")))
    (status,) = await node.rows(Status)
    assert status.content == "<p>edited</p>"
    assert await node.count(StatusEdit) == 1


async def test_a_forwarded_delete_applies_only_when_the_origin_says_gone(node: Node) -> None:
    alice, charlie = node.remote(), node.remote("charlie", host="forwarder.test", key=1)
    await node.followed(alice)
    await node.deliver(alice, alice.activity("Create", alice.note(1)))
    note_id = alice.note(1)["id"]
    node.peer.serve(note_id, alice.note(1))
    await node.deliver(charlie, alice.activity("Delete", note_id))
    assert await node.count(Status) == 1
    node.peer.serve(note_id, 410)
    await node.deliver(charlie, alice.activity("Delete", note_id, number=2))
    assert await node.count(Status) == 0
    assert await node.count(Tombstone, Tombstone.uri == note_id) == 1


async def test_a_like_signed_by_someone_else_is_refused(node: Node) -> None:
    alice, charlie = node.remote(), node.remote("charlie", host="forwarder.test", key=1)
    response = await node.post(charlie, alice.activity("Like", f"{alice.uri}/statuses/1"))
    assert response.status == 401
    assert "keyId is on another server" in (await response.json())["error"]


async def test_a_forwarded_activity_cannot_use_up_the_id_of_the_genuine_one(node: Node) -> None:
    alice, charlie = node.remote(), node.remote("charlie", host="forwarder.test", key=1)
    await node.followed(alice)
    create = alice.activity("Create", alice.note(1))
    await node.deliver(charlie, create)  # forwarded before alice even posted: refused (404)
    assert await node.count(Status) == 0
    await node.deliver(alice, create)  # the genuine Create, same id, signed by alice
    (status,) = await node.rows(Status)
    assert status.uri == alice.note(1)["id"]


async def test_the_same_forward_twice_is_stored_once(node: Node) -> None:
    alice, charlie = node.remote(), node.remote("charlie", host="forwarder.test", key=1)
    await node.followed(alice)
    node.peer.serve(alice.note(1)["id"], alice.note(1))
    create = alice.activity("Create", alice.note(1))
    await node.deliver(charlie, create)
    assert (await node.post(charlie, create)).status == 202
    assert len(await node.jobs()) == 0 and await node.count(Status) == 1
