"""Account actions seen from the real Fedify peer and from Mastodon.py.

Suspending a local account: during the grace period nothing leaves the node, and unsuspending
gives everything back (the peer still follows and is followed by bob); once the grace period
ends, bob's own `Delete` (signed with his key) reaches the peer, which drops him from alice's
followers and following, and bob's data is gone on Amity. Mastodon.py's admin calls
(`admin_accounts_v2`, `admin_account_moderate`) work against a live node.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from mastodon import Mastodon
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from actors.accounts.local_users import find_user
from actors.moderation import accounts
from actors.moderation.audit import operator
from actors.moderation.suspension import DELETE_DATA_KIND
from storage.models import Actor, AuditLogEntry, Job, Status
from tests.conftest import new_database
from tests.integration.node import AmityNode, eventually
from tests.interop.amity_fedify import _alice_follows, _bob_follows_alice, _logged, _peer_followers, _post
from tests.interop.fedify_peer import FedifyPeer

GRACE_SECONDS = 2  # lowered for the test (30 days by default)
PASSWORD = "test password"  # AmityNode.create_user's


@pytest.fixture
async def amity(tmp_path: Path, request: pytest.FixtureRequest) -> AsyncIterator[AmityNode]:
    async for url in new_database("sqlite", tmp_path, request):
        async with await AmityNode.start(url, tmp_path, limits={"suspension_grace_seconds": GRACE_SECONDS}
                                         ) as node:
            yield node


async def _act(amity: AmityNode, name: str, action: str) -> None:
    async def go(session: AsyncSession) -> None:
        who = await accounts.local_target(session, name)
        if action in accounts.UNDO:
            await accounts.undo(session, operator(), who, action)
        else:
            await accounts.act(session, amity.config, operator(), who, action, text="spam")
    await amity.write(go)


async def _no_deletion_queued(amity: AmityNode) -> bool:
    return await amity.query(lambda s: s.scalar(select(func.count()).select_from(Job).where(
        Job.kind == DELETE_DATA_KIND))) == 0


async def _peer_following(peer: FedifyPeer) -> list[str]:
    return [f["id"] for f in (await peer.state())["following"]]


async def test_unsuspended_in_time_nothing_leaves_then_the_delete_reaches_fedify_which_drops_bob(
        amity: AmityNode, fedify_peer: FedifyPeer) -> None:
    bob, _alice = await _bob_follows_alice(amity, fedify_peer)
    await _alice_follows(amity, fedify_peer, bob)
    await _post(amity, bob, "hello from bob")
    assert await _peer_followers(fedify_peer) == [bob.uri] and await _peer_following(fedify_peer) == [bob.uri]

    await _act(amity, "bob", "suspend")
    await _act(amity, "bob", "unsuspend")  # well within the grace period
    await eventually(lambda: _no_deletion_queued(amity), nodes=(amity,), seconds=GRACE_SECONDS + 15)
    assert not [e for e in await fedify_peer.log() if e["type"] == "Delete"]
    assert await _peer_followers(fedify_peer) == [bob.uri] and await _peer_following(fedify_peer) == [bob.uri]
    assert await amity.query(lambda s: s.scalar(select(func.count()).select_from(Status).where(
        Status.actor_id == bob.id))) == 1

    await _act(amity, "bob", "suspend")
    deleted = await _logged(amity, fedify_peer, "Delete", lambda e: e["object"] == bob.uri)
    assert (deleted["actor"], deleted["signer"], deleted["dropped_account"]) == (
        bob.uri, f"{bob.uri}#main-key", True)
    assert await _peer_followers(fedify_peer) == [] and await _peer_following(fedify_peer) == []
    stored = await amity.query(lambda s: s.get(Actor, bob.id))
    assert stored is not None and stored.deleted_at is not None
    assert await amity.query(lambda s: s.scalar(select(func.count()).select_from(Status).where(
        Status.actor_id == bob.id))) == 0
    actions = await amity.query(lambda s: s.scalars(select(AuditLogEntry.action).order_by(AuditLogEntry.id)))
    assert list(actions) == ["account.suspend", "account.unsuspend", "account.suspend",
                             "account.data_deleted"]


async def test_mastodon_py_lists_pending_accounts_and_moderates_one(amity: AmityNode) -> None:
    await amity.create_user("mo")
    await amity.create_user("bo")

    async def roles(session: AsyncSession) -> None:
        (await find_user(session, "mo")).role = "moderator"
        (await find_user(session, "bo")).approved = False
        (await find_user(session, "bo")).sign_up_reason = "I run the chess club"
    await amity.write(roles)
    base = amity.base_url

    def scenario() -> tuple[list[tuple[str, str | None]], bool, bool]:
        client_id, client_secret = Mastodon.create_app("Moderation", api_base_url=base,
                                                       scopes=["read", "write", "admin:read", "admin:write"])
        api = Mastodon(client_id=client_id, client_secret=client_secret, api_base_url=base)
        api.log_in(username="mo@example.org", password=PASSWORD, allow_http=True,
                   scopes=["read", "write", "admin:read", "admin:write"])
        pending = api.admin_accounts_v2(status="pending", origin="local")
        listed = [(a.username, a.invite_request) for a in pending]
        api.admin_account_approve(pending[0])
        api.admin_account_moderate(pending[0], "silence", text="calm down")
        after = api.admin_account(pending[0])
        return listed, after.approved, after.silenced
    listed, approved, silenced = await asyncio.to_thread(scenario)
    assert listed == [("bo", "I run the chess club")]
    assert (approved, silenced) == (True, True)
    actions = await amity.query(lambda s: s.scalars(select(AuditLogEntry.action).order_by(AuditLogEntry.id)))
    assert list(actions) == ["account.approve", "account.silence"]
