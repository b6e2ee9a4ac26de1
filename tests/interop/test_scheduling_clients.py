"""Scheduled posts and refresh tokens with real clients (Mastodon.py, the toot CLI) on a live
Amity node beside the Fedify peer.

The node's `min_schedule_seconds` is lowered to 2 (Mastodon's 5 minutes is its default) so a
post can be scheduled a few seconds ahead and seen published: in the author's home timeline
(through the client), in a local follower's, and at the peer, whose alice follows the author.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from mastodon import Mastodon, MastodonAPIError, MastodonIllegalArgumentError, MastodonUnauthorizedError
from sqlalchemy import select

from actors.social import follows
from storage.models import ACCEPTED, Actor, Follow, ScheduledStatus, Status, TimelineEntry
from tests.conftest import new_database
from tests.integration.node import AmityNode, eventually
from tests.interop.amity_fedify import _alice_follows, _logged
from tests.interop.fedify_peer import FedifyPeer
from tests.interop.test_toot_day import TOOT

PASSWORD = "test password"  # AmityNode.create_user's
SCOPES = ["read", "write", "follow"]
LEAD_SECONDS = 2  # the node's minimum; Mastodon's default is 300


@pytest.fixture
async def amity(tmp_path: Path, request: pytest.FixtureRequest) -> AsyncIterator[AmityNode]:
    async for url in new_database("sqlite", tmp_path, request):
        limits = {"min_schedule_seconds": LEAD_SECONDS}
        async with await AmityNode.start(url, tmp_path, limits=limits) as node:
            yield node


async def _members_and_followers(amity: AmityNode, peer: FedifyPeer) -> tuple[Actor, Actor]:
    """ana, followed by bea (on Amity) and by the peer's alice: (ana, bea)."""
    ana, bea = await amity.create_user("ana"), await amity.create_user("bea")
    await amity.write(lambda s: follows.follow(s, bea, ana, base_url=amity.base_url))

    async def bea_follows() -> bool:
        follow = await amity.query(lambda s: s.scalar(select(Follow.state).where(
            Follow.follower_id == bea.id, Follow.followee_id == ana.id)))
        return follow == ACCEPTED
    await eventually(bea_follows, nodes=(amity,))
    await _alice_follows(amity, peer, ana)
    return ana, bea


async def _published(amity: AmityNode, peer: FedifyPeer, author: Actor, follower: Actor,
                     words: str) -> Status:
    """Wait (bounded) until a post with `words` is published, in the follower's home timeline and
    at the peer."""
    async def posted() -> Status | None:
        return await amity.query(lambda s: s.scalar(select(Status).where(
            Status.actor_id == author.id, Status.content.contains(words))))
    status = await eventually(posted, seconds=20, nodes=(amity,))

    async def in_home() -> int | None:
        return await amity.query(lambda s: s.scalar(select(TimelineEntry.id).where(
            TimelineEntry.owner_id == follower.id, TimelineEntry.status_id == status.id)))
    await eventually(in_home, nodes=(amity,))
    created = await _logged(amity, peer, "Create", lambda e: e["object"] == status.uri)
    assert created["error"] is None and created["actor"] == author.uri
    assert any(words in c["value"] for c in created["object_fields"]["contents"])
    return status


async def test_mastodon_py_schedules_moves_cancels_and_the_post_goes_out(
        amity: AmityNode, fedify_peer: FedifyPeer) -> None:
    ana, bea = await _members_and_followers(amity, fedify_peer)
    base = amity.base_url

    def schedule() -> tuple[Mastodon, str]:
        client_id, client_secret = Mastodon.create_app("Scheduler", scopes=SCOPES, api_base_url=base)
        api = Mastodon(client_id=client_id, client_secret=client_secret, api_base_url=base)
        api.log_in(username="ana@example.org", password=PASSWORD, scopes=SCOPES, allow_http=True)
        later = api.status_post("Tomorrow's walk", scheduled_at=datetime.now(UTC) + timedelta(days=1))
        assert later.params.text == "Tomorrow's walk" and later.scheduled_at > datetime.now(UTC)
        moved = api.scheduled_status_update(later, datetime.now(UTC) + timedelta(days=2))
        assert moved.id == later.id and moved.scheduled_at > later.scheduled_at
        soon = api.status_post("Harbour walk at dawn", visibility="public",
                               scheduled_at=datetime.now(UTC) + timedelta(seconds=LEAD_SECONDS + 2))
        assert soon.params.text == "Harbour walk at dawn" and soon.media_attachments == []
        assert {s.id for s in api.scheduled_statuses()} == {later.id, soon.id}
        assert api.scheduled_status(soon.id).id == soon.id
        api.scheduled_status_delete(later)
        assert [s.id for s in api.scheduled_statuses()] == [soon.id]
        with pytest.raises(MastodonAPIError, match="Scheduled at date must be in the future"):
            api.status_post("Too soon", scheduled_at=datetime.now(UTC) + timedelta(seconds=1))
        return api, str(soon.id)

    api, scheduled_id = await asyncio.to_thread(schedule)
    status = await _published(amity, fedify_peer, ana, bea, "Harbour walk at dawn")
    assert await amity.query(lambda s: s.get(ScheduledStatus, int(scheduled_id))) is None

    def after() -> None:
        assert str(status.id) in [str(s.id) for s in api.timeline_home()]
        assert api.scheduled_statuses() == []
        with pytest.raises(MastodonAPIError):  # 404: published, so no longer scheduled
            api.scheduled_status(scheduled_id)
    await asyncio.to_thread(after)


async def test_mastodon_py_refreshes_its_token_once(amity: AmityNode) -> None:
    await amity.create_user("ana")
    base = amity.base_url

    def scenario() -> None:
        client_id, client_secret = Mastodon.create_app("Refresher", scopes=SCOPES, api_base_url=base)
        api = Mastodon(client_id=client_id, client_secret=client_secret, api_base_url=base)
        assert "refresh_token" in api.oauth_authorization_server_info().grant_types_supported
        first = api.log_in(username="ana@example.org", password=PASSWORD, scopes=SCOPES, allow_http=True)
        first_refresh = api._refresh_token  # Mastodon.py keeps it from the token answer (no public getter)
        assert first_refresh
        second = api.log_in(refresh_token=first_refresh, scopes=SCOPES, allow_http=True)
        assert second != first and api._refresh_token not in (None, first_refresh)
        assert api.account_verify_credentials().username == "ana"
        old = Mastodon(access_token=first, api_base_url=base)
        with pytest.raises(MastodonUnauthorizedError):
            old.account_verify_credentials()
        with pytest.raises(MastodonIllegalArgumentError, match="invalid_grant"):
            api.log_in(refresh_token=first_refresh, scopes=SCOPES, allow_http=True)  # used already
        assert api.account_verify_credentials().username == "ana"  # the failed refresh changed nothing

    await asyncio.to_thread(scenario)


async def _toot(config_home: Path, *args: str) -> str:
    process = await asyncio.create_subprocess_exec(
        TOOT, "--no-color", *args, env={**os.environ, "XDG_CONFIG_HOME": str(config_home)},
        stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT)
    output, _ = await asyncio.wait_for(process.communicate(), timeout=60)
    assert await process.wait() == 0, f"toot {' '.join(args)} failed:\n{output.decode()}"
    return output.decode()


async def test_toot_schedules_a_post_that_goes_out_at_its_time(
        amity: AmityNode, fedify_peer: FedifyPeer, tmp_path: Path) -> None:
    ana, bea = await _members_and_followers(amity, fedify_peer)
    await _toot(tmp_path, "login_cli", "-i", amity.base_url, "-e", "ana@example.org", "-p", PASSWORD)
    printed = await _toot(tmp_path, "post", "Tide tables are up",
                          "--scheduled-in", f"{LEAD_SECONDS + 2} seconds")
    assert "Toot scheduled for:" in printed, printed
    row = await amity.query(lambda s: s.scalar(select(ScheduledStatus)))
    assert row is not None and row.params["text"] == "Tide tables are up"
    await _published(amity, fedify_peer, ana, bea, "Tide tables are up")
