"""Hostile input at the inbox, continued: suspended senders, strangers' Deletes, activities out
of order, unsolicited posts. Each test checks the answer and that nothing was stored, queued or
fetched (the helpers of `test_hostile`)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import update

from storage.models import (
    ACCEPTED,
    Actor,
    Block,
    Favourite,
    Follow,
    InboxItem,
    Notification,
    Status,
    StatusEdit,
    Tombstone,
    UndoneActivity,
    utcnow,
)
from tests.inbox.conftest import Node
from tests.inbox.fakes import PUBLIC, RemoteActor
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


# --- Deletes relayed by strangers --------------------------------------------------------------


async def _stored(node: Node, author: RemoteActor, number: int, **fields: object) -> str:
    """A post of `author` (followed here) stored by its signed Create; its URI."""
    await node.followed(author)
    await node.deliver(author, author.activity("Create", author.note(number, **fields), number=number))
    assert await node.count(Status) == 1
    return str(author.note(number)["id"])


async def test_a_relayed_delete_of_a_followers_only_post_answered_404_is_not_applied(node: Node) -> None:
    alice, mallory = node.remote(), node.remote("mallory", host="forwarder.test", key=1)
    note_id = await _stored(node, alice, 1, to=[alice.followers], cc=[])
    delete = alice.activity("Delete", note_id)
    await node.deliver(mallory, delete)  # the origin answers 404 to us for followers-only posts
    assert await node.count(Status) == 1 and await node.count(Tombstone) == 0
    assert "does not confirm" in ((await node.item(delete["id"], forwarded_by=mallory)).error or "")
    assert node.peer.hits.count("remote.test/users/alice/statuses/1") == 1


async def test_a_relayed_delete_of_a_public_post_answered_404_is_applied(node: Node) -> None:
    alice, charlie = node.remote(), node.remote("charlie", host="forwarder.test", key=1)
    note_id = await _stored(node, alice, 1)
    await node.deliver(charlie, alice.activity("Delete", note_id))
    assert await node.count(Status) == 0
    (tombstone,) = await node.rows(Tombstone)
    assert tombstone.actor_uri == alice.uri


async def test_a_relayed_delete_of_a_private_post_is_applied_on_a_tombstone(node: Node) -> None:
    alice, charlie = node.remote(), node.remote("charlie", host="forwarder.test", key=1)
    note_id = await _stored(node, alice, 1, to=[alice.followers], cc=[])
    node.peer.serve(note_id, {"id": note_id, "type": "Tombstone"})
    await node.deliver(charlie, alice.activity("Delete", note_id))
    assert await node.count(Status) == 0 and await node.count(Tombstone) == 1


async def test_a_relayed_delete_of_an_unknown_post_fetches_nothing_and_tombstones_nothing(node: Node) -> None:
    alice, mallory = node.remote(), node.remote("mallory", host="forwarder.test", key=1)
    await node.followed(alice)
    note_id = str(alice.note(1)["id"])
    node.peer.serve(note_id, 410)
    await node.deliver(mallory, alice.activity("Delete", note_id))
    assert await node.count(Tombstone) == 0
    assert node.peer.hits == ["forwarder.test/users/mallory"]  # its key, nothing else
    await node.deliver(alice, alice.activity("Create", alice.note(1)))
    assert await node.count(Status) == 1


async def test_an_early_delete_by_another_actor_does_not_block_the_authors_post(node: Node) -> None:
    alice, mallory = node.remote(), node.remote("mallory", key=1)  # the same server
    await node.followed(alice)
    note_id = str(alice.note(1)["id"])
    await node.deliver(mallory, mallory.activity("Delete", note_id))
    await node.deliver(alice, alice.activity("Create", alice.note(1)))
    assert await node.count(Status) == 1
    await node.deliver(alice, alice.activity("Delete", note_id))  # hers: the tombstone is handed over
    (tombstone,) = await node.rows(Tombstone)
    assert tombstone.actor_uri == alice.uri
    await node.deliver(alice, alice.activity("Create", alice.note(1), number=2))
    assert await node.count(Status) == 0


async def test_an_early_delete_by_the_author_blocks_the_late_create(node: Node) -> None:
    alice = node.remote()
    await node.followed(alice)
    note_id = str(alice.note(1)["id"])
    await node.deliver(alice, alice.activity("Delete", note_id))
    (tombstone,) = await node.rows(Tombstone)
    assert tombstone.actor_uri == alice.uri
    await node.deliver(alice, alice.activity("Create", alice.note(1)))
    assert await node.count(Status) == 0


# --- activities out of order -----------------------------------------------------------------


async def test_an_update_older_than_the_stored_post_is_ignored(node: Node) -> None:
    alice = node.remote()
    await _stored(node, alice, 1)  # published 2025-01-02T03:04:05Z, never edited
    stale = alice.note(1, content="<p>older</p>", updated="2025-01-01T00:00:00Z")
    await node.deliver(alice, alice.activity("Update", stale))
    (status,) = await node.rows(Status)
    assert status.content == "<p>note 1</p>" and status.edited_at is None
    assert await node.count(StatusEdit) == 0


async def test_an_update_of_the_same_date_with_new_content_is_applied(node: Node) -> None:
    alice = node.remote()
    await _stored(node, alice, 1)
    await node.deliver(alice, alice.activity("Update", alice.note(1, content="<p>v2</p>",
                                                                   updated="2025-01-03T00:00:00Z")))
    await node.deliver(alice, alice.activity("Update", alice.note(1, content="<p>v2 fixed</p>",
                                                                   updated="2025-01-03T00:00:00Z"), number=2))
    (status,) = await node.rows(Status)
    assert status.content == "<p>v2 fixed</p>"


async def test_a_profile_update_older_than_the_applied_one_is_ignored(node: Node) -> None:
    alice = node.remote()
    await node.seed(alice)
    newer = {**alice.document(), "name": "Newer", "updated": "2025-02-02T00:00:00Z"}
    older = {**alice.document(), "name": "Older", "updated": "2025-02-01T00:00:00Z"}
    await node.deliver(alice, alice.activity("Update", newer))
    await node.deliver(alice, alice.activity("Update", older, number=2))
    (actor,) = await node.rows(Actor, Actor.uri == alice.uri)
    assert actor.display_name == "Newer"


async def _local_post(node: Node, author: Actor) -> Status:
    async with node.services.sessions() as session, session.begin():
        status = Status(uri=f"{author.uri}/statuses/1", actor_id=author.id, local=True,
                        content="<p>hello</p>", visibility="public")
        session.add(status)
    return status


async def _effects(node: Node) -> dict[str, int]:
    return {model.__name__: await node.count(model, *where) for model, *where in (
        (Follow,), (Favourite,), (Block,), (Status, Status.reblog_of_id.is_not(None)), (Notification,))}


@pytest.mark.parametrize("kind", ["Follow", "Like", "Announce", "Block"])
@pytest.mark.parametrize("embedded", [True, False])
async def test_an_undo_that_overtakes_its_activity_is_remembered(node: Node, kind: str,
                                                                 embedded: bool) -> None:
    bob = await node.local("bob")
    post = await _local_post(node, bob)
    alice = node.remote()
    await node.seed(alice)
    target = bob.uri if kind in ("Follow", "Block") else post.uri
    late = alice.activity(kind, target, to=[PUBLIC])
    undone = ({"id": late["id"], "type": kind, "actor": alice.uri, "object": target} if embedded
              else late["id"])
    before = await _effects(node)
    await node.deliver(alice, alice.activity("Undo", undone))
    await node.deliver(alice, late)
    assert await _effects(node) == before
    assert "undid it" in ((await node.item(late["id"])).error or "")


async def test_an_undo_by_another_actor_does_not_stop_the_activity(node: Node) -> None:
    bob = await node.local("bob")
    alice, mallory = node.remote(), node.remote("mallory", key=1)  # the same server
    await node.seed(alice)
    await node.seed(mallory)
    follow = alice.activity("Follow", bob.uri)
    await node.deliver(mallory, mallory.activity("Undo", follow["id"]))
    await node.deliver(alice, follow)
    (row,) = await node.rows(Follow)
    assert row.state == ACCEPTED


async def test_an_early_undo_is_forgotten_after_a_while(node: Node) -> None:
    bob = await node.local("bob")
    alice = node.remote()
    await node.seed(alice)
    follow = alice.activity("Follow", bob.uri)
    await node.deliver(alice, alice.activity("Undo", follow["id"]))
    async with node.services.sessions() as session, session.begin():
        await session.execute(update(UndoneActivity).values(expires_at=utcnow() - timedelta(seconds=1)))
    await node.deliver(alice, follow)
    assert await node.count(Follow) == 1


# --- unsolicited posts and boosts ------------------------------------------------------------


async def _dropped(node: Node, author: RemoteActor, activity: dict[str, object]) -> None:
    """Answered 202 (as Mastodon does), and nothing stored, queued or fetched."""
    before = await snapshot(node)
    response = await node.post(author, activity)
    assert response.status == 202, await response.text()
    await node.process()
    await assert_untouched(node, before)


async def test_a_post_from_a_stranger_to_nobody_here_is_dropped(node: Node) -> None:
    await node.local("bob")
    alice = node.remote()
    await node.seed(alice)
    await _dropped(node, alice, alice.activity("Create", alice.note(1)))


async def test_a_post_from_an_unknown_stranger_stores_not_even_its_author(node: Node) -> None:
    alice = node.remote()
    before = await snapshot(node)
    response = await node.post(alice, alice.activity("Create", alice.note(1)))
    assert response.status == 202
    await assert_untouched(node, before, fetched=["remote.test/users/alice"])  # its key only


async def test_a_reply_in_a_strangers_thread_is_dropped_without_fetching_the_parent(node: Node) -> None:
    alice, carol = node.remote(), node.remote("carol", key=1)
    await node.seed(alice)
    await _dropped(node, alice, alice.activity("Create", alice.note(2, inReplyTo=carol.note(1)["id"])))


async def test_a_post_named_by_id_from_a_stranger_is_dropped_without_fetching_it(node: Node) -> None:
    alice = node.remote()
    await node.seed(alice)
    node.peer.serve(alice.note(1)["id"], alice.note(1))
    await _dropped(node, alice, alice.activity("Create", alice.note(1)["id"]))


async def test_a_boost_by_a_stranger_of_a_remote_post_is_dropped_without_fetching_it(node: Node) -> None:
    alice, carol = node.remote(), node.remote("carol", key=1)
    await node.seed(alice)
    node.peer.serve(carol.note(1)["id"], carol.note(1))
    await _dropped(node, alice, alice.activity("Announce", carol.note(1)["id"], to=[PUBLIC]))


async def test_a_post_mentioning_a_member_is_kept(node: Node) -> None:
    bob = await node.local("bob")
    alice = node.remote()
    mention = {"type": "Mention", "href": bob.uri, "name": "@bob"}
    await node.deliver(alice, alice.activity("Create", alice.note(1, tag=[mention])))
    assert await node.count(Status) == 1


async def test_a_reply_to_a_members_post_is_kept(node: Node) -> None:
    bob = await node.local("bob")
    post = await _local_post(node, bob)
    alice = node.remote()
    await node.deliver(alice, alice.activity("Create", alice.note(1, inReplyTo=post.uri)))
    assert await node.count(Status, Status.in_reply_to_id == post.id) == 1


async def test_a_reply_to_a_followed_accounts_post_is_kept(node: Node) -> None:
    alice, carol = node.remote(), node.remote("carol", key=1)
    await _stored(node, carol, 1)
    await node.deliver(alice, alice.activity("Create", alice.note(2, inReplyTo=carol.note(1)["id"])))
    assert await node.count(Status) == 2


async def test_a_relayed_post_is_judged_as_its_origin_serves_it(node: Node) -> None:
    bob = await node.local("bob")
    alice, charlie = node.remote(), node.remote("charlie", host="forwarder.test", key=1)
    node.peer.serve(alice.note(1)["id"], alice.note(1))  # the genuine post mentions nobody here
    forged = alice.activity("Create", alice.note(1, to=[bob.uri]))
    await node.deliver(charlie, forged)
    assert await node.count(Status) == 0
    assert "concerns nobody here" in ((await node.item(forged["id"], forwarded_by=charlie)).error or "")


# --- replies in a circle ----------------------------------------------------------------------


async def test_a_post_replying_to_itself_is_stored_without_a_parent(node: Node) -> None:
    alice = node.remote()
    await node.followed(alice)
    note = alice.note(1)
    await node.deliver(alice, alice.activity("Create", {**note, "inReplyTo": note["id"]}))
    (status,) = await node.rows(Status)
    assert status.in_reply_to_uri == note["id"] and status.in_reply_to_id is None
    assert node.peer.hits == []


async def test_replies_in_a_circle_are_stored_without_closing_it(node: Node) -> None:
    alice = node.remote()
    await node.followed(alice)
    a, b = alice.note(1), alice.note(2)
    a["inReplyTo"], b["inReplyTo"] = b["id"], a["id"]
    node.peer.serve(a["id"], a)
    node.peer.serve(b["id"], b)
    await node.deliver(alice, alice.activity("Create", a))
    rows = {s.uri: s for s in await node.rows(Status)}
    assert set(rows) == {a["id"], b["id"]}
    assert node.peer.hits == ["remote.test/users/alice/statuses/2"]  # b once, never a again
    parents = {uri: s.in_reply_to_id for uri, s in rows.items()}
    assert None in parents.values()  # one end stays open: no loop
