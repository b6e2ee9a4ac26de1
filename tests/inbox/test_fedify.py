"""A real Fedify server (tests/interop/peer) talks to a running Amity node's inbox.

Fedify signs with draft-cavage (and adds an LD signature and a FEP-8b32 proof), sends `to`
and `cc` as single strings, and verifies our Accept with the local account's key. Skipped
when Node.js or the peer's packages are missing (failed in CI, which requires them).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import ACCEPTED, Actor, Favourite, Follow, Mention, Notification, Status, Tombstone
from tests.integration.node import AmityNode, eventually
from tests.interop.fedify_peer import FedifyPeer, PeerProcess


@pytest.fixture(scope="module")
def fedify_process() -> Iterator[PeerProcess]:
    process = PeerProcess.start()
    try:
        yield process
    finally:
        process.stop()


@pytest.fixture
async def fedify(fedify_process: PeerProcess) -> AsyncIterator[FedifyPeer]:
    peer = await FedifyPeer.connect(fedify_process)
    try:
        await peer.reset()
        yield peer
    finally:
        await peer.close()


@pytest.fixture
async def amity(sqlite_url: str, tmp_path: Path) -> AsyncIterator[AmityNode]:
    async with await AmityNode.start(sqlite_url, tmp_path) as node:
        yield node


async def _one(node: AmityNode, model: Any, *where: Any) -> Any:
    async def query(session: AsyncSession) -> Any:
        return (await session.scalars(select(model).where(*where))).first()

    async def check() -> Any:
        return await node.query(query)

    return await eventually(check, nodes=(node,))


async def _remote_alice(amity: AmityNode, fedify: FedifyPeer) -> Actor:
    actor: Actor = await _one(amity, Actor, Actor.uri == fedify.actor_url)
    return actor


async def test_a_fedify_follow_is_accepted_and_fedify_verifies_the_accept(amity: AmityNode,
                                                                          fedify: FedifyPeer) -> None:
    bob = await amity.create_user("bob")
    await fedify.follow(bob.uri)
    follow: Follow = await _one(amity, Follow, Follow.followee_id == bob.id, Follow.state == ACCEPTED)
    alice = await _remote_alice(amity, fedify)
    assert follow.follower_id == alice.id

    async def accepted() -> bool:
        following = (await fedify.state())["following"]
        return bool(following) and following[0]["state"] == "accepted"

    assert await eventually(accepted, nodes=(amity,))


async def test_a_fedify_note_with_a_mention_is_stored_and_notified(amity: AmityNode,
                                                                   fedify: FedifyPeer) -> None:
    bob = await amity.create_user("bob")
    sent = await fedify.post('<p>hi <a href="x">@bob</a><script>x()</script></p>', mentions=[bob.uri])
    status: Status = await _one(amity, Status, Status.uri == sent["note_id"])
    assert "<script>" not in status.content and "hi" in status.content
    assert status.visibility == "public"
    await _one(amity, Mention, Mention.status_id == status.id, Mention.actor_id == bob.id)
    note: Notification = await _one(amity, Notification, Notification.recipient_id == bob.id)
    assert (note.type, note.status_id) == ("mention", status.id)

    await fedify.delete(sent["note_id"], check=False)
    await _one(amity, Tombstone, Tombstone.uri == sent["note_id"])
    remaining = await amity.query(lambda s: s.scalar(select(Status.id).where(Status.uri == sent["note_id"])))
    assert remaining is None


async def test_a_fedify_like_and_its_undo(amity: AmityNode, fedify: FedifyPeer) -> None:
    bob = await amity.create_user("bob")
    post_uri = f"{bob.uri}/statuses/1"

    async def add_post(session: AsyncSession) -> None:
        session.add(Status(uri=post_uri, actor_id=bob.id, local=True, content="<p>hello</p>"))

    await amity.write(add_post)
    like = await fedify.like(post_uri, to=[bob.uri])
    await _one(amity, Favourite, Favourite.uri == like["id"])
    await fedify.undo(like["id"])

    async def gone() -> bool:
        found = await amity.query(lambda s: s.scalar(select(Favourite.id)))
        return found is None

    assert await eventually(gone, nodes=(amity,))
