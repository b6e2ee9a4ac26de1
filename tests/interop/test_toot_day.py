"""The real toot CLI (a subprocess) through a member's day on a live Amity node beside the
Fedify peer: one `login_cli`, then posting (content warning, a picture with alt text, every
visibility toot can send, a reply), favourite, boost, bookmark, pin, delete, following a local
member and the peer's account (found by toot's own `search?resolve=true`), the home, local,
public (with the peer's delivered post) and tag timelines, search, a new avatar and header,
and a refused file. Each step checks what toot printed and what Amity stored.

toot cannot send Amity's `local_only` (`toot post` has no option for extra parameters), so
local-only posting is covered by the Mastodon.py day in `test_mastodon_clients.py`.
"""

from __future__ import annotations

import asyncio
import io
import json
import os
import re
import sys
from pathlib import Path
from typing import Any

from PIL import Image
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from actors.posts import posting
from storage.models import (
    ACCEPTED,
    Actor,
    Bookmark,
    Favourite,
    Follow,
    MediaAttachment,
    Pin,
    Status,
    TimelineEntry,
)
from tests.integration.node import AmityNode, eventually
from tests.interop.amity_fedify import amity
from tests.interop.fedify_peer import FedifyPeer

__all__ = ["amity"]  # the fixture, shared with the main interop module

PASSWORD = "test password"  # AmityNode.create_user's
TOOT = str(Path(sys.executable).with_name("toot"))


class Toot:
    """toot with its own config directory (one login for the whole day)."""

    def __init__(self, config_home: Path) -> None:
        self.config_home = config_home

    async def _exec(self, *args: str) -> tuple[int, str]:
        process = await asyncio.create_subprocess_exec(
            TOOT, "--no-color", *args, env={**os.environ, "XDG_CONFIG_HOME": str(self.config_home)},
            stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT)
        output, _ = await asyncio.wait_for(process.communicate(), timeout=60)
        return await process.wait(), output.decode()

    async def run(self, *args: str) -> str:
        status, output = await self._exec(*args)
        assert status == 0, f"toot {' '.join(args)} failed:\n{output}"
        return output

    async def json(self, *args: str) -> Any:
        return json.loads(await self.run(*args, "--json"))

    async def fails(self, *args: str) -> str:
        """What toot printed for a command Amity refused (toot exits with 1)."""
        status, output = await self._exec(*args)
        assert status == 1, output
        return output


def _image_file(path: Path, size: tuple[int, int], fmt: str) -> Path:
    out = io.BytesIO()
    Image.new("RGB", size, (20, 120, 200)).save(out, format=fmt)
    path.write_bytes(out.getvalue())
    return path


async def _status(amity: AmityNode, status_id: str | int) -> Status | None:
    return await amity.query(lambda s: s.get(Status, int(status_id)))


async def _count(amity: AmityNode, model: Any, *where: Any) -> int:
    async def count(session: AsyncSession) -> int:
        return int(await session.scalar(select(func.count()).select_from(model).where(*where)) or 0)
    return await amity.query(count)


async def _follow_state(amity: AmityNode, follower: Actor, followee_uri: str) -> str | None:
    async def state(session: AsyncSession) -> str | None:
        return await session.scalar(select(Follow.state).join(Actor, Actor.id == Follow.followee_id).where(
            Follow.follower_id == follower.id, Actor.uri == followee_uri))
    return await amity.query(state)


async def test_toot_through_a_members_day(amity: AmityNode, fedify_peer: FedifyPeer, tmp_path: Path) -> None:
    ana, bea = await amity.create_user("ana"), await amity.create_user("bea")
    base = amity.base_url
    toot = Toot(tmp_path / "toot-config")
    printed = await toot.run("login_cli", "-i", base, "-e", "ana@example.org", "-p", PASSWORD)
    assert "Successfully logged in" in printed, printed

    # A post with a content warning, in the plain-text form toot prints.
    printed = await toot.run("post", "Garden club meets on Tuesday #garden", "--spoiler-text", "schedule",
                             "--language", "en")
    posted_url = re.search(r"Toot posted: (\S+)", printed)
    assert posted_url is not None and posted_url.group(1).startswith(f"{base}/@ana/"), printed
    warned_id = posted_url.group(1).rsplit("/", 1)[1]
    warned = await _status(amity, warned_id)
    assert warned is not None and warned.actor_id == ana.id
    assert (warned.summary, warned.sensitive, warned.language) == ("schedule", True, "en")

    # A picture with alt text: toot uploads to /api/v2/media, then posts with media_ids.
    picture = _image_file(tmp_path / "mural.png", (32, 24), "PNG")
    pictured = await toot.json("post", "Our new mural", "--media", str(picture), "--description",
                               "A blue rectangle")
    [attached] = pictured["media_attachments"]
    assert attached["type"] == "image" and attached["description"] == "A blue rectangle"
    assert attached["url"].startswith(f"{base}/media/")
    media = await amity.query(lambda s: s.get(MediaAttachment, int(attached["id"])))
    assert media is not None and media.status_id == int(pictured["id"])
    assert media.description == "A blue rectangle" and media.content_type == "image/png"

    # Every visibility toot can send (it has no local-only option).
    by_visibility: dict[str, str] = {}
    for visibility in ("public", "unlisted", "private", "direct"):
        posted = await toot.json("post", f"@bea {visibility} hello", "--visibility", visibility)
        assert posted["visibility"] == visibility and [m["acct"] for m in posted["mentions"]] == ["bea"]
        stored = await _status(amity, posted["id"])
        assert stored is not None and (stored.visibility, stored.local_only) == (visibility, False)
        by_visibility[visibility] = posted["id"]

    # A reply.
    reply = await toot.json("post", "Bring seeds!", "--reply-to", warned_id)
    assert reply["in_reply_to_id"] == warned_id and reply["in_reply_to_account_id"] == str(ana.id)
    stored_reply = await _status(amity, reply["id"])
    assert stored_reply is not None and stored_reply.in_reply_to_id == int(warned_id)

    # Favourite, boost, bookmark and pin, each as toot reports it, then the status as toot shows it.
    for command, message in (("favourite", "✓ Status favourited"), ("reblog", "✓ Status reblogged"),
                             ("bookmark", "✓ Status bookmarked"), ("pin", "✓ Status pinned")):
        printed = await toot.run(command, warned_id)
        assert message in printed, printed
    shown = await toot.json("status", warned_id)
    assert (shown["favourited"], shown["reblogged"], shown["bookmarked"], shown["pinned"]) == (True,) * 4
    assert (shown["favourites_count"], shown["reblogs_count"], shown["replies_count"]) == (1, 1, 1)
    for model in (Favourite, Bookmark, Pin):
        assert await _count(amity, model, model.actor_id == ana.id, model.status_id == int(warned_id)) == 1
    assert await _count(amity, Status, Status.reblog_of_id == int(warned_id), Status.actor_id == ana.id) == 1
    printed = await toot.run("status", warned_id)
    # toot's plain output leaves the content warning out; it shows the text, id and visibility.
    assert "Garden club meets on Tuesday #garden" in printed and f"ID {warned_id}" in printed, printed
    assert "Visibility: public" in printed and "@ana" in printed

    # Delete: the post goes; toot says so.
    printed = await toot.run("delete", pictured["id"])
    assert "✓ Status deleted" in printed, printed
    assert await _status(amity, pictured["id"]) is None

    # Follow a local member, and the Fedify peer's account (toot resolves it through search).
    printed = await toot.run("follow", "bea")
    assert "✓ You are now following bea" in printed, printed
    assert await _follow_state(amity, ana, bea.uri) == ACCEPTED
    printed = await toot.run("follow", fedify_peer.handle)
    assert f"✓ You are now following {fedify_peer.handle}" in printed, printed
    follow = await fedify_peer.wait_for_activity("Follow", seconds=15)
    assert follow["actor"] == ana.uri

    async def peer_accepted() -> bool:
        return await _follow_state(amity, ana, fedify_peer.actor_url) == ACCEPTED
    await eventually(peer_accepted, nodes=(amity,))
    tide_pools = (await fedify_peer.post("<p>Tide pools at noon</p>"))["note_id"]

    async def delivered() -> Status | None:
        return await amity.query(lambda s: s.scalar(select(Status).where(Status.uri == tide_pools)))
    peer_status = await eventually(delivered, nodes=(amity,))
    [peer_account] = (await toot.json("search", fedify_peer.handle, "--type", "accounts"))["accounts"]
    assert peer_account["acct"] == fedify_peer.handle and peer_account["url"]

    # Timelines: bea posts; home shows it (fan-out), local and tag too; private stays off public ones.
    async def bea_posts(session: AsyncSession) -> Status:
        author = await session.get(Actor, bea.id)
        assert author is not None
        return await posting.create_status(session, amity.services, author,
                posting.NewStatus(text="Seedlings ready #Garden"))
    seedlings = await amity.write(bea_posts)

    async def fanned_out() -> bool:
        return bool(await _count(amity, TimelineEntry, TimelineEntry.owner_id == ana.id,
                                 TimelineEntry.status_id == seedlings.id))
    await eventually(fanned_out, nodes=(amity,))
    home = await toot.json("timelines", "home")
    assert home[0]["id"] == str(seedlings.id) and home[0]["account"]["acct"] == "bea"
    assert str(peer_status.id) in [s["id"] for s in home]  # the followed peer's post, delivered
    printed = await toot.run("timelines", "home", "--no-pager", "--no-clear")
    assert "Seedlings ready #Garden" in printed and "@bea" in printed, printed
    local = [s["id"] for s in await toot.json("timelines", "public", "--local")]
    assert str(seedlings.id) in local and warned_id in local
    assert by_visibility["public"] in local
    assert not {by_visibility[v] for v in ("unlisted", "private", "direct")} & set(local)
    remote = await toot.json("timelines", "public", "--remote")
    assert [s["id"] for s in remote] == [str(peer_status.id)]
    assert remote[0]["account"]["acct"] == fedify_peer.handle and remote[0]["uri"] == tide_pools
    public = [s["id"] for s in await toot.json("timelines", "public")]
    assert set(public) == set(local) | {str(peer_status.id)}
    tagged = [s["id"] for s in await toot.json("timelines", "tag", "garden")]
    assert tagged == [str(seedlings.id), warned_id]
    printed = await toot.run("timelines", "tag", "garden", "--no-pager", "--no-clear")
    assert "Seedlings ready" in printed, printed

    # Search: statuses, hashtags and accounts, as JSON and as toot prints them.
    found = await toot.json("search", "garden")
    assert {s["id"] for s in found["statuses"]} >= {warned_id}
    assert [t["name"].lower() for t in found["hashtags"]] == ["garden"]
    printed = await toot.run("search", "bea", "--type", "accounts")
    assert "@bea" in printed, printed

    # A new avatar (a real JPEG, multipart): cropped, stored, and sent to the peer, who follows ana.
    await fedify_peer.follow(ana.uri)

    async def peer_follows() -> bool:
        return bool(await _count(amity, Follow, Follow.followee_id == ana.id, Follow.state == ACCEPTED,
                                 Follow.uri == (await fedify_peer.sent())[-1]["id"]))
    await eventually(peer_follows, nodes=(amity,))
    avatar_file = _image_file(tmp_path / "me.jpg", (600, 300), "JPEG")
    header_file = _image_file(tmp_path / "wide.webp", (3000, 400), "WEBP")
    account = await toot.json("update-account", "--avatar", str(avatar_file), "--header", str(header_file),
                              "--display-name", "Ana L")
    assert account["display_name"] == "Ana L" and account["avatar"].startswith(f"{base}/media/")
    assert account["avatar_static"] == account["avatar"] and account["header"].endswith(".webp")
    stored_ana = await amity.actor("ana")
    assert stored_ana.avatar_url == account["avatar"] and stored_ana.avatar_blob is not None
    with Image.open(Path(amity.config.media_dir) / stored_ana.avatar_blob) as avatar:
        assert avatar.size == (400, 400) and avatar.format == "JPEG"
    update = await fedify_peer.wait_for_activity(
        "Update", predicate=lambda e: e["raw"]["object"].get("icon", {}).get("url") == account["avatar"],
        seconds=15)
    assert update["raw"]["object"]["icon"]["mediaType"] == "image/jpeg" and update["actor"] == ana.uri
    with Image.open(Path(amity.config.media_dir) / (stored_ana.header_blob or "")) as header:
        assert header.size == (2371, 316)  # 3000x400 shrunk to at most 750,000 pixels, shape kept
    not_an_image = tmp_path / "toot-config" / "toot" / "config.json"
    printed = await toot.fails("update-account", "--avatar", str(not_an_image))
    assert "Error: " in printed and "the avatar must be a PNG, JPEG, GIF or WebP image" in printed, printed
    assert (await amity.actor("ana")).avatar_blob == stored_ana.avatar_blob
    me = await toot.json("whoami")
    assert me["avatar"] == account["avatar"] and me["display_name"] == "Ana L"
