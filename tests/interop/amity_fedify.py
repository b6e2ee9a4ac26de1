"""The `amity` fixture (a live Amity node) and helpers for the scenarios with the real Fedify peer:
rows on Amity's side, the peer's log, follows both ways, posts.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from actors.posts import posting
from actors.social import follows
from federation.resolve import resolve_actor, webfinger
from storage.models import (
    ACCEPTED,
    Actor,
    Follow,
    Status,
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
        return await posting.create_status(session, amity.config, author,
                posting.NewStatus(text=text, **kwargs))
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
