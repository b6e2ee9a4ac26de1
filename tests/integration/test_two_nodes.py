"""Two Amity nodes on loopback federate: follows, posts, replies, likes, boosts, undo, delete,
profile updates, and signed fetches of followers-only posts. Each scenario checks what both
sides stored. Runs on SQLite and on PostgreSQL (each node its own database)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from actors.accounts.profile import update_profile
from actors.posts import posting
from actors.social import follows
from federation.httpsig.signatures import sign_request
from federation.resolve import resolve_actor, webfinger
from storage import settings
from storage.models import (
    ACCEPTED,
    PENDING,
    Actor,
    Favourite,
    Follow,
    Notification,
    Status,
    TimelineEntry,
    Tombstone,
)
from tests.conftest import new_database
from tests.integration.node import AmityNode, eventually


@pytest.fixture
async def nodes(engine_kind: str, tmp_path: Path, request: pytest.FixtureRequest
                ) -> AsyncIterator[tuple[AmityNode, AmityNode]]:
    urls = []
    generators = [new_database(engine_kind, tmp_path / name, request) for name in ("a", "b")]
    for name, gen in zip(("a", "b"), generators, strict=True):
        (tmp_path / name).mkdir()
        urls.append(await gen.__anext__())
    a = await AmityNode.start(urls[0], tmp_path / "a")
    b = await AmityNode.start(urls[1], tmp_path / "b")
    try:
        yield a, b
    finally:
        await a.stop()
        await b.stop()
        for gen in generators:
            await gen.aclose()


async def _remote(node: AmityNode, other: AmityNode, username: str) -> Actor:
    """`username@other` as `node` knows it (WebFinger, then the actor document)."""
    uri = await webfinger(node.services, username, other.domain)
    return await resolve_actor(node.services, uri)


async def _follow(a: AmityNode, follower: Actor, b: AmityNode, username: str) -> Actor:
    target = await _remote(a, b, username)

    async def go(session: AsyncSession) -> Follow:
        return await follows.follow(session, follower, target, base_url=a.base_url)

    await a.write(go)
    return target


async def _follow_state(node: AmityNode, follower_uri: str, followee_uri: str) -> str | None:
    async def q(session: AsyncSession) -> str | None:
        follower = select(Actor.id).where(Actor.uri == follower_uri).scalar_subquery()
        followee = select(Actor.id).where(Actor.uri == followee_uri).scalar_subquery()
        return await session.scalar(select(Follow.state).where(
            Follow.follower_id == follower, Follow.followee_id == followee))
    return await node.query(q)


async def _status(node: AmityNode, uri: str) -> Status | None:
    return await node.query(lambda s: s.scalar(select(Status).where(Status.uri == uri)))


async def _post(node: AmityNode, author: Actor, text: str, **kwargs: Any) -> Status:
    async def go(session: AsyncSession) -> Status:
        return await posting.create_status(session, node.config, author,
                posting.NewStatus(text=text, **kwargs))
    return await node.write(go)


async def _followed(a: AmityNode, b: AmityNode) -> tuple[Actor, Actor]:
    """alice@a follows bob@b, accepted; returns (alice on a, bob on b)."""
    alice = await a.create_user("alice")
    bob = await b.create_user("bob")
    await _follow(a, alice, b, "bob")

    async def accepted() -> bool:
        return await _follow_state(a, alice.uri, bob.uri) == ACCEPTED
    await eventually(accepted, nodes=(a, b))
    return alice, bob


async def test_a_follow_is_accepted_on_both_sides(nodes: tuple[AmityNode, AmityNode]) -> None:
    a, b = nodes
    alice, bob = await _followed(a, b)
    assert await _follow_state(b, alice.uri, bob.uri) == ACCEPTED
    notes = await b.query(lambda s: s.scalars(select(Notification.type)))
    assert list(notes) == ["follow"]


async def test_a_locked_account_approves_the_request(nodes: tuple[AmityNode, AmityNode]) -> None:
    a, b = nodes
    alice = await a.create_user("alice")
    carol = await b.create_user("carol", locked=True)
    await _follow(a, alice, b, "carol")

    async def pending_on_b() -> bool:
        return await _follow_state(b, alice.uri, carol.uri) == PENDING
    await eventually(pending_on_b, nodes=(a, b))
    assert await _follow_state(a, alice.uri, carol.uri) == PENDING

    async def approve(session: AsyncSession) -> None:
        follower = await session.scalar(select(Actor).where(Actor.uri == alice.uri))
        target = await session.get(Actor, carol.id)
        assert follower is not None and target is not None
        await follows.accept_follow_request(session, target, follower, base_url=b.base_url)
    await b.write(approve)

    async def accepted_on_a() -> bool:
        return await _follow_state(a, alice.uri, carol.uri) == ACCEPTED
    await eventually(accepted_on_a, nodes=(a, b))


async def test_posts_reach_followers_and_replies_thread_back(nodes: tuple[AmityNode, AmityNode]) -> None:
    a, b = nodes
    alice, bob = await _followed(a, b)
    post = await _post(b, bob, "Mural day at Riverside!")
    remote_post = await eventually(lambda: _status(a, post.uri), nodes=(a, b))
    assert "Mural day at Riverside!" in remote_post.content and remote_post.visibility == "public"

    async def in_alices_home() -> bool:
        return bool(await a.query(lambda s: s.scalar(select(func.count()).select_from(TimelineEntry).where(
            TimelineEntry.owner_id == alice.id, TimelineEntry.status_id == remote_post.id))))
    await eventually(in_alices_home, nodes=(a, b))

    bob_on_a = await _remote(a, b, "bob")
    reply = await _post(a, alice, "Lovely colours", in_reply_to_id=remote_post.id, mentions=[bob_on_a])
    stored_reply = await eventually(lambda: _status(b, reply.uri), nodes=(a, b))
    assert stored_reply.in_reply_to_id == post.id

    async def replies_counted() -> bool:
        original = await _status(b, post.uri)
        return original is not None and original.replies_count == 1
    await eventually(replies_counted, nodes=(a, b))
    kinds = await b.query(lambda s: s.scalars(select(Notification.type).order_by(Notification.id)))
    assert "mention" in list(kinds)


async def test_likes_and_boosts_and_their_undo(nodes: tuple[AmityNode, AmityNode]) -> None:
    a, b = nodes
    alice, bob = await _followed(a, b)
    post = await _post(b, bob, "Library open late on Friday")
    remote_post = await eventually(lambda: _status(a, post.uri), nodes=(a, b))

    await a.write(lambda s: posting.favourite(s, a.config, alice, remote_post))
    await a.write(lambda s: posting.reblog(s, a.config, alice, remote_post))

    async def counted(favourites: int, reblogs: int) -> bool:
        original = await _status(b, post.uri)
        return original is not None and (original.favourites_count, original.reblogs_count) == (
            favourites, reblogs)

    await eventually(lambda: counted(1, 1), nodes=(a, b))
    kinds = set(await b.query(lambda s: s.scalars(select(Notification.type))))
    assert {"favourite", "reblog"} <= kinds

    await a.write(lambda s: posting.unfavourite(s, a.config, alice, remote_post))
    await a.write(lambda s: posting.unreblog(s, a.config, alice, remote_post))
    await eventually(lambda: counted(0, 0), nodes=(a, b))
    likes = await b.query(lambda s: s.scalar(select(func.count()).select_from(Favourite)))
    boosts = await b.query(lambda s: s.scalar(
        select(func.count()).select_from(Status).where(Status.reblog_of_id.is_not(None))))
    assert (likes, boosts) == (0, 0)


async def test_a_deleted_post_is_gone_on_the_follower_side(nodes: tuple[AmityNode, AmityNode]) -> None:
    a, b = nodes
    _alice, bob = await _followed(a, b)
    post = await _post(b, bob, "Typo, will repost")
    await eventually(lambda: _status(a, post.uri), nodes=(a, b))
    stored = await _status(b, post.uri)
    assert stored is not None
    await b.write(lambda s: posting.delete_status(s, b.config, bob, stored))

    async def gone_with_tombstone() -> bool:
        tomb = await a.query(lambda s: s.get(Tombstone, post.uri))
        return tomb is not None and await _status(a, post.uri) is None
    await eventually(gone_with_tombstone, nodes=(a, b))


async def test_unfollow_is_seen_by_the_other_side(nodes: tuple[AmityNode, AmityNode]) -> None:
    a, b = nodes
    alice, bob = await _followed(a, b)
    bob_on_a = await _remote(a, b, "bob")
    await a.write(lambda s: follows.unfollow(s, alice, bob_on_a, base_url=a.base_url))

    async def gone() -> bool:
        return await _follow_state(b, alice.uri, bob.uri) is None
    await eventually(gone, nodes=(a, b))


async def test_a_profile_update_reaches_followers(nodes: tuple[AmityNode, AmityNode]) -> None:
    a, b = nodes
    _alice, bob = await _followed(a, b)

    async def change(session: AsyncSession) -> int:
        me = await session.get(Actor, bob.id)
        assert me is not None
        return await update_profile(session, me, base_url=b.base_url, display_name="Bob the Librarian")
    assert await b.write(change) == 1

    async def renamed() -> bool:
        name = await a.query(lambda s: s.scalar(select(Actor.display_name).where(Actor.uri == bob.uri)))
        return name == "Bob the Librarian"
    await eventually(renamed, nodes=(a, b))


async def test_followers_only_posts_need_a_follower_signature(nodes: tuple[AmityNode, AmityNode]) -> None:
    a, b = nodes
    alice, bob = await _followed(a, b)
    await b.write(lambda s: settings.set_value(s, "authorized_fetch", True))
    post = await _post(b, bob, "For our followers only", visibility="private")
    remote = await eventually(lambda: _status(a, post.uri), nodes=(a, b))
    assert remote.visibility == "private"

    accept = {"Accept": "application/activity+json"}
    async with aiohttp.ClientSession() as http:
        async with http.get(post.uri, headers=accept) as unsigned:
            assert unsigned.status == 401
        signed = sign_request("GET", post.uri, key_id=f"{alice.uri}#main-key",
                              private_key_pem=alice.private_key_pem or "")
        async with http.get(post.uri, headers={**accept, **signed}) as response:
            assert response.status == 200
            assert (await response.json())["id"] == post.uri
        stranger = await a.create_user("stranger")
        signed = sign_request("GET", post.uri, key_id=f"{stranger.uri}#main-key",
                              private_key_pem=stranger.private_key_pem or "")
        async with http.get(post.uri, headers={**accept, **signed}) as response:
            assert response.status == 404
