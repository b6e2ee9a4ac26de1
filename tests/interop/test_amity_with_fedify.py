"""A live Amity node and the real Fedify peer (tests/interop/peer) federate over loopback.

Each scenario checks what both sides stored: Amity's rows (through `AmityNode.query`) and the
peer's log of received activities (`raw` is our JSON as it arrived), its follow state and what
it sent. Fedify is an independent implementation: it signs with draft-cavage plus an LD
signature and a FEP-8b32 proof, writes single-valued `to`/`cc` as plain strings and Public as
`as:Public`, timestamps in nanoseconds, verifies our deliveries against our actor documents
(fetched unsigned for its shared inbox), and embeds the Follow in its Accept. The peer's actor
is alice; Amity's accounts are bob and carol. SQLite, plus a PostgreSQL run of follow-then-post.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from actors import follows, posting
from actors.profile import update_profile
from federation.resolve import resolve_actor, webfinger
from federation.vocab import PUBLIC
from storage import settings
from storage.models import (
    ACCEPTED,
    PENDING,
    Actor,
    Favourite,
    Follow,
    Mention,
    Notification,
    Status,
    TimelineEntry,
    Tombstone,
)
from tests.conftest import new_database
from tests.integration.node import AmityNode, eventually
from tests.interop.fedify_peer import FedifyPeer

Json = dict[str, Any]


@pytest.fixture
async def amity(tmp_path: Path, request: pytest.FixtureRequest) -> AsyncIterator[AmityNode]:
    """An Amity node on SQLite (or on the engine a test asks for with indirect parametrize)."""
    kind = getattr(request, "param", "sqlite")
    async for url in new_database(kind, tmp_path, request):
        async with await AmityNode.start(url, tmp_path) as node:
            yield node


# --- helpers ---------------------------------------------------------------------------------

async def _first(amity: AmityNode, model: Any, *where: Any) -> Any:
    """The first `model` row matching `where`, waiting for it (bounded)."""
    async def check() -> Any:
        return await amity.query(lambda s: s.scalar(select(model).where(*where).limit(1)))
    return await eventually(check, nodes=(amity,))


async def _count(amity: AmityNode, model: Any, *where: Any) -> int:
    async def q(session: AsyncSession) -> int:
        return int(await session.scalar(select(func.count()).select_from(model).where(*where)) or 0)
    return await amity.query(q)


async def _status(amity: AmityNode, uri: str) -> Status | None:
    return await amity.query(lambda s: s.scalar(select(Status).where(Status.uri == uri)))


async def _stored(amity: AmityNode, uri: str) -> Status:
    async def check() -> Status | None:
        return await _status(amity, uri)
    return await eventually(check, nodes=(amity,))


async def _logged(amity: AmityNode, peer: FedifyPeer, type_: str,
                  predicate: Callable[[Json], bool] = lambda _entry: True) -> Json:
    """The first activity of `type_` matching `predicate` in the peer's log, waiting for it
    while waking Amity's workers (its deliveries are jobs)."""
    async def check() -> Json | None:
        return next((e for e in await peer.log() if e["type"] == type_ and predicate(e)), None)
    return await eventually(check, nodes=(amity,))


async def _alice(amity: AmityNode, peer: FedifyPeer) -> Actor:
    """The peer's alice as Amity knows her: WebFinger over http, then her actor document."""
    uri = await webfinger(amity.services, peer.username, peer.domain)
    assert uri == peer.actor_url
    return await resolve_actor(amity.services, uri)


async def _follow_state(amity: AmityNode, follower_uri: str, followee_uri: str) -> str | None:
    async def q(session: AsyncSession) -> str | None:
        follower = select(Actor.id).where(Actor.uri == follower_uri).scalar_subquery()
        followee = select(Actor.id).where(Actor.uri == followee_uri).scalar_subquery()
        return await session.scalar(select(Follow.state).where(
            Follow.follower_id == follower, Follow.followee_id == followee))
    return await amity.query(q)


async def _peer_following(peer: FedifyPeer, target: str) -> str | None:
    """alice's follow of `target` as the peer records it: pending, accepted, rejected or None."""
    return next((f["state"] for f in (await peer.state())["following"] if f["id"] == target), None)


async def _peer_followers(peer: FedifyPeer) -> list[str]:
    return [f["id"] for f in (await peer.state())["followers"]]


async def _bob_follows_alice(amity: AmityNode, peer: FedifyPeer) -> tuple[Actor, Actor]:
    """Amity's bob follows the peer's alice and gets her Accept: (bob, alice on Amity)."""
    bob = await amity.create_user("bob")
    alice = await _alice(amity, peer)
    await amity.write(lambda s: follows.follow(s, bob, alice, base_url=amity.base_url))

    async def accepted() -> bool:
        return await _follow_state(amity, bob.uri, alice.uri) == ACCEPTED
    await eventually(accepted, nodes=(amity,))
    return bob, alice


async def _alice_follows(amity: AmityNode, peer: FedifyPeer, account: Actor) -> None:
    """The peer's alice follows a local (unlocked) account; both sides see it accepted."""
    await peer.follow(account.uri)

    async def accepted() -> bool:
        return await _peer_following(peer, account.uri) == "accepted"
    await eventually(accepted, nodes=(amity,))
    assert await _follow_state(amity, peer.actor_url, account.uri) == ACCEPTED


async def _post(amity: AmityNode, author: Actor, text: str, **kwargs: Any) -> Status:
    async def go(session: AsyncSession) -> Status:
        return await posting.create_status(session, amity.config, author, text=text, **kwargs)
    return await amity.write(go)


async def _peer_note_at_bob(amity: AmityNode, peer: FedifyPeer) -> tuple[Actor, Actor, Status]:
    """bob follows alice, alice posts, bob's node stores it: (bob, alice, the stored note)."""
    bob, alice = await _bob_follows_alice(amity, peer)
    sent = await peer.post("<p>Tide pools at dawn</p>")
    return bob, alice, await _stored(amity, sent["note_id"])


async def _counts(amity: AmityNode, uri: str) -> tuple[int, int, int] | None:
    status = await _status(amity, uri)
    return None if status is None else (status.replies_count, status.favourites_count, status.reblogs_count)


async def _has_counts(amity: AmityNode, uri: str, expected: tuple[int, int, int]) -> bool:
    return await _counts(amity, uri) == expected


def _object(entry: Json) -> Json:
    """The activity's object as the peer received it (our JSON, before Fedify's JSON-LD)."""
    obj = entry["raw"]["object"]
    assert isinstance(obj, dict), entry["raw"]
    return obj


# --- 1. follows ------------------------------------------------------------------------------

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


# --- 2. posts --------------------------------------------------------------------------------

@pytest.mark.parametrize("amity", ["sqlite", "postgresql"], indirect=True)
async def test_a_fedify_note_reaches_the_home_timeline_sanitized(amity: AmityNode,
                                                                 fedify_peer: FedifyPeer) -> None:
    bob, alice = await _bob_follows_alice(amity, fedify_peer)
    sent = await fedify_peer.post('<p onclick="steal()">Low tide<script>steal()</script>'
                                  '<img src=x onerror="steal()"></p>')
    status = await _stored(amity, sent["note_id"])
    assert (status.actor_id, status.visibility, status.local) == (alice.id, "public", False)
    published = sent["activity"]["object"]["published"]  # Temporal: nanoseconds, "Z"
    assert status.published_at == datetime.fromisoformat(published)
    assert status.content.startswith("<p>Low tide")
    assert not any(bad in status.content for bad in ("<script", "<img", "onerror", "onclick"))

    async def in_bobs_home() -> bool:
        return bool(await _count(amity, TimelineEntry, TimelineEntry.owner_id == bob.id,
                                 TimelineEntry.status_id == status.id))
    await eventually(in_bobs_home, nodes=(amity,))


async def test_a_fedify_note_with_a_mention_is_stored_and_notified(amity: AmityNode,
                                                                   fedify_peer: FedifyPeer) -> None:
    bob = await amity.create_user("bob")
    sent = await fedify_peer.post('<p>hi <a href="x">@bob</a><script>x()</script></p>', mentions=[bob.uri])
    status: Status = await _first(amity, Status, Status.uri == sent["note_id"])
    assert "<script>" not in status.content and "hi" in status.content
    assert status.visibility == "public"
    await _first(amity, Mention, Mention.status_id == status.id, Mention.actor_id == bob.id)
    note: Notification = await _first(amity, Notification, Notification.recipient_id == bob.id)
    assert (note.type, note.status_id) == ("mention", status.id)


async def test_an_amity_post_reaches_fedify_as_create_note(amity: AmityNode, fedify_peer: FedifyPeer) -> None:
    bob = await amity.create_user("bob")
    await _alice_follows(amity, fedify_peer, bob)
    post = await _post(amity, bob, "Bird count on Saturday, meet at the pier")
    create = await _logged(amity, fedify_peer, "Create", lambda e: e["object"] == post.uri)
    assert (create["actor"], create["object_type"], create["signer"]) == (
        bob.uri, "Note", f"{bob.uri}#main-key")
    note = _object(create)
    assert (create["raw"]["to"], create["raw"]["cc"]) == ([PUBLIC], [bob.followers_url])
    assert (note["to"], note["cc"], note["attributedTo"]) == ([PUBLIC], [bob.followers_url], bob.uri)
    assert "Bird count on Saturday" in note["content"]
    assert create["recipient"] is None  # alice has a shared inbox: one POST per server


async def test_an_amity_edit_reaches_fedify_as_update_note(amity: AmityNode,
                                                           fedify_peer: FedifyPeer) -> None:
    bob = await amity.create_user("bob")
    await _alice_follows(amity, fedify_peer, bob)
    post = await _post(amity, bob, "Bird count on Saturday")
    await _logged(amity, fedify_peer, "Create", lambda e: e["object"] == post.uri)

    async def edit(session: AsyncSession) -> Status:
        status, author = await session.get(Status, post.id), await session.get(Actor, bob.id)
        assert status is not None and author is not None
        return await posting.edit_status(session, amity.config, author, status, text="Bird count on Sunday")
    await amity.write(edit)
    update = await _logged(amity, fedify_peer, "Update")
    assert (update["actor"], update["object"], update["object_type"]) == (bob.uri, post.uri, "Note")
    note = _object(update)
    assert "Bird count on Sunday" in note["content"] and "updated" in note


async def test_a_fedify_reply_threads_under_the_amity_post(amity: AmityNode, fedify_peer: FedifyPeer) -> None:
    bob = await amity.create_user("bob")
    await _alice_follows(amity, fedify_peer, bob)
    post = await _post(amity, bob, "Which trail is open?")
    sent = await fedify_peer.post("<p>The north one</p>", in_reply_to=post.uri, mentions=[bob.uri])
    reply = await _stored(amity, sent["note_id"])
    assert (reply.in_reply_to_id, reply.in_reply_to_uri) == (post.id, post.uri)
    await eventually(lambda: _has_counts(amity, post.uri, (1, 0, 0)), nodes=(amity,))


async def test_an_amity_reply_reaches_fedify_with_in_reply_to(amity: AmityNode,
                                                              fedify_peer: FedifyPeer) -> None:
    bob, alice, note = await _peer_note_at_bob(amity, fedify_peer)
    reply = await _post(amity, bob, "Count me in", in_reply_to=note, mentions=[alice])
    create = await _logged(amity, fedify_peer, "Create", lambda e: e["object"] == reply.uri)
    sent = _object(create)
    assert sent["inReplyTo"] == note.uri
    assert sent["tag"] == [{"type": "Mention", "href": alice.uri, "name": f"@alice@{fedify_peer.domain}"}]
    assert await _counts(amity, note.uri) == (1, 0, 0)


# --- 3. likes and boosts ---------------------------------------------------------------------

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


# --- 4. deletes ------------------------------------------------------------------------------

async def test_a_fedify_delete_leaves_a_tombstone(amity: AmityNode, fedify_peer: FedifyPeer) -> None:
    _bob, _alice, note = await _peer_note_at_bob(amity, fedify_peer)
    await fedify_peer.delete(note.uri)
    tomb = await _first(amity, Tombstone, Tombstone.uri == note.uri)
    assert tomb.actor_uri == fedify_peer.actor_url
    assert await _status(amity, note.uri) is None


async def test_an_amity_delete_reaches_fedify(amity: AmityNode, fedify_peer: FedifyPeer) -> None:
    bob = await amity.create_user("bob")
    await _alice_follows(amity, fedify_peer, bob)
    post = await _post(amity, bob, "Typo, will repost")
    await _logged(amity, fedify_peer, "Create", lambda e: e["object"] == post.uri)
    await amity.write(lambda s: posting.delete_status(s, amity.config, bob, post))
    delete = await _logged(amity, fedify_peer, "Delete")
    assert (delete["actor"], delete["object"], delete["object_type"]) == (bob.uri, post.uri, "Tombstone")
    assert await amity.query(lambda s: s.get(Tombstone, post.uri)) is not None
    assert await _status(amity, post.uri) is None


# --- 5. profile updates ----------------------------------------------------------------------

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


# --- 6. authorized fetch ---------------------------------------------------------------------

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
