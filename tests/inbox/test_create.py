"""Create: remote posts stored sanitized, addressed, threaded, and never recreated after a Delete."""

from __future__ import annotations

from typing import Any

import pytest

from storage.models import ACCEPTED, Follow, InboxItem, Mention, Notification, Status, TimelineEntry
from tests.inbox.conftest import Node
from tests.inbox.fakes import PUBLIC


async def _status(node: Node, uri: str) -> Status:
    (found,) = await node.rows(Status, Status.uri == uri)
    return found


async def test_a_note_is_stored_with_sanitized_html(node: Node) -> None:
    alice = node.remote()
    await node.followed(alice)
    note = alice.note(1, content='<p onclick="x()">hi <script>alert(1)</script><b>there</b></p>',
                      summary="<img src=x onerror=y>cw", contentMap={"en": "<p>hi<script>1</script></p>"},
                      url=f"{alice.uri}/notes/1/page", sensitive=True)
    await node.deliver(alice, alice.activity("Create", note))
    status = await _status(node, note["id"])
    assert status.content == "<p>hi <b>there</b></p>"
    assert status.summary == "cw" and status.sensitive
    assert status.content_map == {"en": "<p>hi</p>"} and status.language == "en"
    assert status.url == f"{alice.uri}/notes/1/page" and not status.local
    assert status.published_at.isoformat() == "2025-01-02T03:04:05+00:00"
    assert (await node.item(f"{alice.uri}/activities/create-1")).processed_at is not None


async def test_the_status_id_follows_its_published_time(node: Node) -> None:
    alice = node.remote()
    await node.followed(alice)
    await node.deliver(alice, alice.activity("Create", alice.note(1, published="2024-06-01T00:00:00Z")))
    await node.deliver(alice, alice.activity("Create", alice.note(2, published="2023-06-01T00:00:00Z"),
                                             number=2))
    first = await _status(node, f"{alice.uri}/statuses/1")
    second = await _status(node, f"{alice.uri}/statuses/2")
    assert second.id < first.id


@pytest.mark.parametrize(("to", "cc", "visibility"), [
    ([PUBLIC], [], "public"),
    (["FOLLOWERS"], [PUBLIC], "unlisted"),
    (["FOLLOWERS"], [], "private"),
    (["http://amity.test/users/bob"], [], "direct"),
])
async def test_visibility_comes_from_the_addressing(node: Node, to: list[str], cc: list[str],
                                                    visibility: str) -> None:
    alice = node.remote()
    await node.followed(alice)
    await node.local("bob")
    swap = {"FOLLOWERS": alice.followers}
    note = alice.note(1, to=[swap.get(t, t) for t in to], cc=[swap.get(c, c) for c in cc])
    await node.deliver(alice, alice.activity("Create", note))
    assert (await _status(node, note["id"])).visibility == visibility


async def test_mentions_of_known_actors_are_stored_and_local_ones_notified(node: Node) -> None:
    alice, carol = node.remote(), node.remote("carol")
    bob = await node.local("bob")
    await node.seed(carol)
    note = alice.note(1, tag=[{"type": "Mention", "href": bob.uri}, {"type": "Mention", "href": carol.uri},
                              {"type": "Mention", "href": "http://remote.test/users/nobody"}])
    await node.deliver(alice, alice.activity("Create", note))
    status = await _status(node, note["id"])
    assert len(await node.rows(Mention, Mention.status_id == status.id)) == 2
    (notification,) = await node.rows(Notification)
    assert (notification.type, notification.recipient_id) == ("mention", bob.id)
    assert notification.status_id == status.id


async def test_local_followers_get_it_in_their_home_timeline(node: Node) -> None:
    alice = node.remote()
    author = await node.seed(alice)
    bob, dave = await node.local("bob"), await node.local("dave")
    async with node.services.sessions() as session, session.begin():
        session.add(Follow(follower_id=bob.id, followee_id=author.id, uri="http://amity.test/f/1",
                           state=ACCEPTED))
        session.add(Follow(follower_id=dave.id, followee_id=author.id, uri="http://amity.test/f/2"))
    await node.deliver(alice, alice.activity("Create", alice.note(1)))
    (entry,) = await node.rows(TimelineEntry)
    assert entry.owner_id == bob.id


async def test_a_direct_message_reaches_only_mentioned_followers(node: Node) -> None:
    alice = node.remote()
    author = await node.seed(alice)
    bob, dave = await node.local("bob"), await node.local("dave")
    async with node.services.sessions() as session, session.begin():
        for n, follower in enumerate((bob, dave)):
            session.add(Follow(follower_id=follower.id, followee_id=author.id, uri=f"http://amity.test/f/{n}",
                               state=ACCEPTED))
    await node.deliver(alice, alice.activity("Create", alice.note(1, to=[bob.uri], cc=[])))
    assert [e.owner_id for e in await node.rows(TimelineEntry)] == [bob.id]


async def test_the_same_create_twice_stores_one_status(node: Node) -> None:
    alice = node.remote()
    bob = await node.local("bob")
    create = alice.activity("Create", alice.note(1, tag=[{"type": "Mention", "href": bob.uri}]))
    await node.deliver(alice, create)
    await node.reprocess(create["id"])
    again = alice.activity("Create", alice.note(1), number=2)  # same note, another activity id
    await node.deliver(alice, again)
    assert await node.count(Status) == 1
    assert await node.count(Notification) == 1


async def test_a_reply_to_a_local_post_is_threaded_and_counted(node: Node) -> None:
    alice = node.remote()
    bob = await node.local("bob")
    parent_uri = f"{bob.uri}/statuses/1"
    async with node.services.sessions() as session, session.begin():
        session.add(Status(uri=parent_uri, actor_id=bob.id, local=True, content="<p>hello</p>"))
    await node.deliver(alice, alice.activity("Create", alice.note(1, inReplyTo=parent_uri)))
    parent, reply = await _status(node, parent_uri), await _status(node, alice.note(1)["id"])
    assert reply.in_reply_to_id == parent.id and reply.in_reply_to_uri == parent_uri
    assert parent.replies_count == 1
    assert node.peer.hits.count("remote.test/users/bob/statuses/1") == 0


async def test_unknown_parents_are_fetched_from_their_origin_up_to_three(node: Node) -> None:
    alice, carol = node.remote(), node.remote("carol", host="third.test", key=1)
    await node.followed(alice)
    chain = [carol.note(n, inReplyTo=carol.note(n - 1)["id"] if n > 1 else None) for n in range(1, 6)]
    for note in chain:
        node.peer.serve(note["id"], {"@context": "https://www.w3.org/ns/activitystreams", **note})
    reply = alice.note(1, inReplyTo=chain[-1]["id"])
    await node.deliver(alice, alice.activity("Create", reply))
    stored = {s.uri: s for s in await node.rows(Status)}
    assert set(stored) == {reply["id"], chain[4]["id"], chain[3]["id"], chain[2]["id"]}
    assert stored[reply["id"]].in_reply_to_id == stored[chain[4]["id"]].id
    assert stored[chain[2]["id"]].in_reply_to_id is None
    assert stored[chain[2]["id"]].in_reply_to_uri == chain[1]["id"]
    assert stored[chain[4]["id"]].replies_count == 1
    fetched = [hit for hit in node.peer.hits if "/statuses/" in hit]
    assert fetched == [f"third.test/users/carol/statuses/{n}" for n in (5, 4, 3)]


async def test_a_parent_that_cannot_be_fetched_leaves_the_reply_waiting(node: Node) -> None:
    alice = node.remote()
    await node.followed(alice)
    missing = "http://third.test:1/users/carol/statuses/9"
    await node.deliver(alice, alice.activity("Create", alice.note(1, inReplyTo=missing)))
    reply = await _status(node, alice.note(1)["id"])
    assert reply.in_reply_to_id is None and reply.in_reply_to_uri == missing


async def test_a_late_parent_adopts_its_waiting_replies(node: Node) -> None:
    alice = node.remote()
    await node.followed(alice)
    waiting = alice.note(2, inReplyTo=alice.note(1)["id"])
    await node.deliver(alice, alice.activity("Create", waiting, number=2))
    await node.deliver(alice, alice.activity("Create", alice.note(1)))
    parent, reply = await _status(node, alice.note(1)["id"]), await _status(node, alice.note(2)["id"])
    assert reply.in_reply_to_id == parent.id and parent.replies_count == 1


async def test_delete_before_create_leaves_a_tombstone_and_the_create_is_ignored(node: Node) -> None:
    alice = node.remote()
    await node.followed(alice)
    note = alice.note(1)
    await node.deliver(alice, alice.activity("Delete", note["id"]))
    await node.deliver(alice, alice.activity("Create", note))
    assert await node.count(Status) == 0
    assert (await node.item(alice.activity("Create", note)["id"])).processed_at is not None


async def test_a_note_attributed_to_someone_else_is_refused_in_processing(node: Node) -> None:
    alice = node.remote()
    note = alice.note(1, attributedTo=f"{alice.base}/users/mallory")
    response = await node.post(alice, alice.activity("Create", note))
    assert response.status == 400
    assert "attributed" in (await response.json())["error"]


async def test_a_create_naming_its_object_by_id_fetches_it(node: Node) -> None:
    alice = node.remote()
    await node.followed(alice)
    note = alice.note(1)
    node.peer.serve(note["id"], note)
    await node.deliver(alice, alice.activity("Create", note["id"]))
    assert (await _status(node, note["id"])).content == "<p>note 1</p>"


@pytest.mark.parametrize("kind", ["Article", "Page", "Question"])
async def test_other_post_types_are_stored(node: Node, kind: str) -> None:
    alice = node.remote()
    await node.followed(alice)
    note: dict[str, Any] = alice.note(1, type=kind, name="Title <b>x</b>")
    await node.deliver(alice, alice.activity("Create", note))
    status = await _status(node, note["id"])
    assert status.object_type == kind
    if kind != "Question":
        assert status.content.startswith("<p>Title &lt;b&gt;x&lt;/b&gt;</p>")


async def test_unsupported_objects_are_accepted_and_ignored(node: Node) -> None:
    alice = node.remote()
    await node.followed(alice)
    create = alice.activity("Create", {"id": f"{alice.uri}/chats/1", "type": "ChatMessage",
                                       "attributedTo": alice.uri})
    await node.deliver(alice, create)
    item = await node.item(create["id"])
    assert item.processed_at is not None and item.error is None
    assert await node.count(Status) == 0
    assert await node.count(InboxItem) == 1
