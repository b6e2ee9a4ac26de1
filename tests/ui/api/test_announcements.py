"""Announcements: a dismissed announcement stays dismissed for that member only; reactions are
counted per name, with `me` for the reader; bad names and unknown ids store nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest

from actors.accounts import announcements
from storage.models import Announcement, AnnouncementDismissal, AnnouncementReaction, CustomEmoji, utcnow
from tests.ui.api.discovery_schemas import ANNOUNCEMENT, CUSTOM_REACTION
from tests.ui.api.schemas import assert_entity
from tests.ui.client_api import Api


@pytest.fixture
def api(any_api: Api) -> Api:
    """Each test on each engine (the counters and upserts differ between them)."""
    return any_api


async def _announce(api: Api, text: str = "Hello everyone, see https://example.org", **fields: object) -> int:
    async with api.services.sessions() as session, session.begin():
        row = await announcements.add(session, text, **fields)  # type: ignore[arg-type]
    return row.id


async def test_a_dismissed_announcement_stays_dismissed_for_that_member_only(api: Api) -> None:
    await api.member("ana")
    await api.member("bob")
    ana, bob = await api.token_for("ana"), await api.token_for("bob")
    first = await _announce(api)
    second = await _announce(api, "Second")
    [shown, _] = await api.json("GET", "/api/v1/announcements", ana)
    assert_entity(shown, ANNOUNCEMENT)
    assert shown["id"] == str(first) and shown["read"] is False
    assert '<a href="https://example.org"' in shown["content"]
    assert await api.json("POST", f"/api/v1/announcements/{first}/dismiss", ana) == {}
    assert [a["id"] for a in await api.json("GET", "/api/v1/announcements", ana)] == [str(second)]
    assert [a["id"] for a in await api.json("GET", "/api/v1/announcements", bob)] == [str(first), str(second)]
    every = await api.json("GET", "/api/v1/announcements?with_dismissed=true", ana)
    assert [(a["id"], a["read"]) for a in every] == [(str(first), True), (str(second), False)]
    assert [a["id"] for a in await api.json("GET", "/api/v1/announcements", ana)] == [str(second)]


async def test_ended_announcements_are_not_shown(api: Api) -> None:
    await api.member("ana")
    token = await api.token_for("ana")
    await _announce(api, "over", starts_at=utcnow() - timedelta(days=2), ends_at=utcnow() - timedelta(days=1))
    upcoming = await _announce(api, "soon", starts_at=utcnow() + timedelta(days=1),
                               ends_at=utcnow() + timedelta(days=2), all_day=True)
    [shown] = await api.json("GET", "/api/v1/announcements", token)
    assert shown["id"] == str(upcoming) and shown["all_day"] is True and shown["ends_at"] is not None


async def test_reactions_are_counted_by_name_with_me_for_the_reader(api: Api) -> None:
    await api.member("ana")
    await api.member("bob")
    ana, bob = await api.token_for("ana"), await api.token_for("bob")
    async with api.services.sessions() as session, session.begin():
        session.add(CustomEmoji(shortcode="blobcat", domain=None, image_url="http://localhost/media/b.png"))
    announced = await _announce(api)
    base = f"/api/v1/announcements/{announced}/reactions"
    thumb = "%F0%9F%91%8D"
    for token, name in ((ana, thumb), (bob, thumb), (ana, thumb), (bob, "blobcat")):
        assert await api.json("PUT", f"{base}/{name}", token) == {}
    [shown] = await api.json("GET", "/api/v1/announcements", ana)
    assert_entity(shown, ANNOUNCEMENT)
    assert_entity(shown["reactions"][1], CUSTOM_REACTION)
    assert shown["reactions"] == [
        {"name": "👍", "count": 2, "me": True},
        {"name": "blobcat", "count": 1, "me": False, "url": "http://localhost/media/b.png",
         "static_url": "http://localhost/media/b.png"}]
    assert await api.json("DELETE", f"{base}/%F0%9F%91%8D", ana) == {}
    [again] = await api.json("GET", "/api/v1/announcements", ana)
    assert [(r["name"], r["count"], r["me"]) for r in again["reactions"]] == [
        ("👍", 1, False), ("blobcat", 1, False)]


async def test_bad_reactions_and_unknown_announcements_store_nothing(api: Api) -> None:
    await api.member("ana")
    token = await api.token_for("ana")
    announced = await _announce(api)
    for name in ("notanemoji", "%3Cscript%3E", "a" * 40, "12", "%F0%9F%91%8D" * 40):
        path = f"/api/v1/announcements/{announced}/reactions/{name}"
        answer = await api.json("PUT", path, token, status=422)
        assert answer == {"error": "Validation failed: Name is not a recognized emoji"}
    for path in ("/api/v1/announcements/999/dismiss", "/api/v1/announcements/x/dismiss"):
        assert await api.json("POST", path, token, status=404) == {"error": "Record not found"}
    assert await api.json("PUT", "/api/v1/announcements/999/reactions/%F0%9F%91%8D", token,
                          status=404) == {"error": "Record not found"}
    assert (await api.count(AnnouncementReaction), await api.count(AnnouncementDismissal)) == (0, 0)
    assert await api.count(Announcement) == 1


async def test_announcements_need_a_member_token_with_read(api: Api) -> None:
    await api.member("ana")
    assert (await api.request("GET", "/api/v1/announcements")).status == 401
    narrow = await api.token_for("ana", scope="read:statuses")
    assert (await api.request("GET", "/api/v1/announcements", narrow)).status == 403


def test_unicode_emoji_are_recognised() -> None:
    for name in ("👍", "👍🏽", "🏳️‍🌈", "👩‍👩‍👧", "🇫🇷", "1️⃣", "❤️"):
        assert announcements.is_unicode_emoji(name), name
    for name in ("a", "12", "", "👍a", "<b>", "\u200d"):
        assert not announcements.is_unicode_emoji(name), name
