"""Mastodon.py reads timelines and searches on a live Amity node beside the real Fedify peer:
home (a followed member's posts arrive by fan-out), local and public (local-only posts for the
signed-in member, not for anonymous readers), the tag timeline, Link pagination followed by
Mastodon.py itself, and `search_v2(resolve=True)` finding the peer's account by WebFinger and
one of its posts by URL."""

from __future__ import annotations

import asyncio
from typing import Any

from mastodon import Mastodon
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from actors.posts import posting
from actors.social import follows
from storage.models import Actor, Status, TimelineEntry
from tests.integration.node import AmityNode, eventually
from tests.interop.amity_fedify import amity
from tests.interop.fedify_peer import FedifyPeer

__all__ = ["amity"]  # the fixture, shared with the main interop module

SCOPES = ["read", "write", "follow", "push"]
PASSWORD = "test password"  # AmityNode.create_user's


def _sign_in(base: str, username: str) -> Mastodon:
    client_id, client_secret = Mastodon.create_app("Timelines", scopes=SCOPES, api_base_url=base)
    api = Mastodon(client_id=client_id, client_secret=client_secret, api_base_url=base)
    api.log_in(username=f"{username}@example.org", password=PASSWORD, scopes=SCOPES, allow_http=True)
    return api


async def _post(amity: AmityNode, author: Actor, text: str, **kwargs: Any) -> Status:
    async def write(session: AsyncSession) -> Status:
        return await posting.create_status(session, amity.services, author,
                posting.NewStatus(text=text, **kwargs))
    return await amity.write(write)


async def test_mastodon_py_reads_every_timeline_and_resolves_the_fedify_peer(
        amity: AmityNode, fedify_peer: FedifyPeer) -> None:
    ana, bea = await amity.create_user("ana"), await amity.create_user("bea")
    await amity.write(lambda s: follows.follow(s, ana, bea, base_url=amity.base_url))
    mural = await _post(amity, bea, "Mural day at the library #Garden")
    local_only = await _post(amity, bea, "Members only: keys are at the desk", local_only=True)
    private = await _post(amity, bea, "For followers", visibility="private")
    for n in range(3):
        await _post(amity, ana, f"note {n}")

    async def fanned_out() -> bool:
        count = await amity.query(lambda s: s.scalar(select(func.count()).select_from(TimelineEntry).where(
            TimelineEntry.owner_id == ana.id, TimelineEntry.status_id == private.id)))
        return bool(count)
    await eventually(fanned_out, nodes=(amity,))
    base, peer_handle = amity.base_url, fedify_peer.handle
    peer_note = (await fedify_peer.post("<p>Tide pools at noon</p>"))["note_id"]  # nobody follows alice

    def scenario() -> None:
        api = _sign_in(base, "ana")
        home = api.timeline_home(limit=4)
        assert [s.content for s in home] == ["<p>note 2</p>", "<p>note 1</p>", "<p>note 0</p>",
                                             "<p>For followers</p>"]
        assert home[3].visibility == "private" and home[3].account.acct == "bea"
        older = api.fetch_next(home)  # Mastodon.py follows the Link header
        assert older is not None
        assert [str(s.id) for s in older] == [str(local_only.id), str(mural.id)]
        newer = api.fetch_previous(older)  # min_id: the page just after, newest first
        assert newer is not None
        assert [s.content for s in newer] == [s.content for s in home]

        local = api.timeline_local()
        local_ids = [str(s.id) for s in local]
        assert str(local_only.id) in local_ids and str(private.id) not in local_ids
        public = api.timeline_public(remote=True)
        assert public == []  # nothing from other servers yet
        tagged = api.timeline_hashtag("garden")
        assert [str(s.id) for s in tagged] == [str(mural.id)] and tagged[0].tags[0].name == "garden"

        anonymous = Mastodon(api_base_url=base)
        seen = [str(s.id) for s in anonymous.timeline_public(local=True)]
        assert str(mural.id) in seen and str(local_only.id) not in seen

        found = api.search_v2(f"@{peer_handle}", resolve=True)
        [account] = found.accounts
        assert account.acct == peer_handle and account.url
        assert api.search_v2(peer_handle, resolve=False).accounts[0].id == account.id  # now known
        [fetched] = api.search_v2(peer_note, resolve=True).statuses  # a post by its URL
        assert fetched.uri == peer_note and fetched.content == "<p>Tide pools at noon</p>"
        assert fetched.account.acct == peer_handle
        assert api.search_v2(peer_note, resolve=False).statuses == []  # not one of ana's
        assert api.account_search("bea")[0].acct == "bea"
        tags = api.search_v2("#gard", result_type="hashtags").hashtags
        assert [t.name for t in tags] == ["Garden"] and len(tags[0].history) == 7
        mine = api.search_v2("note", result_type="statuses").statuses
        assert {s.content for s in mine} == {"<p>note 0</p>", "<p>note 1</p>", "<p>note 2</p>"}
        latest = api.account_statuses(api.account_lookup("bea").id, limit=1)
        assert [str(s.id) for s in latest] == [str(private.id)]  # ana follows bea

    await asyncio.to_thread(scenario)

    async def stored(session: AsyncSession) -> Actor | None:
        return await session.scalar(select(Actor).where(Actor.uri == fedify_peer.actor_url))
    assert await amity.query(stored) is not None  # resolved through the federation layer
