"""Mastodon.py and toot on a live Amity node, for what members discover beyond their
timelines: direct-message conversations (listed, marked read), preferences, trending tags,
statuses and links, the profile directory and suggestions (discoverable accounts only), and
announcements (dismissed for one member only, reactions). toot has commands for trending
statuses only (`toot timelines trending`); the rest is Mastodon.py's."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from pathlib import Path
from typing import Any

from mastodon import Mastodon
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from actors.accounts import announcements
from actors.posts import posting
from actors.social import follows
from storage.models import Actor, PreviewCard, Status, StatusCard
from tests.integration.node import AmityNode
from tests.interop.amity_fedify import amity

__all__ = ["amity"]  # the fixture, shared with the main interop module

SCOPES = ["read", "write", "follow", "push"]
PASSWORD = "test password"  # AmityNode.create_user's
TOOT = str(Path(sys.executable).with_name("toot"))


def _sign_in(base: str, username: str) -> Mastodon:
    client_id, client_secret = Mastodon.create_app("Discovery", scopes=SCOPES, api_base_url=base)
    api = Mastodon(client_id=client_id, client_secret=client_secret, api_base_url=base)
    api.log_in(username=f"{username}@example.org", password=PASSWORD, scopes=SCOPES, allow_http=True)
    return api


async def _member(amity: AmityNode, name: str, *, discoverable: bool) -> Actor:
    actor = await amity.create_user(name)
    if discoverable:
        async def opt_in(session: AsyncSession) -> None:
            await session.execute(update(Actor).where(Actor.id == actor.id).values(discoverable=True))
        await amity.write(opt_in)
        actor.discoverable = True  # the copy posting is given
    return actor


async def _post(amity: AmityNode, author: Actor, text: str, **kwargs: Any) -> Status:
    async def write(session: AsyncSession) -> Status:
        return await posting.create_status(session, amity.services, author,
                                           posting.NewStatus(text=text, **kwargs))
    return await amity.write(write)


async def test_mastodon_py_reads_conversations_and_preferences(amity: AmityNode) -> None:
    ana, bea = await amity.create_user("ana"), await amity.create_user("bea")
    dm = await _post(amity, ana, "@bea the keys are under the mat", visibility="direct")
    base = amity.base_url

    def scenario() -> None:
        api = _sign_in(base, "bea")
        [conversation] = api.conversations()
        assert conversation.unread is True and str(conversation.last_status.id) == str(dm.id)
        assert [a.acct for a in conversation.accounts] == ["ana"]
        assert api.conversations_read(conversation.id).unread is False
        assert api.conversations()[0].unread is False
        assert _sign_in(base, "ana").conversations()[0].accounts[0].acct == "bea"
        preferences = api.preferences()
        assert preferences["posting:default:visibility"] == "public"
        assert preferences["reading:expand:spoilers"] is False

    await asyncio.to_thread(scenario)
    assert bea.id != ana.id


async def test_mastodon_py_and_toot_read_trends(amity: AmityNode, tmp_path: Path) -> None:
    fans = [await _member(amity, f"fan{n}", discoverable=True) for n in range(3)]
    shy = await _member(amity, "shy", discoverable=False)
    card_id = await amity.write(_card)
    for fan in fans:
        shared = await _post(amity, fan, "Seed swap at noon #SeedSwap https://news.example/seeds")
        await amity.write(_attach(shared.id, card_id))
    await _post(amity, fans[0], "only me #Lonely")
    await _post(amity, shy, "#Hidden")
    hot = await _post(amity, fans[0], "Garden open day")

    async def popular(session: AsyncSession) -> None:
        await session.execute(update(Status).where(Status.id == hot.id).values(favourites_count=4))
    await amity.write(popular)
    base = amity.base_url

    def scenario() -> None:
        anonymous = Mastodon(api_base_url=base)
        tags = anonymous.trending_tags()
        assert [t.name for t in tags] == ["SeedSwap"] and int(tags[0].history[0].accounts) == 3
        assert [str(s.id) for s in anonymous.trending_statuses()] == [str(hot.id)]
        links = _sign_in(base, "fan1").trending_links()
        assert [link.url for link in links] == ["https://news.example/seeds"]
        assert int(links[0].history[0].accounts) == 3

    await asyncio.to_thread(scenario)
    toot = await _toot(tmp_path, "login_cli", "-i", base, "-e", "fan1@example.org", "-p", PASSWORD)
    assert "Successfully logged in" in toot
    trending = json.loads(await _toot(tmp_path, "timelines", "trending", "--json", "--no-pager"))
    assert [s["id"] for s in trending] == [str(hot.id)]


async def _card(session: AsyncSession) -> int:
    card = PreviewCard(url="https://news.example/seeds", title="Seeds")
    session.add(card)
    await session.flush()
    return card.id


def _attach(status_id: int, card_id: int) -> Any:
    async def write(session: AsyncSession) -> None:
        session.add(StatusCard(status_id=status_id, card_id=card_id))
    return write


async def _toot(config_home: Path, *args: str) -> str:
    process = await asyncio.create_subprocess_exec(
        TOOT, "--no-color", *args, env={**os.environ, "XDG_CONFIG_HOME": str(config_home)},
        stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT)
    output, _ = await asyncio.wait_for(process.communicate(), timeout=60)
    assert await process.wait() == 0, output.decode()
    return output.decode()


async def test_mastodon_py_reads_the_directory_and_suggestions(amity: AmityNode) -> None:
    ana = await _member(amity, "ana", discoverable=False)
    bea = await _member(amity, "bea", discoverable=True)
    cat = await _member(amity, "cat", discoverable=True)
    await _member(amity, "dan", discoverable=False)
    await amity.write(lambda s: follows.follow(s, ana, bea, base_url=amity.base_url))
    await amity.write(lambda s: follows.follow(s, bea, cat, base_url=amity.base_url))
    base = amity.base_url

    def scenario() -> None:
        anonymous = Mastodon(api_base_url=base)
        assert sorted(a.acct for a in anonymous.directory(local=True)) == ["bea", "cat"]
        assert [a.acct for a in anonymous.directory(order="new", limit=1)] == ["cat"]
        api = _sign_in(base, "ana")
        suggested = api.suggestions_v2()
        assert [(s.account.acct, s.sources) for s in suggested] == [("cat", ["friends_of_friends"])]
        assert [a.acct for a in api.suggestions()] == ["cat"]  # v2, unpacked by Mastodon.py
        api.suggestion_delete(suggested[0].account.id)
        assert api.suggestions() == []

    await asyncio.to_thread(scenario)


async def test_mastodon_py_dismisses_and_reacts_to_announcements(amity: AmityNode) -> None:
    await amity.create_user("ana")
    await amity.create_user("bea")

    async def announce(session: AsyncSession) -> int:
        return (await announcements.add(session, "The library is closed on Monday")).id
    announced = await amity.write(announce)
    base = amity.base_url

    def scenario() -> None:
        ana, bea = _sign_in(base, "ana"), _sign_in(base, "bea")
        [shown] = ana.announcements()
        assert str(shown.id) == str(announced) and shown.read is False
        ana.announcement_reaction_create(shown.id, "👍")
        bea.announcement_reaction_create(shown.id, "👍")
        ana.announcement_dismiss(shown.id)
        assert ana.announcements() == []
        [theirs] = bea.announcements()
        assert [(r.name, r.count, r.me) for r in theirs.reactions] == [("👍", 2, True)]
        bea.announcement_reaction_delete(theirs.id, "👍")
        assert [(r.name, r.count, r.me) for r in bea.announcements()[0].reactions] == [("👍", 1, False)]

    await asyncio.to_thread(scenario)
