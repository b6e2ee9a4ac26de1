"""Likes and boosts, and their undos, between a live Amity node and the real Fedify peer, both ways."""

from __future__ import annotations

from actors.posts import posting
from federation.vocab import PUBLIC
from storage.models import (
    Favourite,
    Notification,
    Status,
)
from tests.integration.node import AmityNode, eventually
from tests.interop.amity_fedify import (
    _count,
    _counts,
    _first,
    _has_counts,
    _logged,
    _peer_note_at_bob,
    _post,
    _status,
    amity,
)
from tests.interop.fedify_peer import FedifyPeer

__all__ = ["amity"]  # fixtures from amity_fedify


async def test_a_fedify_like_and_its_undo(amity: AmityNode, fedify_peer: FedifyPeer) -> None:
    bob = await amity.create_user("bob")
    post = await _post(amity, bob, "hello")
    like = await fedify_peer.like(post.uri, to=[bob.uri])
    favourite: Favourite = await _first(amity, Favourite, Favourite.uri == like["id"])
    assert favourite.status_id == post.id
    await eventually(lambda: _has_counts(amity, post.uri, (0, 1, 0)), nodes=(amity,))
    await fedify_peer.undo(like["id"])

    async def gone() -> bool:
        return await _count(amity, Favourite) == 0
    assert await eventually(gone, nodes=(amity,))
    assert await _counts(amity, post.uri) == (0, 0, 0)


async def test_an_amity_like_and_its_undo_reach_fedify(amity: AmityNode, fedify_peer: FedifyPeer) -> None:
    bob, _alice, note = await _peer_note_at_bob(amity, fedify_peer)
    await amity.write(lambda s: posting.favourite(s, amity.config, bob, note))
    like = await _logged(amity, fedify_peer, "Like")
    assert (like["actor"], like["object"], like["recipient"]) == (bob.uri, note.uri, "alice")
    favourite = await _first(amity, Favourite, Favourite.status_id == note.id)
    assert favourite.uri == like["id"]
    assert await _counts(amity, note.uri) == (0, 1, 0)

    await amity.write(lambda s: posting.unfavourite(s, amity.config, bob, note))
    undo = await _logged(amity, fedify_peer, "Undo")
    assert (undo["actor"], undo["object"], undo["object_type"]) == (bob.uri, like["id"], "Like")
    assert await _count(amity, Favourite) == 0
    assert await _counts(amity, note.uri) == (0, 0, 0)


async def test_a_fedify_boost_and_its_undo(amity: AmityNode, fedify_peer: FedifyPeer) -> None:
    bob = await amity.create_user("bob")
    post = await _post(amity, bob, "Harbour cleanup, bring gloves")
    announce = await fedify_peer.announce(post.uri)
    boost: Status = await _first(amity, Status, Status.uri == announce["id"])
    assert boost.reblog_of_id == post.id
    await eventually(lambda: _has_counts(amity, post.uri, (0, 0, 1)), nodes=(amity,))
    notification = await _first(amity, Notification, Notification.recipient_id == bob.id)
    assert (notification.type, notification.status_id) == ("reblog", post.id)

    await fedify_peer.undo(announce["id"])
    await eventually(lambda: _has_counts(amity, post.uri, (0, 0, 0)), nodes=(amity,))
    assert await _status(amity, announce["id"]) is None


async def test_an_amity_boost_and_its_undo_reach_fedify(amity: AmityNode, fedify_peer: FedifyPeer) -> None:
    bob, alice, note = await _peer_note_at_bob(amity, fedify_peer)
    boost = await amity.write(lambda s: posting.reblog(s, amity.config, bob, note))
    announce = await _logged(amity, fedify_peer, "Announce")
    assert (announce["id"], announce["actor"], announce["object"]) == (boost.uri, bob.uri, note.uri)
    assert (announce["raw"]["to"], announce["raw"]["cc"]) == ([PUBLIC], [alice.uri, bob.followers_url])
    assert await _counts(amity, note.uri) == (0, 0, 1)

    await amity.write(lambda s: posting.unreblog(s, amity.config, bob, note))
    undo = await _logged(amity, fedify_peer, "Undo")
    assert (undo["actor"], undo["object"], undo["object_type"]) == (bob.uri, boost.uri, "Announce")
    assert await _status(amity, boost.uri) is None
    assert await _counts(amity, note.uri) == (0, 0, 0)
