"""Favourite, boost, bookmark, pin, mute (and undo), and who boosted or favourited a status."""

from __future__ import annotations

from typing import Any

from storage.models import Bookmark, Favourite, Pin, Status
from tests.ui.api.schemas import ACCOUNT, VIEWER_STATUS, assert_entity
from tests.ui.client_api import Api

STATUSES = "/api/v1/statuses"


async def _setup(api: Api) -> tuple[str, str, dict[str, Any]]:
    await api.member("alice")
    await api.member("bob")
    alice, bob = await api.token_for("alice"), await api.token_for("bob")
    posted = await api.json("POST", STATUSES, alice, data={"status": "hello"})
    return alice, bob, posted


async def test_favourite_and_unfavourite(any_api: Api) -> None:
    api = any_api
    _, bob, posted = await _setup(api)
    faved = await api.json("POST", f"{STATUSES}/{posted['id']}/favourite", bob)
    assert_entity(faved, VIEWER_STATUS)
    assert faved["favourited"] is True and faved["favourites_count"] == 1
    again = await api.json("POST", f"{STATUSES}/{posted['id']}/favourite", bob)
    assert again["favourites_count"] == 1 and await api.count(Favourite) == 1
    people = await api.json("GET", f"{STATUSES}/{posted['id']}/favourited_by")
    assert [p["username"] for p in people] == ["bob"]
    assert_entity(people[0], ACCOUNT)
    undone = await api.json("POST", f"{STATUSES}/{posted['id']}/unfavourite", bob)
    assert undone["favourited"] is False and undone["favourites_count"] == 0


async def test_boost_and_unboost(api: Api) -> None:
    _, bob, posted = await _setup(api)
    boost = await api.json("POST", f"{STATUSES}/{posted['id']}/reblog", bob)
    assert_entity(boost, VIEWER_STATUS)
    assert boost["reblog"]["id"] == posted["id"] and boost["account"]["username"] == "bob"
    assert boost["reblog"]["reblogged"] is True and boost["reblog"]["reblogs_count"] == 1
    response = await api.request("GET", f"{STATUSES}/{posted['id']}/reblogged_by?limit=1")
    assert [p["username"] for p in await response.json()] == ["bob"]
    assert 'rel="next"' in response.headers["Link"] and "max_id=" in response.headers["Link"]
    undone = await api.json("POST", f"{STATUSES}/{posted['id']}/unreblog", bob)
    assert undone["id"] == posted["id"] and undone["reblogged"] is False and undone["reblogs_count"] == 0
    assert await api.count(Status) == 1


async def test_private_statuses_cannot_be_boosted_by_others(api: Api) -> None:
    alice, bob, _ = await _setup(api)
    private = await api.json("POST", STATUSES, alice, data={"status": "mine", "visibility": "private"})
    assert (await api.request("POST", f"{STATUSES}/{private['id']}/reblog", bob)).status == 404
    assert (await api.request("POST", f"{STATUSES}/{private['id']}/favourite", bob)).status == 404
    assert (await api.request("GET", f"{STATUSES}/{private['id']}/favourited_by")).status == 404
    assert await api.count(Status) == 2 and await api.count(Favourite) == 0


async def test_bookmark_pin_and_mute(api: Api) -> None:
    alice, bob, posted = await _setup(api)
    marked = await api.json("POST", f"{STATUSES}/{posted['id']}/bookmark", bob)
    assert marked["bookmarked"] is True and await api.count(Bookmark) == 1
    unmarked = await api.json("POST", f"{STATUSES}/{posted['id']}/unbookmark", bob)
    assert unmarked["bookmarked"] is False and await api.count(Bookmark) == 0
    pinned = await api.json("POST", f"{STATUSES}/{posted['id']}/pin", alice)
    assert pinned["pinned"] is True
    assert (await api.request("POST", f"{STATUSES}/{posted['id']}/pin", bob)).status == 422
    assert await api.count(Pin) == 1
    unpinned = await api.json("POST", f"{STATUSES}/{posted['id']}/unpin", alice)
    assert unpinned["pinned"] is False
    muted = await api.json("POST", f"{STATUSES}/{posted['id']}/mute", bob)
    assert muted["muted"] is True
    unmuted = await api.json("POST", f"{STATUSES}/{posted['id']}/unmute", bob)
    assert unmuted["muted"] is False


async def test_actions_need_the_right_scope(api: Api) -> None:
    _, _, posted = await _setup(api)
    reader = await api.token_for("bob", "read")
    for action in ("favourite", "reblog", "bookmark", "mute"):
        response = await api.request("POST", f"{STATUSES}/{posted['id']}/{action}", reader)
        assert response.status == 403, action
    assert (await api.request("POST", f"{STATUSES}/{posted['id']}/favourite")).status == 401
    assert await api.count(Favourite) == 0 and await api.count(Bookmark) == 0 and await api.count(Status) == 1


async def test_unknown_statuses_are_404(api: Api) -> None:
    _, bob, _ = await _setup(api)
    for path in ("999/favourite", "abc/favourite", "999/bookmark"):
        assert (await api.request("POST", f"{STATUSES}/{path}", bob)).status == 404


async def test_favourited_by_pages_with_link_headers(api: Api) -> None:
    _, _, posted = await _setup(api)
    for name in ("carol", "dan", "erin"):
        await api.member(name)
        await api.json("POST", f"{STATUSES}/{posted['id']}/favourite", await api.token_for(name))
    first = await api.request("GET", f"{STATUSES}/{posted['id']}/favourited_by?limit=2")
    assert [a["username"] for a in await first.json()] == ["erin", "dan"]  # newest first
    next_url = first.headers["Link"].split(">;")[0].lstrip("<")
    older = await api.request("GET", next_url.removeprefix(api.config.base_url))
    assert [a["username"] for a in await older.json()] == ["carol"]
    assert 'rel="next"' not in older.headers["Link"]  # a short page is the last one (as Mastodon)
    [prev_url] = [link.split(">;")[0].lstrip("<") for link in older.headers["Link"].split(", ")
                  if link.endswith('rel="prev"')]
    newer = await api.json("GET", prev_url.removeprefix(api.config.base_url))
    assert [a["username"] for a in newer] == ["erin", "dan"]


async def test_the_boost_answer_is_the_wrapper_marked_as_mastodon_marks_it(api: Api) -> None:
    """Mastodon answers `reblog` with the boost (the wrapper): `reblogged: true` on it, the
    original in `reblog`; the same for a boost made twice."""
    _, bob, posted = await _setup(api)
    await api.json("POST", f"{STATUSES}/{posted['id']}/favourite", bob)
    for _ in range(2):
        boost = await api.json("POST", f"{STATUSES}/{posted['id']}/reblog", bob)
        assert boost["id"] != posted["id"] and boost["reblog"]["id"] == posted["id"]
        assert boost["reblogged"] is True and boost["favourited"] is True and boost["bookmarked"] is False
    assert boost["reblog"]["reblogged"] is True and boost["reblog"]["favourited"] is True
