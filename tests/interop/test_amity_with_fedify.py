"""A live Amity node and the real Fedify peer (tests/interop/peer) federate over loopback.

Each scenario checks what both sides stored: Amity's rows (through `AmityNode.query`) and the
peer's log of received activities (`raw` is our JSON as it arrived), its follow state and what
it sent. Fedify is an independent implementation: it signs with draft-cavage plus an LD
signature and a FEP-8b32 proof, writes single-valued `to`/`cc` as plain strings and Public as
`as:Public`, timestamps in nanoseconds, verifies our deliveries against our actor documents
(fetched unsigned for its shared inbox), and embeds the Follow in its Accept. The peer's actor
is alice; Amity's accounts are bob and carol.
This module: follows, profile updates, authorized fetch. Posts and deletes are in
test_posts_with_fedify.py (with a PostgreSQL run of follow-then-post), likes and boosts in
test_reactions_with_fedify.py.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from actors.accounts.profile import update_profile
from actors.social import follows
from storage import settings
from storage.models import (
    ACCEPTED,
    PENDING,
    Actor,
    Follow,
    Notification,
    Status,
)
from tests.integration.node import AmityNode, eventually
from tests.interop.amity_fedify import (
    _alice,
    _alice_follows,
    _bob_follows_alice,
    _first,
    _follow_state,
    _logged,
    _object,
    _peer_followers,
    _peer_following,
    _post,
    amity,
)
from tests.interop.fedify_peer import FedifyPeer

__all__ = ["amity"]  # fixtures from amity_fedify


async def test_an_amity_follow_of_alice_is_accepted_on_both_sides(amity: AmityNode,
                                                                  fedify_peer: FedifyPeer) -> None:
    bob, _alice_on_amity = await _bob_follows_alice(amity, fedify_peer)
    assert await _peer_followers(fedify_peer) == [bob.uri]
    follow = await _logged(amity, fedify_peer, "Follow")
    assert (follow["actor"], follow["object"], follow["signer"]) == (
        bob.uri, fedify_peer.actor_url, f"{bob.uri}#main-key")
    assert follow["reply"]["type"] == "Accept" and follow["reply"]["ok"]


async def test_a_fedify_follow_is_accepted_and_fedify_verifies_the_accept(amity: AmityNode,
                                                                          fedify_peer: FedifyPeer) -> None:
    bob = await amity.create_user("bob")
    await fedify_peer.follow(bob.uri)
    follow: Follow = await _first(amity, Follow, Follow.followee_id == bob.id, Follow.state == ACCEPTED)
    alice: Actor = await _first(amity, Actor, Actor.uri == fedify_peer.actor_url)
    assert follow.follower_id == alice.id

    async def accepted() -> bool:
        return await _peer_following(fedify_peer, bob.uri) == "accepted"
    assert await eventually(accepted, nodes=(amity,))
    kinds = await amity.query(lambda s: s.execute(select(Notification.type, Notification.from_actor_id)
                                                  .where(Notification.recipient_id == bob.id)))
    assert list(kinds) == [("follow", alice.id)]
    accept = await _logged(amity, fedify_peer, "Accept")
    assert (accept["actor"], accept["object"], accept["recipient"]) == (bob.uri, follow.uri, "alice")


async def test_a_locked_account_approves_a_fedify_follow(amity: AmityNode, fedify_peer: FedifyPeer) -> None:
    carol = await amity.create_user("carol", locked=True)
    await fedify_peer.follow(f"carol@{amity.domain}")  # the peer's WebFinger, then carol's actor

    async def pending_on_amity() -> bool:
        return await _follow_state(amity, fedify_peer.actor_url, carol.uri) == PENDING
    await eventually(pending_on_amity, nodes=(amity,))
    assert await _peer_following(fedify_peer, carol.uri) == "pending"
    request = await _first(amity, Notification, Notification.recipient_id == carol.id)
    assert request.type == "follow_request"

    async def approve(session: AsyncSession) -> None:
        follower = await session.scalar(select(Actor).where(Actor.uri == fedify_peer.actor_url))
        target = await session.get(Actor, carol.id)
        assert follower is not None and target is not None
        await follows.accept_follow_request(session, target, follower, base_url=amity.base_url)
    await amity.write(approve)

    accept = await _logged(amity, fedify_peer, "Accept")
    assert accept["actor"] == carol.uri
    assert await _peer_following(fedify_peer, carol.uri) == "accepted"
    assert await _follow_state(amity, fedify_peer.actor_url, carol.uri) == ACCEPTED


async def test_an_amity_profile_update_reaches_fedify(amity: AmityNode, fedify_peer: FedifyPeer) -> None:
    bob = await amity.create_user("bob")
    await _alice_follows(amity, fedify_peer, bob)

    async def rename(session: AsyncSession) -> int:
        me = await session.get(Actor, bob.id)
        assert me is not None
        return await update_profile(session, me, base_url=amity.base_url, display_name="Bob the Birder")
    assert await amity.write(rename) == 1
    update = await _logged(amity, fedify_peer, "Update")
    assert (update["actor"], update["object"], update["object_type"]) == (bob.uri, bob.uri, "Person")
    assert _object(update)["name"] == "Bob the Birder"


async def test_a_fedify_profile_update_renames_alice_on_amity(amity: AmityNode,
                                                              fedify_peer: FedifyPeer) -> None:
    _bob, alice = await _bob_follows_alice(amity, fedify_peer)
    assert alice.display_name == "Alice"
    await fedify_peer.update_profile("Alice Liddell")

    async def renamed() -> bool:
        name = await amity.query(lambda s: s.scalar(select(Actor.display_name).where(Actor.id == alice.id)))
        return name == "Alice Liddell"
    await eventually(renamed, nodes=(amity,))


async def _followers_only_post(amity: AmityNode, peer: FedifyPeer) -> Status:
    """authorized_fetch on; alice follows bob; bob posts to his followers only."""
    await amity.write(lambda s: settings.set_value(s, "authorized_fetch", True))
    bob = await amity.create_user("bob")
    await _alice_follows(amity, peer, bob)
    return await _post(amity, bob, "For our followers only", visibility="private")


async def test_authorized_fetch_serves_a_followers_only_post_to_a_follower(
        amity: AmityNode, fedify_peer: FedifyPeer) -> None:
    post = await _followers_only_post(amity, fedify_peer)
    fetched = await fedify_peer.fetch(post.uri, signed=True)
    assert fetched["status"] == 200, fetched
    assert fetched["content_type"].startswith("application/activity+json")
    assert (fetched["body"]["id"], fetched["body"]["type"]) == (post.uri, "Note")


async def test_authorized_fetch_refuses_an_unsigned_fetch(amity: AmityNode, fedify_peer: FedifyPeer) -> None:
    post = await _followers_only_post(amity, fedify_peer)
    fetched = await fedify_peer.fetch(post.uri, signed=False)
    assert fetched["status"] == 401, fetched


async def test_fedify_verifies_our_deliveries_while_authorized_fetch_is_on(
        amity: AmityNode, fedify_peer: FedifyPeer) -> None:
    """A POST to the peer's shared inbox makes it fetch the key with an unsigned GET: the actor
    document must still be served (INTEROP.md)."""
    await amity.write(lambda s: settings.set_value(s, "authorized_fetch", True))
    bob = await amity.create_user("bob")
    alice = await _alice(amity, fedify_peer)
    post = await _post(amity, bob, "Hello @alice", mentions=[alice])
    create = await _logged(amity, fedify_peer, "Create", lambda e: e["object"] == post.uri)
    assert (create["recipient"], create["signer"]) == (None, f"{bob.uri}#main-key")
