"""Lists, followed and featured tags and endorsements from real clients on a live Amity node
beside the real Fedify peer: Mastodon.py (`list_create` with `exclusive`, `list_accounts_add`,
`timeline_list`, `tag_follow`, featured tags, `account_pin`) and the toot CLI (`toot lists …`,
`toot tags …`, `toot timelines list`). A post from the peer with a followed tag reaches the
member's home timeline; the members of an exclusive list leave it."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from mastodon import Mastodon, MastodonAPIError
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from actors.posts import posting
from actors.social import follows
from storage.models import (
    Actor,
    Endorsement,
    FeaturedTag,
    FollowedTag,
    ListAccount,
    MemberList,
    Status,
    TimelineEntry,
)
from tests.integration.node import AmityNode, eventually
from tests.interop.amity_fedify import _bob_follows_alice, _stored, amity
from tests.interop.fedify_peer import FedifyPeer
from tests.interop.test_toot_day import Toot

__all__ = ["amity"]  # the fixture, shared with the main interop module

SCOPES = ["read", "write", "follow", "push"]
PASSWORD = "test password"  # AmityNode.create_user's


def _sign_in(base: str, username: str) -> Mastodon:
    client_id, client_secret = Mastodon.create_app("Lists", scopes=SCOPES, api_base_url=base)
    api = Mastodon(client_id=client_id, client_secret=client_secret, api_base_url=base)
    api.log_in(username=f"{username}@example.org", password=PASSWORD, scopes=SCOPES, allow_http=True)
    return api


async def _post(amity: AmityNode, author: Actor, text: str) -> Status:
    async def write(session: AsyncSession) -> Status:
        return await posting.create_status(session, amity.services, author, posting.NewStatus(text=text))
    return await amity.write(write)


async def _count(amity: AmityNode, model: Any, *where: Any) -> int:
    async def count(session: AsyncSession) -> int:
        return int(await session.scalar(select(func.count()).select_from(model).where(*where)) or 0)
    return await amity.query(count)


async def _in_home(amity: AmityNode, owner: Actor, status: Status) -> bool:
    return bool(await _count(amity, TimelineEntry, TimelineEntry.owner_id == owner.id,
                             TimelineEntry.status_id == status.id))


async def test_mastodon_py_lists_tags_and_endorsements(amity: AmityNode, fedify_peer: FedifyPeer) -> None:
    ana, bea, cid, dan = [await amity.create_user(n) for n in ("ana", "bea", "cid", "dan")]
    for followee in (bea, cid):
        async def follow(session: AsyncSession, target: Actor = followee) -> object:
            return await follows.follow(session, ana, target, base_url=amity.base_url)
        await amity.write(follow)
    await _bob_follows_alice(amity, fedify_peer)  # so the peer's posts are delivered here
    base = amity.base_url

    def organise() -> str:
        api = _sign_in(base, "ana")
        neighbours = api.list_create("Neighbours", replies_policy="none", exclusive=True)
        assert (neighbours.title, neighbours.replies_policy) == ("Neighbours", "none")
        assert neighbours.exclusive is True
        api.list_accounts_add(neighbours, [bea.id])
        assert [a.acct for a in api.list_accounts(neighbours)] == ["bea"]
        assert [lst.id for lst in api.account_lists(bea.id)] == [neighbours.id]
        with pytest.raises(MastodonAPIError) as refused:
            api.list_accounts_add(neighbours, [dan.id])
        assert "You must follow @dan before adding this account to a list." in str(refused.value)
        followed = api.tag_follow("TidePools")
        assert followed.following is True and followed.name == "TidePools"
        assert [t.name for t in api.followed_tags()] == ["TidePools"]
        featured = api.featured_tag_create("tidepools")
        assert int(featured.statuses_count) == 0  # Mastodon.py reads it as a string
        assert [t.id for t in api.featured_tags()] == [featured.id]
        endorsed = api.account_pin(cid.id)
        assert endorsed.endorsed is True
        assert [a.acct for a in api.endorsements()] == ["cid"]
        return str(neighbours.id)

    list_id = await asyncio.to_thread(organise)
    listed = await _post(amity, bea, "Street party on Saturday")
    plain = await _post(amity, cid, "Bakery opens at eight")
    tag_page = f"{fedify_peer.base_url}/tags/tidepools"
    sent = await fedify_peer.post(f'<p>Low tide at noon <a href="{tag_page}">#tidepools</a></p>',
                                  hashtags=[{"name": "#tidepools", "href": tag_page}])
    tagged = await _stored(amity, sent["note_id"])

    async def fanned_out() -> bool:
        return await _in_home(amity, ana, plain) and await _in_home(amity, ana, tagged)
    await eventually(fanned_out, nodes=(amity,))
    assert not await _in_home(amity, ana, listed)  # bea is in an exclusive list

    def read() -> None:
        api = _sign_in(base, "ana")
        assert [s.content for s in api.timeline_list(list_id)] == ["<p>Street party on Saturday</p>"]
        home = [str(s.id) for s in api.timeline_home()]
        assert home == [str(tagged.id), str(plain.id)]
        assert api.account_relationships([cid.id])[0].endorsed is True
        api.list_accounts_delete(list_id, [bea.id])
        assert api.list_accounts(list_id) == []
        api.tag_unfollow("tidepools")
        assert api.followed_tags() == []
        api.list_delete(list_id)
        assert api.lists() == []

    await asyncio.to_thread(read)
    assert await _count(amity, MemberList) == 0 and await _count(amity, ListAccount) == 0
    assert await _count(amity, FollowedTag) == 0
    assert await _count(amity, FeaturedTag) == 1 and await _count(amity, Endorsement) == 1


async def test_toot_lists_and_tags(amity: AmityNode, tmp_path: Path) -> None:
    ana, bea = await amity.create_user("ana"), await amity.create_user("bea")
    toot = Toot(tmp_path / "toot-config")
    printed = await toot.run("login_cli", "-i", amity.base_url, "-e", "ana@example.org", "-p", PASSWORD)
    assert "Successfully logged in" in printed, printed

    assert '✓ List "Garden club" created.' in await toot.run("lists", "create", "Garden club")
    assert "Garden club" in await toot.run("lists", "list")
    refused = await toot.fails("lists", "add", "Garden club", "bea")
    assert "You must follow @bea before adding this account to a list." in refused
    assert await _count(amity, ListAccount) == 0
    await toot.run("follow", "bea")
    assert '✓ Added account "bea"' in await toot.run("lists", "add", "Garden club", "bea")
    assert "@bea" in await toot.run("lists", "accounts", "Garden club")
    await _post(amity, bea, "Seed swap on Sunday")
    timeline = await toot.json("timelines", "list", "Garden club")
    assert [s["content"] for s in timeline] == ["<p>Seed swap on Sunday</p>"]
    assert '✓ Removed account "bea"' in await toot.run("lists", "remove", "Garden club", "bea")
    assert await _count(amity, ListAccount) == 0

    assert "✓ You are now following #compost" in await toot.run("tags", "follow", "compost")
    assert "#compost" in await toot.run("tags", "followed")
    assert "✓ Tag #compost is now featured" in await toot.run("tags", "feature", "compost")
    assert "#compost" in await toot.run("tags", "featured")
    assert "✓ Tag #compost is no longer featured" in await toot.run("tags", "unfeature", "compost")
    assert "✓ You are no longer following #compost" in await toot.run("tags", "unfollow", "compost")
    assert "You're not following any hashtags" in await toot.run("tags", "followed")
    assert '✓ List "Garden club" deleted.' in await toot.run("lists", "delete", "Garden club")
    assert await _count(amity, MemberList, MemberList.actor_id == ana.id) == 0
    assert await _count(amity, FeaturedTag) == 0 and await _count(amity, FollowedTag) == 0
