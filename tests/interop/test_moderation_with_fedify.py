"""Moderation decided at the command line, with the real Fedify peer on the other side:

- in allowlist mode a peer that is not a partner can neither deliver nor fetch (nothing of it
  is stored), the public pages and the instance API still answer anonymous visitors, and once
  the peer is made a partner it federates fully;
- suspending the peer's domain drops the deliveries queued for it, purges its content and
  severs follows both ways.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import aiohttp
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from federation.urls import domain_of
from storage import queue
from storage.models import ACCEPTED, Actor, Follow, Job, Status
from tests.integration.node import AmityNode, eventually
from tests.interop.amity_fedify import _bob_follows_alice, _follow_state, _peer_following, _post, amity
from tests.interop.fedify_peer import FedifyPeer
from tests.interop.test_reports_clients import _cli_config
from ui.cli import main

__all__ = ["amity"]  # the fixture, from amity_fedify


async def _amity(config: Path, *args: str) -> None:
    """The `amity` command, as the operator runs it (in a thread: it runs its own event loop)."""
    assert await asyncio.to_thread(main, ["--config", str(config), *args]) == 0


async def _count(amity: AmityNode, statement: object) -> int:
    async def run(session: AsyncSession) -> int:
        return int(await session.scalar(statement) or 0)  # type: ignore[call-overload]
    return await amity.query(run)


async def test_allowlist_mode_lets_only_a_partner_peer_in_and_keeps_the_public_pages_open(
        amity: AmityNode, fedify_peer: FedifyPeer, tmp_path: Path) -> None:
    config = _cli_config(amity, tmp_path)
    bob = await amity.create_user("bob")
    note = await _post(amity, bob, "Partners only")
    await _amity(config, "settings", "set", "federation_mode", "allowlist")

    async def fetch_refused() -> bool:  # the node's caches pick the mode up within seconds
        return (await fedify_peer.fetch(note.uri, signed=True))["status"] == 401
    await eventually(fetch_refused, seconds=15, nodes=(amity,))
    refused = await fedify_peer.follow(bob.uri, check=False)
    assert refused["ok"] is False
    alice_rows = await _count(amity, select(func.count()).select_from(Actor).where(
        Actor.uri == fedify_peer.actor_url))
    follows = await _count(amity, select(func.count()).select_from(Follow))
    assert (alice_rows, follows) == (0, 0)  # nothing of the stranger was stored
    async with aiohttp.ClientSession() as anonymous:
        for path in ("/about", "/about/moderation", "/api/v1/instance", "/api/v2/instance"):
            async with anonymous.get(f"{amity.base_url}{path}") as response:
                assert response.status == 200, path

    await _amity(config, "domain", "set", domain_of(fedify_peer.actor_url), "--policy", "allow")

    async def fetch_allowed() -> bool:
        return (await fedify_peer.fetch(note.uri, signed=True))["status"] == 200
    await eventually(fetch_allowed, seconds=15, nodes=(amity,))
    await fedify_peer.follow(bob.uri)

    async def followed() -> bool:
        return await _peer_following(fedify_peer, bob.uri) == "accepted"
    await eventually(followed, nodes=(amity,))
    assert await _follow_state(amity, fedify_peer.actor_url, bob.uri) == ACCEPTED


async def test_suspending_the_peer_drops_its_deliveries_purges_its_posts_and_severs_follows(
        amity: AmityNode, fedify_peer: FedifyPeer, tmp_path: Path) -> None:
    config = _cli_config(amity, tmp_path)
    bob, alice = await _bob_follows_alice(amity, fedify_peer)
    await fedify_peer.follow(bob.uri)
    await fedify_peer.post("<p>A story from abroad</p>")

    async def stored() -> int:
        return await _count(amity, select(func.count()).select_from(Status).where(
            Status.actor_id == alice.id))
    await eventually(stored, nodes=(amity,))

    async def queue_one(session: AsyncSession) -> int:  # a delivery still waiting for the peer
        return await queue.enqueue(session, "federation.deliver",
                                   {"activity_id": 1, "inbox": f"{fedify_peer.base_url}/inbox"},
                                   queue="deliveries", delay_seconds=3600)
    await amity.write(queue_one)
    await _amity(config, "domain", "set", domain_of(fedify_peer.actor_url), "--policy", "suspend")

    async def purged() -> bool:
        statuses = await stored()
        follows = await _count(amity, select(func.count()).select_from(Follow).where(
            (Follow.follower_id == alice.id) | (Follow.followee_id == alice.id)))
        waiting = await _count(amity, select(func.count()).select_from(Job).where(
            Job.kind == "federation.deliver"))
        suspended = await amity.query(lambda s: s.scalar(select(Actor.suspended_at).where(
            Actor.id == alice.id)))
        return (statuses, follows, waiting) == (0, 0, 0) and suspended is not None
    await eventually(purged, seconds=20, nodes=(amity,))
