"""Scheduled statuses through the API: scheduling, listing, moving, cancelling, and the
delayed job that publishes them through the one posting path (a hand-moved worker clock)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from aiohttp import FormData
from pytest_aiohttp import AiohttpClient
from sqlalchemy import select

from actors.media.remote_cache import prune
from actors.posts.scheduling import PUBLISH_KIND
from storage import queue
from storage.blobs import BlobStore
from storage.models import Follow, Job, MediaAttachment, ScheduledStatus, Status, TimelineEntry
from storage.worker import Worker, drain
from tests.actors.factories import Clock
from tests.ui.api.schemas import SCHEDULED_STATUS, assert_entity
from tests.ui.api.statuses.test_attachments import png_bytes
from tests.ui.client_api import Api, start_api
from ui.jobs import build_registry

STATUSES = "/api/v1/statuses"
SCHEDULED = "/api/v1/scheduled_statuses"
TOO_SOON = "Validation failed: Scheduled at date must be in the future"


def _in(seconds: float) -> str:
    return (datetime.now(UTC) + timedelta(seconds=seconds)).isoformat().replace("+00:00", "Z")


async def _jobs(api: Api) -> list[Job]:
    async with api.services.sessions() as session:
        return list((await session.scalars(
            select(Job).where(Job.kind == PUBLISH_KIND).order_by(Job.id))).all())


async def _run_due(api: Api, at_ms: int) -> int:
    """Run the jobs due by `at_ms` (the worker's clock moved there; deliveries stay queued)."""
    clock = Clock()
    clock.advance_to(at_ms)
    worker = Worker(api.services.engine, build_registry(), deps=api.services, queues=("default",),
                    clock=clock)
    return await drain(worker)


async def _home_ids(api: Api, token: str) -> list[str]:
    return [s["id"] for s in await api.json("GET", "/api/v1/timelines/home", token)]


async def test_a_scheduled_post_appears_at_its_time_for_author_and_follower(any_api: Api) -> None:
    api = any_api
    alice, bob = await api.member("alice"), await api.member("bob")
    async with api.services.sessions() as session, session.begin():
        session.add(Follow(follower_id=bob.id, followee_id=alice.id, state="accepted", uri=f"{bob.uri}#f/1"))
    token, bob_token = await api.token_for("alice"), await api.token_for("bob")
    body = await api.json("POST", STATUSES, token, data={"status": "Later!", "scheduled_at": _in(3600),
                                                          "visibility": "unlisted"})
    assert_entity(body, SCHEDULED_STATUS)
    assert body["params"]["text"] == "Later!" and body["params"]["visibility"] == "unlisted"
    assert await api.count(Status) == 0 and await _home_ids(api, token) == []
    assert [s["id"] for s in await api.json("GET", SCHEDULED, token)] == [body["id"]]
    assert (await api.json("GET", f"{SCHEDULED}/{body['id']}", token))["id"] == body["id"]
    [job] = await _jobs(api)
    assert abs(job.run_after - queue.now_ms() - 3600_000) < 60_000

    assert await _run_due(api, job.run_after - 1000) == 0  # not yet
    assert await api.count(Status) == 0
    await _run_due(api, job.run_after)
    [status] = await _home_ids(api, token)
    assert await _home_ids(api, bob_token) == [status]
    shown = await api.json("GET", f"{STATUSES}/{status}", token)
    assert "Later!" in shown["content"] and shown["visibility"] == "unlisted"
    assert await api.count(ScheduledStatus) == 0
    assert (await api.request("GET", f"{SCHEDULED}/{body['id']}", token)).status == 404
    await _run_due(api, job.run_after)  # a second run publishes nothing more
    assert await api.count(Status) == 1


async def test_too_soon_is_refused_in_mastodons_words_and_stores_nothing(api: Api) -> None:
    await api.member("alice")
    token = await api.token_for("alice")
    response = await api.request("POST", STATUSES, token, data={"status": "hi", "scheduled_at": _in(60)})
    assert response.status == 422
    assert (await response.json())["error"] == TOO_SOON
    for bad in ("next tuesday", "2030-13-45T00:00:00Z", "9999-12-31T23:59:59Z", "x" * 5000):
        response = await api.request("POST", STATUSES, token, data={"status": "hi", "scheduled_at": bad})
        assert response.status == 422 and "scheduled_at" in (await response.json())["error"]
    assert await api.count(ScheduledStatus) == 0 and await api.count(Status) == 0 and await _jobs(api) == []


async def test_a_time_in_the_past_posts_at_once_as_mastodon_does(api: Api) -> None:
    await api.member("alice")
    token = await api.token_for("alice")
    body = await api.json("POST", STATUSES, token, data={"status": "now", "scheduled_at": _in(-60)})
    assert "now" in body["content"] and await api.count(ScheduledStatus) == 0


async def test_a_post_that_would_be_refused_now_is_refused_at_scheduling(api: Api) -> None:
    await api.member("alice")
    token = await api.token_for("alice")
    for data in ({"status": "x" * 6000}, {"status": "hi", "visibility": "everyone"},
                 {"status": "hi", "in_reply_to_id": "12345"}, {"status": "hi", "media_ids[]": "99"}):
        response = await api.request("POST", STATUSES, token, data={**data, "scheduled_at": _in(3600)})
        assert response.status == 422, data
    assert await api.count(ScheduledStatus) == 0 and await api.count(Status) == 0 and await _jobs(api) == []


async def test_another_members_scheduled_status_is_not_found(api: Api) -> None:
    await api.member("alice")
    await api.member("bob")
    alice, bob = await api.token_for("alice"), await api.token_for("bob")
    body = await api.json("POST", STATUSES, alice, data={"status": "mine", "scheduled_at": _in(3600)})
    for method, data in (("GET", None), ("PUT", {"scheduled_at": _in(7200)}), ("DELETE", None)):
        response = await api.request(method, f"{SCHEDULED}/{body['id']}", bob, data=data)
        assert response.status == 404
    assert await api.json("GET", SCHEDULED, bob) == []
    kept = await api.json("GET", f"{SCHEDULED}/{body['id']}", alice)
    assert kept["scheduled_at"] == body["scheduled_at"]
    assert (await api.request("GET", SCHEDULED, (await api.token_for("alice", "write")))).status == 403


async def test_moving_the_time_publishes_once_at_the_new_time(api: Api) -> None:
    await api.member("alice")
    token = await api.token_for("alice")
    body = await api.json("POST", STATUSES, token, data={"status": "moved", "scheduled_at": _in(3600)})
    response = await api.request("PUT", f"{SCHEDULED}/{body['id']}", token, data={"scheduled_at": _in(30)})
    assert response.status == 422 and (await response.json())["error"] == TOO_SOON
    response = await api.request("PUT", f"{SCHEDULED}/{body['id']}", token, data={"scheduled_at": "soon"})
    assert response.status == 422
    moved = await api.json("PUT", f"{SCHEDULED}/{body['id']}", token, data={"scheduled_at": _in(7200)})
    assert moved["scheduled_at"] > body["scheduled_at"]
    first, second = await _jobs(api)
    await _run_due(api, first.run_after)  # the old time: nothing
    assert await api.count(Status) == 0 and await api.count(ScheduledStatus) == 1
    await _run_due(api, second.run_after)
    assert await api.count(Status) == 1 and await api.count(ScheduledStatus) == 0


def _picture() -> FormData:
    form = FormData()
    form.add_field("file", png_bytes(), filename="p.png", content_type="image/png")
    return form


async def _media(api: Api, media_id: str) -> MediaAttachment:
    async with api.services.sessions() as session:
        found = await session.get(MediaAttachment, int(media_id))
        assert found is not None
        return found


async def test_media_are_kept_until_the_post_and_freed_by_cancelling(api: Api) -> None:
    await api.member("alice")
    token = await api.token_for("alice")
    kept, freed = [(await api.json("POST", "/api/v2/media", token, data=_picture()))["id"] for _ in range(2)]
    first = await api.json("POST", STATUSES, token, data={"status": "pic", "media_ids[]": kept,
                                                           "scheduled_at": _in(3600)})
    assert [m["id"] for m in first["media_attachments"]] == [kept] and first["params"]["media_ids"] == [kept]
    second = await api.json("POST", STATUSES, token, data={"status": "pic 2", "media_ids[]": freed,
                                                            "scheduled_at": _in(3600)})
    response = await api.request("POST", STATUSES, token, data={"status": "steal", "media_ids[]": kept})
    assert response.status == 422 and "already attached" in (await response.json())["error"]

    blobs = BlobStore(Path(api.config.media_dir))
    result = await prune(api.services.sessions, blobs, older_than=timedelta(0))
    assert result.orphans == 0 and (await _media(api, kept)).file_key is not None

    assert await api.json("DELETE", f"{SCHEDULED}/{second['id']}", token) == {}
    assert (await _media(api, freed)).scheduled_status_id is None  # an unattached upload again
    posted = await api.json("POST", STATUSES, token, data={"status": "now", "media_ids[]": freed})
    assert [m["id"] for m in posted["media_attachments"]] == [freed]

    [job, _] = await _jobs(api)
    await _run_due(api, job.run_after)
    published = await _media(api, kept)
    assert published.status_id is not None and published.scheduled_status_id is None


async def test_polls_and_replies_are_kept_and_published(api: Api) -> None:
    await api.member("alice")
    token = await api.token_for("alice")
    parent = await api.json("POST", STATUSES, token, data={"status": "first"})
    body = await api.json("POST", STATUSES, token, json={
        "status": "Which?", "in_reply_to_id": parent["id"], "scheduled_at": _in(3600), "spoiler_text": "cw",
        "poll": {"options": ["a", "b"], "expires_in": 600, "multiple": True}})
    assert body["params"]["poll"] == {"options": ["a", "b"], "expires_in": "600", "multiple": True,
                                      "hide_totals": False}
    assert body["params"]["in_reply_to_id"] == parent["id"] and body["params"]["spoiler_text"] == "cw"
    [job] = await _jobs(api)
    await _run_due(api, job.run_after)
    async with api.services.sessions() as session:
        reply = await session.scalar(select(Status).where(Status.in_reply_to_id == int(parent["id"])))
        assert reply is not None and reply.summary == "cw"
        assert await session.scalar(select(TimelineEntry.id).where(TimelineEntry.status_id == reply.id))
    shown = await api.json("GET", f"{STATUSES}/{reply.id}", token)
    assert [o["title"] for o in shown["poll"]["options"]] == ["a", "b"] and shown["poll"]["multiple"] is True


async def test_a_post_that_cannot_be_published_at_its_time_is_dropped(api: Api) -> None:
    await api.member("alice")
    token = await api.token_for("alice")
    parent = await api.json("POST", STATUSES, token, data={"status": "first"})
    await api.json("POST", STATUSES, token, data={"status": "reply", "in_reply_to_id": parent["id"],
                                                   "scheduled_at": _in(3600)})
    await api.json("DELETE", f"{STATUSES}/{parent['id']}", token)
    [job] = await _jobs(api)
    await _run_due(api, job.run_after)
    assert await api.count(Status) == 0 and await api.count(ScheduledStatus) == 0


@pytest.fixture
async def few(aiohttp_client: AiohttpClient, sqlite_url: str, tmp_path: Path) -> Api:
    return await start_api(aiohttp_client, sqlite_url, tmp_path,
                           limits={"max_scheduled_statuses": 2, "max_scheduled_statuses_per_day": 1})


async def test_mastodons_limits_on_scheduled_posts(few: Api) -> None:
    api = few
    await api.member("alice")
    token = await api.token_for("alice")

    noon = datetime.now(UTC).replace(hour=12, minute=0, second=0, microsecond=0)

    async def schedule(days: int, minutes: int = 0) -> Any:
        when = (noon + timedelta(days=days, minutes=minutes)).isoformat()
        return await api.request("POST", STATUSES, token, data={"status": "x", "scheduled_at": when})
    assert (await schedule(2)).status == 200
    response = await schedule(2, minutes=30)
    assert response.status == 422
    exceeded = "Validation failed: You have exceeded the limit of"
    assert (await response.json())["error"] == f"{exceeded} 1 scheduled posts for today"
    assert (await schedule(4)).status == 200
    response = await schedule(6)
    assert (await response.json())["error"] == f"{exceeded} 2 scheduled posts"
    assert await api.count(ScheduledStatus) == 2


async def test_a_disabled_members_scheduled_post_is_dropped_at_its_time(api: Api) -> None:
    ana = await api.member("ana")
    token = await api.token_for("ana")
    await api.json("POST", STATUSES, token, data={"status": "never", "scheduled_at": _in(3600)})
    await api.update_user(ana, disabled=True)
    [job] = await _jobs(api)
    await _run_due(api, job.run_after)
    assert await api.count(Status) == 0 and await api.count(ScheduledStatus) == 0
