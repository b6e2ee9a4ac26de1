"""Announce (boosts) and Like, and their Undo."""

from __future__ import annotations

from storage.models import ACCEPTED, Actor, Favourite, Follow, Notification, Status, TimelineEntry
from tests.inbox.conftest import Node
from tests.inbox.fakes import PUBLIC


async def _local_post(node: Node, author: Actor, visibility: str = "public") -> Status:
    async with node.services.sessions() as session, session.begin():
        status = Status(uri=f"{author.uri}/statuses/1", actor_id=author.id, local=True,
                        content="<p>hello</p>", visibility=visibility)
        session.add(status)
    return status


async def _get(node: Node, status_id: int) -> Status:
    (found,) = await node.rows(Status, Status.id == status_id)
    return found


async def test_a_boost_of_a_local_post_is_stored_counted_and_notified(node: Node) -> None:
    bob = await node.local("bob")
    post = await _local_post(node, bob)
    alice = node.remote()
    announce = alice.activity("Announce", post.uri, to=[PUBLIC], published="2025-01-05T00:00:00Z")
    await node.deliver(alice, announce)
    await node.reprocess(announce["id"])
    (boost,) = await node.rows(Status, Status.reblog_of_id == post.id)
    assert boost.uri == announce["id"] and boost.visibility == "public" and boost.content == ""
    assert (await _get(node, post.id)).reblogs_count == 1
    (note,) = await node.rows(Notification)
    assert (note.type, note.recipient_id, note.status_id) == ("reblog", bob.id, post.id)


async def test_a_boosted_remote_post_is_fetched_from_its_origin_not_the_body(node: Node) -> None:
    alice, carol = node.remote(), node.remote("carol", host="third.test", key=1)
    await node.followed(alice)
    genuine = carol.note(1, content="<p>carol's words</p>")
    node.peer.serve(genuine["id"], genuine)
    embedded = {**genuine, "content": "<p>forged</p>"}
    await node.deliver(alice, alice.activity("Announce", embedded, to=[PUBLIC]))
    (original,) = await node.rows(Status, Status.uri == genuine["id"])
    assert original.content == "<p>carol's words</p>" and original.reblogs_count == 1
    assert await node.count(Status, Status.reblog_of_id == original.id) == 1


async def test_a_boost_reaches_followers_of_the_booster(node: Node) -> None:
    alice = node.remote()
    booster = await node.seed(alice)
    bob, dave = await node.local("bob"), await node.local("dave")
    post = await _local_post(node, dave)
    async with node.services.sessions() as session, session.begin():
        session.add(Follow(follower_id=bob.id, followee_id=booster.id, uri="http://amity.test/f/1",
                           state=ACCEPTED))
    await node.deliver(alice, alice.activity("Announce", post.uri, to=[PUBLIC]))
    (entry,) = await node.rows(TimelineEntry)
    assert entry.owner_id == bob.id


async def test_a_boost_of_a_private_post_is_ignored(node: Node) -> None:
    bob = await node.local("bob")
    post = await _local_post(node, bob, visibility="private")
    alice = node.remote()
    await node.deliver(alice, alice.activity("Announce", post.uri, to=[PUBLIC]))
    assert await node.count(Status) == 1 and (await _get(node, post.id)).reblogs_count == 0


async def test_undo_announce_removes_the_boost(node: Node) -> None:
    bob = await node.local("bob")
    post = await _local_post(node, bob)
    alice = node.remote()
    announce = alice.activity("Announce", post.uri, to=[PUBLIC])
    await node.deliver(alice, announce)
    await node.deliver(alice, alice.activity("Undo", announce))
    assert await node.count(Status) == 1 and (await _get(node, post.id)).reblogs_count == 0


async def test_a_like_is_a_favourite_counted_and_notified_once(node: Node) -> None:
    bob = await node.local("bob")
    post = await _local_post(node, bob)
    alice = node.remote()
    like = alice.activity("Like", post.uri)
    await node.deliver(alice, like)
    await node.reprocess(like["id"])
    await node.deliver(alice, alice.activity("Like", post.uri, number=2))  # another id, same pair
    (favourite,) = await node.rows(Favourite)
    assert favourite.uri == like["id"]
    assert (await _get(node, post.id)).favourites_count == 1
    (note,) = await node.rows(Notification)
    assert (note.type, note.status_id) == ("favourite", post.id)


async def test_a_like_of_an_unknown_post_is_ignored(node: Node) -> None:
    alice = node.remote()
    like = alice.activity("Like", "http://third.test/notes/1")
    await node.deliver(alice, like)
    assert await node.count(Favourite) == 0
    assert (await node.item(like["id"])).processed_at is not None
    assert node.peer.hits == ["remote.test/users/alice"]  # the key only: nothing else fetched


async def test_undo_like_removes_the_favourite(node: Node) -> None:
    bob = await node.local("bob")
    post = await _local_post(node, bob)
    alice = node.remote()
    like = alice.activity("Like", post.uri)
    await node.deliver(alice, like)
    await node.deliver(alice, alice.activity("Undo", {"id": like["id"], "type": "Like", "actor": alice.uri,
                                                      "object": post.uri}))
    assert await node.count(Favourite) == 0 and (await _get(node, post.id)).favourites_count == 0


async def test_undo_like_without_a_known_id_matches_by_object(node: Node) -> None:
    bob = await node.local("bob")
    post = await _local_post(node, bob)
    alice = node.remote()
    await node.deliver(alice, alice.activity("Like", post.uri))
    like = {"type": "Like", "actor": alice.uri, "object": post.uri}
    await node.deliver(alice, alice.activity("Undo", like))
    assert await node.count(Favourite) == 0
