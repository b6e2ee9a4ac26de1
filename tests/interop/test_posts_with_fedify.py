"""Posts between a live Amity node and the real Fedify peer: notes, mentions, edits, replies and
deletes, checked on both sides (SQLite, plus a PostgreSQL run of follow-then-post).
"""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from actors.posts import posting
from federation.vocab import PUBLIC
from storage.models import (
    Actor,
    Mention,
    Notification,
    Status,
    TimelineEntry,
    Tombstone,
)
from tests.integration.node import AmityNode, eventually
from tests.interop.amity_fedify import (
    _alice_follows,
    _bob_follows_alice,
    _count,
    _counts,
    _first,
    _has_counts,
    _logged,
    _object,
    _peer_note_at_bob,
    _post,
    _status,
    _stored,
    amity,
)
from tests.interop.fedify_peer import FedifyPeer

__all__ = ["amity"]  # fixtures from amity_fedify


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
    reply = await _post(amity, bob, "Count me in", in_reply_to_id=note.id, mentions=[alice])
    create = await _logged(amity, fedify_peer, "Create", lambda e: e["object"] == reply.uri)
    sent = _object(create)
    assert sent["inReplyTo"] == note.uri
    assert sent["tag"] == [{"type": "Mention", "href": alice.uri, "name": f"@alice@{fedify_peer.domain}"}]
    assert await _counts(amity, note.uri) == (1, 0, 0)


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
