"""Who may fetch which status, and `authorized_fetch`."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from federation.httpsig.keys import generate_rsa_keypair
from federation.httpsig.signatures import sign_request
from storage.models import PENDING, Actor, Block, DomainRule, utcnow
from storage.settings import SettingCache
from tests.ui.activitypub.conftest import BROWSER, Node, Remote


async def _post(node: Node, visibility: str = "private", **fields: Any) -> tuple[Actor, str, Remote]:
    """alice, the path of a status of hers with `visibility`, and a remote actor who is nothing to her."""
    alice = await node.user("alice")
    stranger = await node.remote("stranger")
    status = await node.status(alice, visibility=visibility, **fields)
    return alice, f"/users/alice/statuses/{status.id}", stranger


async def test_a_followers_only_status_is_hidden_from_unsigned_requests(node: Node) -> None:
    _, path, _ = await _post(node)
    response = await node.get(path)
    assert response.status == 404 and "error" in await response.json()


async def test_a_followers_only_status_is_hidden_from_a_signed_stranger(node: Node) -> None:
    _, path, stranger = await _post(node)
    assert (await node.signed_get(path, stranger)).status == 404


async def test_a_followers_only_status_is_served_to_a_signed_follower(any_node: Node) -> None:
    alice = await any_node.user("alice")
    follower = await any_node.remote("friend")
    await any_node.follow(follower.actor, alice)
    status = await any_node.status(alice, visibility="private")
    response = await any_node.signed_get(f"/users/alice/statuses/{status.id}", follower)
    assert response.status == 200
    assert (await response.json(content_type=None))["id"] == status.uri
    assert response.headers["Cache-Control"] == "private"


async def test_a_pending_follow_does_not_open_followers_only_statuses(node: Node) -> None:
    alice = await node.user("alice")
    requester = await node.remote("hopeful")
    await node.follow(requester.actor, alice, state=PENDING)
    status = await node.status(alice, visibility="private")
    assert (await node.signed_get(f"/users/alice/statuses/{status.id}", requester)).status == 404


async def test_the_create_of_a_followers_only_status_is_hidden_too(node: Node) -> None:
    _, path, stranger = await _post(node)
    assert (await node.signed_get(f"{path}/activity", stranger)).status == 404


async def test_a_direct_status_is_served_to_a_mentioned_signer(node: Node) -> None:
    alice = await node.user("alice")
    friend = await node.remote("friend")
    status = await node.status(alice, visibility="direct", mentions=(friend.actor,))
    note = await node.json(f"/users/alice/statuses/{status.id}", signer=friend)
    assert note["to"] == [friend.actor.uri] and note["cc"] == []


async def test_a_direct_status_is_hidden_from_a_follower_not_mentioned(node: Node) -> None:
    alice = await node.user("alice")
    follower = await node.remote("follower")
    await node.follow(follower.actor, alice)
    status = await node.status(alice, visibility="direct")
    assert (await node.signed_get(f"/users/alice/statuses/{status.id}", follower)).status == 404


async def test_a_local_only_status_is_never_served_to_a_remote_signer(node: Node) -> None:
    alice = await node.user("alice")
    friend = await node.remote("friend")
    await node.follow(friend.actor, alice)
    status = await node.status(alice, local_only=True, mentions=(friend.actor,))
    assert (await node.signed_get(f"/users/alice/statuses/{status.id}", friend)).status == 404


async def test_a_blocked_signer_does_not_get_public_statuses(node: Node) -> None:
    alice, path, stranger = await _post(node, visibility="public")
    async with node.services.sessions() as session, session.begin():
        session.add(Block(actor_id=alice.id, target_id=stranger.actor.id, uri="http://amity.test/blocks/1"))
    assert (await node.get(path)).status == 200
    assert (await node.signed_get(path, stranger)).status == 404


async def test_a_signature_by_another_key_counts_as_unsigned(node: Node) -> None:
    alice, path, stranger = await _post(node)
    await node.follow(stranger.actor, alice)
    forged = Remote(stranger.actor, generate_rsa_keypair()[0])
    assert (await node.signed_get(path, forged)).status == 404


async def test_an_expired_signature_counts_as_unsigned(node: Node) -> None:
    alice, path, stranger = await _post(node)
    await node.follow(stranger.actor, alice)
    old = sign_request("GET", f"{node.base_url}{path}", key_id=stranger.actor.key_id or "",
                       private_key_pem=stranger.private_key_pem, now=utcnow() - timedelta(hours=3))
    assert (await node.get(path, **old)).status == 404


async def test_a_bad_signature_does_not_hide_public_statuses(node: Node) -> None:
    _, path, stranger = await _post(node, visibility="public")
    forged = Remote(stranger.actor, generate_rsa_keypair()[0])
    assert (await node.signed_get(path, forged)).status == 200


async def test_signatures_from_a_suspended_domain_count_as_unsigned(node: Node) -> None:
    alice, path, stranger = await _post(node)
    await node.follow(stranger.actor, alice)
    async with node.services.sessions() as session, session.begin():
        session.add(DomainRule(domain="remote.example", policy="suspend"))
    assert (await node.signed_get(path, stranger)).status == 404


async def test_with_authorized_fetch_an_unsigned_object_get_is_401(node: Node) -> None:
    _, path, _ = await _post(node, visibility="public")
    await node.setting("authorized_fetch", True)
    response = await node.get(path)
    assert response.status == 401 and "error" in await response.json()
    assert response.headers["WWW-Authenticate"].startswith("Signature ")


async def test_with_authorized_fetch_a_missing_object_is_401_too(node: Node) -> None:
    await node.user("alice")
    await node.setting("authorized_fetch", True)
    assert (await node.get("/users/alice/statuses/404404")).status == 401


async def test_with_authorized_fetch_a_signed_object_get_is_served(any_node: Node) -> None:
    _, path, stranger = await _post(any_node, visibility="public")
    await any_node.setting("authorized_fetch", True)
    assert (await any_node.signed_get(path, stranger)).status == 200


async def test_with_authorized_fetch_a_bad_signature_is_401(node: Node) -> None:
    _, path, stranger = await _post(node, visibility="public")
    await node.setting("authorized_fetch", True)
    forged = Remote(stranger.actor, generate_rsa_keypair()[0])
    assert (await node.signed_get(path, forged)).status == 401


async def test_with_authorized_fetch_a_suspended_domain_is_401(node: Node) -> None:
    _, path, stranger = await _post(node, visibility="public")
    await node.setting("authorized_fetch", True)
    async with node.services.sessions() as session, session.begin():
        session.add(DomainRule(domain="remote.example", policy="suspend"))
    assert (await node.signed_get(path, stranger)).status == 401


async def test_with_authorized_fetch_collections_need_a_signature(node: Node) -> None:
    _, _, stranger = await _post(node)
    await node.setting("authorized_fetch", True)
    for path in ("/users/alice/outbox", "/users/alice/followers", "/users/alice/following",
                 "/users/alice/collections/featured"):
        assert (await node.get(path)).status == 401, path
        assert (await node.signed_get(path, stranger)).status == 200, path


async def test_with_authorized_fetch_html_pages_stay_public(node: Node) -> None:
    alice, _, _ = await _post(node)
    status = await node.status(alice)
    await node.setting("authorized_fetch", True)
    assert (await node.get(f"/@alice/{status.id}", accept=BROWSER)).status == 200


async def test_the_authorized_fetch_setting_is_reread_after_a_few_seconds(node: Node) -> None:
    now = [1000.0]
    cache = SettingCache(ttl=3.0, clock=lambda: now[0])
    sessions = node.services.sessions
    assert await cache.get(sessions, "authorized_fetch") is False
    await node.setting("authorized_fetch", True)
    now[0] += 2.9
    assert await cache.get(sessions, "authorized_fetch") is False
    now[0] += 0.2
    assert await cache.get(sessions, "authorized_fetch") is True
