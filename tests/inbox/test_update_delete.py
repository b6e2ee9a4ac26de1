"""Update (posts and profiles) and Delete (posts and whole actors)."""

from __future__ import annotations

from storage.models import ACCEPTED, Actor, Favourite, Follow, InboxItem, Job, Status, StatusEdit, Tombstone
from tests.inbox.conftest import Node


async def test_an_edit_keeps_the_previous_version(node: Node) -> None:
    alice = node.remote()
    await node.followed(alice)
    await node.deliver(alice, alice.activity("Create", alice.note(1)))
    edited = alice.note(1, content="<p>new <script>x</script>text</p>", updated="2025-01-03T00:00:00Z")
    update = alice.activity("Update", edited)
    await node.deliver(alice, update)
    await node.reprocess(update["id"])
    (status,) = await node.rows(Status)
    assert status.content == "<p>new text</p>"
    assert status.edited_at is not None and status.edited_at.isoformat() == "2025-01-03T00:00:00+00:00"
    (edit,) = await node.rows(StatusEdit)
    assert (edit.status_id, edit.content) == (status.id, "<p>note 1</p>")


async def test_an_older_edit_than_the_stored_one_is_ignored(node: Node) -> None:
    alice = node.remote()
    await node.followed(alice)
    await node.deliver(alice, alice.activity("Create", alice.note(1)))
    await node.deliver(alice, alice.activity("Update", alice.note(1, content="<p>v3</p>",
                                                                   updated="2025-01-04T00:00:00Z")))
    await node.deliver(alice, alice.activity("Update", alice.note(1, content="<p>v2</p>",
                                                                   updated="2025-01-03T00:00:00Z"), number=2))
    (status,) = await node.rows(Status)
    assert status.content == "<p>v3</p>" and await node.count(StatusEdit) == 1


async def test_an_update_of_an_unknown_post_is_ignored(node: Node) -> None:
    alice = node.remote()
    await node.deliver(alice, alice.activity("Update", alice.note(1)))
    assert await node.count(Status) == 0


async def test_a_profile_update_is_applied(node: Node) -> None:
    alice = node.remote()
    await node.seed(alice)
    profile = {**alice.document(), "name": "Alice <b>Liddell</b>", "summary": "<p>hi<script>x</script></p>",
               "alsoKnownAs": ["http://elsewhere.test/users/a"]}
    await node.deliver(alice, alice.activity("Update", profile))
    (actor,) = await node.rows(Actor, Actor.uri == alice.uri)
    assert actor.display_name == "Alice Liddell" and actor.note == "<p>hi</p>"
    assert actor.also_known_as == ["http://elsewhere.test/users/a"]


async def test_a_profile_update_of_another_actor_is_refused(node: Node) -> None:
    alice, carol = node.remote(), node.remote("carol", key=1)
    await node.seed(carol)
    update = alice.activity("Update", {**carol.document(), "name": "Hijacked"})
    await node.deliver(alice, update)
    (actor,) = await node.rows(Actor, Actor.uri == carol.uri)
    assert actor.display_name == "" and "own profile" in ((await node.item(update["id"])).error or "")


async def test_delete_removes_the_post_and_leaves_a_tombstone(node: Node) -> None:
    alice = node.remote()
    note = alice.note(1)
    await node.deliver(alice, alice.activity("Create", note))
    delete = alice.activity("Delete", {"id": note["id"], "type": "Tombstone"})
    await node.deliver(alice, delete)
    await node.reprocess(delete["id"])
    assert await node.count(Status) == 0
    (tombstone,) = await node.rows(Tombstone)
    assert (tombstone.uri, tombstone.actor_uri) == (note["id"], alice.uri)
    await node.deliver(alice, alice.activity("Create", note, number=2))
    assert await node.count(Status) == 0


async def test_a_delete_of_another_actors_post_is_refused(node: Node) -> None:
    alice, carol = node.remote(), node.remote("carol", key=1)
    await node.followed(alice)
    await node.deliver(alice, alice.activity("Create", alice.note(1)))
    other = {"id": f"{alice.uri}/statuses/1", "type": "Tombstone"}
    delete = carol.activity("Delete", other)
    await node.deliver(carol, delete)
    assert await node.count(Status) == 1 and await node.count(Tombstone) == 0
    assert "another actor" in ((await node.item(delete["id"])).error or "")


async def test_deleting_a_reply_decrements_its_parent(node: Node) -> None:
    alice = node.remote()
    await node.followed(alice)
    await node.deliver(alice, alice.activity("Create", alice.note(1)))
    reply = alice.note(2, inReplyTo=alice.note(1)["id"])
    await node.deliver(alice, alice.activity("Create", reply, number=2))
    await node.deliver(alice, alice.activity("Delete", alice.note(2)["id"]))
    (parent,) = await node.rows(Status)
    assert parent.replies_count == 0


async def test_an_actor_delete_removes_its_posts_follows_and_favourites(node: Node) -> None:
    alice = node.remote()
    bob = await node.local("bob")
    async with node.services.sessions() as session, session.begin():
        local_post = Status(uri=f"{bob.uri}/statuses/1", actor_id=bob.id, local=True)
        session.add(local_post)
    await node.deliver(alice, alice.activity("Follow", bob.uri))
    await node.deliver(alice, alice.activity("Create", alice.note(1)))
    await node.deliver(alice, alice.activity("Like", local_post.uri))
    await node.deliver(alice, alice.activity("Delete", alice.uri))
    assert await node.count(Follow) == 0 and await node.count(Favourite) == 0
    (remaining,) = await node.rows(Status)
    assert remaining.id == local_post.id and remaining.favourites_count == 0
    assert await node.count(Tombstone, Tombstone.uri == alice.uri) == 1


async def test_a_follow_state_survives_unrelated_deletes(node: Node) -> None:
    alice = node.remote()
    bob = await node.local("bob")
    await node.deliver(alice, alice.activity("Follow", bob.uri))
    await node.deliver(alice, alice.activity("Delete", f"{alice.uri}/statuses/404"))
    (row,) = await node.rows(Follow)
    assert row.state == ACCEPTED


async def test_the_deletion_of_an_unknown_actor_is_accepted_without_any_work(node: Node) -> None:
    alice = node.remote()
    node.peer.serve(alice.uri, 410)
    response = await node.post(alice, alice.activity("Delete", alice.uri))
    assert response.status == 202
    assert node.peer.hits == [] and await node.count(InboxItem) == 0 and await node.count(Job) == 0
