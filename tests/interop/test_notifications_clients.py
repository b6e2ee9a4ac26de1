"""Notifications and markers through real clients, Mastodon.py and toot, on a live Amity node
beside the real Fedify peer: the peer's alice replies to a member's post (a mention), likes it
and boosts it, and the member sees all three in their notifications tab, marks them read,
dismisses and clears them. With a policy that filters strangers, alice's mention waits in a
notification request until the member accepts it (Mastodon.py).

Mastodon.py is synchronous, so its scenario runs in a worker thread while the node serves from
the test's event loop; toot runs as a subprocess (`tests/interop/test_toot_day.py`'s `Toot`).
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from mastodon import Mastodon

from storage.models import Actor, Notification, Status
from tests.integration.node import AmityNode, eventually
from tests.interop.amity_fedify import _count, _post, amity
from tests.interop.fedify_peer import FedifyPeer
from tests.interop.test_toot_day import PASSWORD, Toot

__all__ = ["amity"]  # the fixture, shared with the main interop module

SCOPES = ["read", "write", "follow", "push"]
THREE = {"mention", "favourite", "reblog"}


async def _reply_like_and_boost(amity: AmityNode, peer: FedifyPeer, member: Actor) -> tuple[Status, str]:
    """The peer's alice replies to the member's new post (mentioning them), likes it and boosts
    it; waits until the three notifications are stored. (the post, the reply's URI)"""
    post = await _post(amity, member, "Beach cleanup on Saturday, who is in?")
    reply = await peer.post("<p>Count me in!</p>", in_reply_to=post.uri, mentions=[member.uri])
    await peer.like(post.uri, to=[member.uri])
    await peer.announce(post.uri, to=[member.uri])

    async def all_three() -> bool:
        return await _count(amity, Notification, Notification.recipient_id == member.id) == 3
    assert await eventually(all_three, nodes=(amity,))
    return post, reply["note_id"]


def _sign_in(base: str, username: str) -> Mastodon:
    client_id, client_secret = Mastodon.create_app("Notifications", scopes=SCOPES, api_base_url=base)
    api = Mastodon(client_id=client_id, client_secret=client_secret, api_base_url=base)
    api.log_in(username=f"{username}@example.org", password=PASSWORD, scopes=SCOPES, allow_http=True)
    return api


async def test_mastodon_py_reads_the_peers_reply_like_and_boost(amity: AmityNode, fedify_peer: FedifyPeer
                                                                 ) -> None:
    ana = await amity.create_user("ana")
    post, reply_uri = await _reply_like_and_boost(amity, fedify_peer, ana)
    alice_acct = fedify_peer.handle

    def scenario() -> dict[str, Any]:
        api = _sign_in(amity.base_url, "ana")
        found = api.notifications()
        assert {n.type for n in found} == THREE and len(found) == 3
        assert {n.account.acct for n in found} == {alice_acct}
        by_type = {n.type: n for n in found}
        assert by_type["mention"].status.uri == reply_uri
        assert str(by_type["favourite"].status.id) == str(by_type["reblog"].status.id) == str(post.id)
        assert [n.type for n in api.notifications(types=["favourite"])] == ["favourite"]
        assert {n.type for n in api.notifications(exclude_types=["mention"])} == {"favourite", "reblog"}
        one = api.notifications(id=by_type["mention"].id)
        assert str(one.status.in_reply_to_id) == str(post.id)
        assert api.notifications_unread_count()["count"] == 3
        # Marking them read: the notifications marker, then the unread count after it.
        api.markers_set(["notifications", "home"], [found[0].id, post.id])
        markers = api.markers_get(["home", "notifications"])
        assert str(markers["notifications"].last_read_id) == str(found[0].id)
        assert str(markers["home"].last_read_id) == str(post.id)
        assert api.notifications_unread_count()["count"] == 0
        grouped = api.grouped_notifications()
        assert {g.type for g in grouped.notification_groups} == THREE
        assert [a.acct for a in grouped.accounts] == [alice_acct]
        api.notifications_dismiss(by_type["reblog"].id)
        assert {n.type for n in api.notifications()} == {"mention", "favourite"}
        api.notifications_clear()
        return {"left": api.notifications()}

    result = await asyncio.to_thread(scenario)
    assert result["left"] == []
    assert await _count(amity, Notification, Notification.recipient_id == ana.id) == 0


async def test_toot_shows_and_clears_the_peers_reply_like_and_boost(amity: AmityNode, fedify_peer: FedifyPeer,
                                                                    tmp_path: Path) -> None:
    bea = await amity.create_user("bea")
    post, _reply_uri = await _reply_like_and_boost(amity, fedify_peer, bea)
    toot = Toot(tmp_path / "toot-config")
    printed = await toot.run("login_cli", "-i", amity.base_url, "-e", "bea@example.org", "-p", PASSWORD)
    assert "Successfully logged in" in printed, printed
    listed = await toot.json("notifications")
    assert {n["type"] for n in listed} == THREE
    assert {n["account"]["acct"] for n in listed} == {fedify_peer.handle}
    assert {n["status"]["id"] for n in listed if n["type"] != "mention"} == {str(post.id)}
    shown = await toot.run("notifications")
    assert "Count me in!" in shown and fedify_peer.handle in shown, shown
    mentions = await toot.json("notifications", "--type", "mention")
    assert [n["type"] for n in mentions] == ["mention"]
    await toot.run("notifications", "--clear")
    assert await _count(amity, Notification, Notification.recipient_id == bea.id) == 0
    assert await toot.json("notifications") == []


async def test_mastodon_py_filters_a_strangers_mention_into_a_request_and_accepts_it(
        amity: AmityNode, fedify_peer: FedifyPeer) -> None:
    cai = await amity.create_user("cai")
    api = await asyncio.to_thread(_sign_in, amity.base_url, "cai")
    policy = await asyncio.to_thread(api.update_notifications_policy, for_not_following="filter")
    assert policy.for_not_following == "filter"
    post = await _post(amity, cai, "Anyone seen the heron?")
    await fedify_peer.post("<p>Yes, by the pier</p>", in_reply_to=post.uri, mentions=[cai.uri])

    async def held() -> bool:
        return await _count(amity, Notification, Notification.recipient_id == cai.id,
                            Notification.filtered.is_(True)) == 1
    assert await eventually(held, nodes=(amity,))

    def scenario() -> None:
        assert api.notifications() == []
        assert api.notifications_policy().summary.pending_requests_count == 1
        (request,) = api.notification_requests()
        assert request.account.acct == fedify_peer.handle and str(request.notifications_count) == "1"
        assert "Yes, by the pier" in request.last_status.content
        api.accept_notification_request(request.id)
        assert api.notifications_merged() is True
        (mention,) = api.notifications()
        assert mention.type == "mention" and mention.account.acct == fedify_peer.handle
        assert api.notification_requests() == []

    await asyncio.to_thread(scenario)
