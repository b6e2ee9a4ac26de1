"""Filters at work: `hide` leaves matching posts out of every timeline and search, `warn` marks
them (`filtered`: FilterResults), in the filter's contexts only, until it expires; whole-word
and substring keywords; status filters; boosts; and a warm timeline page with a filter active is
still one statement."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select, update

from actors.reading import filters as reading_filters
from actors.social import filters as social_filters
from storage.models import (
    Actor,
    CustomFilter,
    Favourite,
    MediaAttachment,
    Poll,
    Status,
    TimelineEntry,
    utcnow,
)
from tests.ui.api.schemas import FILTER_RESULT, assert_entity
from tests.ui.api.statuses.test_entity import counting_queries
from tests.ui.api.timeline_helpers import add, follow, remote, status
from tests.ui.client_api import Api
from ui.api.entities import Urls
from ui.api.filters.applied import filter_entities
from ui.api.statuses.entity import render_statuses

HOME = "/api/v1/timelines/home"
PUBLIC = "/api/v1/timelines/public"
TAG = "/api/v1/timelines/tag/garden"
BOTH = ["a quiet day", "the Spoilers are here"]
ALL_CONTEXTS = ["home", "public", "thread", "account", "notifications"]


async def _filter(api: Api, token: str, *keywords: str, action: str = "hide", whole_word: bool = True,
                  context: list[str] | None = None, **body: Any) -> dict[str, Any]:
    result: dict[str, Any] = await api.json("POST", "/api/v2/filters", token, json={
        "title": "f", "context": context or ALL_CONTEXTS, "filter_action": action,
        "keywords_attributes": [{"keyword": k, "whole_word": whole_word} for k in keywords], **body})
    return result


def _texts(body: list[dict[str, Any]]) -> list[str]:
    return [(s["reblog"] or s)["content"].removeprefix("<p>").removesuffix("</p>") for s in body]


async def _world(api: Api) -> tuple[Actor, Actor, str]:
    """Ana follows bea (remote), who wrote a post about spoilers and a plain one, both tagged
    #garden and in ana's home; ana favourited both (so search finds them)."""
    ana, bea = await api.member("ana"), await remote(api, "bea")
    await follow(api, ana, bea)
    spoiler = await status(api, bea, "the Spoilers are here", tags=("garden",))
    plain = await status(api, bea, "a quiet day", tags=("garden",))
    await add(api, *(TimelineEntry(owner_id=ana.id, status_id=s.id) for s in (spoiler, plain)),
              *(Favourite(actor_id=ana.id, status_id=s.id, uri=f"https://amity.test/likes/{s.id}")
                for s in (spoiler, plain)))
    return ana, bea, await api.token_for("ana")


def _paths(bea: Actor) -> list[str]:
    return [HOME, PUBLIC, TAG, f"/api/v1/accounts/{bea.id}/statuses"]


async def _search(api: Api, token: str, q: str = "a") -> list[str]:
    return _texts((await api.json("GET", f"/api/v2/search?q={q}&type=statuses", token))["statuses"])


async def test_hide_leaves_matching_posts_out_of_every_timeline_and_search(any_api: Api) -> None:
    _ana, bea, token = await _world(any_api)
    for path in _paths(bea):  # cached first, so the filter must reach cached pages too
        assert _texts(await any_api.json("GET", path, token)) == BOTH, path
    assert await _search(any_api, token) == BOTH
    await _filter(any_api, token, "spoilers")
    for path in _paths(bea):
        assert _texts(await any_api.json("GET", path, token)) == ["a quiet day"], path
    assert await _search(any_api, token) == ["a quiet day"]
    anonymous = await any_api.json("GET", PUBLIC)  # the filter is ana's alone
    assert _texts(anonymous) == BOTH


async def test_warn_marks_matching_posts_with_filter_results(any_api: Api) -> None:
    _ana, bea, token = await _world(any_api)
    made = await _filter(any_api, token, "spoilers", action="warn")
    for path in _paths(bea):
        body = await any_api.json("GET", path, token)
        marked, quiet = body[1], body[0]
        assert quiet["filtered"] == [], path
        [result] = marked["filtered"]
        assert_entity(result, FILTER_RESULT)
        assert result["filter"]["id"] == made["id"] and result["filter"]["filter_action"] == "warn"
        assert result["keyword_matches"] == ["spoilers"] and result["status_matches"] is None
    [found] = (await any_api.json("GET", "/api/v2/search?q=spoilers&type=statuses", token))["statuses"]
    assert found["filtered"][0]["keyword_matches"] == ["spoilers"]


async def test_filters_apply_only_in_their_contexts(api: Api) -> None:
    _ana, bea, token = await _world(api)
    await _filter(api, token, "spoilers", context=["home"])
    assert _texts(await api.json("GET", HOME, token)) == ["a quiet day"]
    for path in (PUBLIC, TAG, f"/api/v1/accounts/{bea.id}/statuses"):
        body = await api.json("GET", path, token)
        assert len(body) == 2 and all(s["filtered"] == [] for s in body), path
    await _filter(api, token, "quiet", context=["account"], action="warn")
    account = await api.json("GET", f"/api/v1/accounts/{bea.id}/statuses", token)
    assert [bool(s["filtered"]) for s in account] == [True, False]
    assert all(s["filtered"] == [] for s in await api.json("GET", PUBLIC, token))


async def test_whole_word_keywords_match_at_word_boundaries_substrings_anywhere(api: Api) -> None:
    _ana, _bea, token = await _world(api)
    await _filter(api, token, "spoiler")  # whole word: "Spoilers" is another word
    assert len(await api.json("GET", HOME, token)) == 2
    await _filter(api, token, "spoiler", whole_word=False)
    assert _texts(await api.json("GET", HOME, token)) == ["a quiet day"]


async def test_keywords_match_spoiler_text_media_descriptions_and_poll_options(api: Api) -> None:
    ana, bea, token = await _world(api)
    warned = await status(api, bea, "look", summary="cw: Politics")
    pictured = await status(api, bea, "look")
    polled = await status(api, bea, "look")
    linked = await status(api, bea, 'see <a href="https://x.example/mango">this</a> &amp; more')
    await add(api, MediaAttachment(actor_id=bea.id, status_id=pictured.id, type="image",
                                   remote_url="https://remote.example/a.jpg", description="a ripe Mango"),
              Poll(status_id=polled.id, options=[{"title": "cats", "votes": 0}, {"title": "Weasels"}],
                   expires_at=utcnow() + timedelta(days=1)),
              *(TimelineEntry(owner_id=ana.id, status_id=s.id) for s in (warned, pictured, polled, linked)))
    await _filter(api, token, "politics", "mango", "weasels", action="warn")
    body = await api.json("GET", HOME, token)
    marked = {s["id"]: s["filtered"][0]["keyword_matches"] if s["filtered"] else None for s in body}
    assert marked[str(warned.id)] == ["politics"] and marked[str(pictured.id)] == ["mango"]
    assert marked[str(polled.id)] == ["weasels"]
    assert marked[str(linked.id)] is None  # a link's address is markup, not text


async def test_an_expired_filter_no_longer_applies(api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    _ana, _bea, token = await _world(api)
    made = await _filter(api, token, "spoilers", expires_in=3600)
    assert made["expires_at"] is not None
    assert _texts(await api.json("GET", HOME, token)) == ["a quiet day"]
    later = utcnow() + timedelta(hours=1, seconds=1)  # nothing changed, the filter's time ran out
    monkeypatch.setattr(reading_filters, "utcnow", lambda: later)
    assert len(await api.json("GET", HOME, token)) == 2
    assert await _search(api, token, "spoilers") == ["the Spoilers are here"]


async def test_an_expiry_moved_into_the_past_applies_at_once(api: Api) -> None:
    _ana, _bea, token = await _world(api)
    made = await _filter(api, token, "spoilers", expires_in=3600)
    assert len(await api.json("GET", HOME, token)) == 1
    async with api.services.sessions() as session, session.begin():
        await session.execute(update(CustomFilter).values(expires_at=utcnow() - timedelta(seconds=1),
                                                          updated_at=utcnow()))
    assert len(await api.json("GET", HOME, token)) == 2
    assert (await api.json("GET", f"/api/v2/filters/{made['id']}", token))["expires_at"] is not None


async def test_changing_and_deleting_a_filter_shows_at_once(api: Api) -> None:
    _ana, _bea, token = await _world(api)
    made = await _filter(api, token, "spoilers")
    assert len(await api.json("GET", HOME, token)) == 1
    await api.json("POST", f"/api/v2/filters/{made['id']}/keywords", token, data={"keyword": "quiet"})
    assert await api.json("GET", HOME, token) == []
    await api.json("PUT", f"/api/v2/filters/{made['id']}", token, json={"filter_action": "warn"})
    assert [len(s["filtered"]) for s in await api.json("GET", HOME, token)] == [1, 1]
    await api.json("DELETE", f"/api/v2/filters/{made['id']}", token)
    assert [s["filtered"] for s in await api.json("GET", HOME, token)] == [[], []]


async def test_status_filters_and_boosts(api: Api) -> None:
    ana, bea, token = await _world(api)
    carl = await remote(api, "carl")
    post = await status(api, carl, "a fine post")
    boost = Status(uri=f"{bea.uri}/boosts/1", actor_id=bea.id, reblog_of_id=post.id, visibility="public")
    await add(api, boost)
    await add(api, TimelineEntry(owner_id=ana.id, status_id=boost.id))
    made = await _filter(api, token, action="warn")
    await api.json("POST", f"/api/v2/filters/{made['id']}/statuses", token, data={"status_id": str(post.id)})
    [shown] = [s for s in await api.json("GET", HOME, token) if s["id"] == str(boost.id)]
    assert shown["filtered"][0]["status_matches"] == [str(post.id)]
    assert shown["reblog"]["filtered"] == shown["filtered"]
    await _filter(api, token, "fine")  # hide: the boost goes, matched on what it boosts
    assert str(boost.id) not in [s["id"] for s in await api.json("GET", HOME, token)]


async def test_a_members_own_posts_are_never_filtered(api: Api) -> None:
    _ana, _bea, token = await _world(api)
    await api.json("POST", "/api/v1/statuses", token, data={"status": "my spoilers"})
    await _filter(api, token, "spoilers")
    assert _texts(await api.json("GET", HOME, token)) == ["my spoilers", "a quiet day"]


async def test_a_warm_page_with_a_filter_active_is_one_statement(api: Api) -> None:
    ana = await api.member("ana")
    authors = [await remote(api, f"r{i}") for i in range(5)]
    posts = [await status(api, a, f"p{i} spoilers" if i % 2 else f"p{i}", tags=("garden",))
             for i, a in enumerate(authors)]
    await add(api, *(TimelineEntry(owner_id=ana.id, status_id=p.id) for p in posts))
    token = await api.token_for("ana")
    await _filter(api, token, "spoilers", action="warn")
    await _filter(api, token, "p4", action="hide")
    for path in (HOME, PUBLIC, TAG):
        await api.json("GET", f"{path}?limit=5", token)  # cold: statuses rendered, filters loaded
        with counting_queries(api) as warm:
            body = await api.json("GET", f"{path}?limit=5", token)
        assert [bool(s["filtered"]) for s in body] == [True, False, True, False], path  # p4 hidden
        # one statement for the page, the filters' version in it, no other for the filters (public
        # and tag pages also look up the token and the tag, as without filters: test_timelines)
        assert len([s for s in warm if "WITH page" in s]) == 1, (path, warm)
        assert not [s for s in warm if "filter" in s and "WITH page" not in s], (path, warm)
        assert path != HOME or len(warm) == 1, warm


async def test_thread_filters_apply_to_a_statuss_context(api: Api) -> None:
    _ana, bea, token = await _world(api)
    root = await status(api, bea, "root post")
    rude = await status(api, bea, "a rude reply", in_reply_to_id=root.id)
    calm = await status(api, bea, "a calm reply", in_reply_to_id=root.id)
    await _filter(api, token, "calm", action="warn", context=["thread"])
    await _filter(api, token, "rude", context=["thread"])
    thread = await api.json("GET", f"/api/v1/statuses/{root.id}/context", token)
    assert [s["id"] for s in thread["descendants"]] == [str(calm.id)]
    assert thread["descendants"][0]["filtered"][0]["keyword_matches"] == ["calm"]
    up = await api.json("GET", f"/api/v1/statuses/{rude.id}/context", token)
    assert [s["id"] for s in up["ancestors"]] == [str(root.id)] and up["ancestors"][0]["filtered"] == []
    assert len((await api.json("GET", f"/api/v1/statuses/{root.id}/context"))["descendants"]) == 2


async def test_cached_pages_and_bulk_rendering_agree_on_filter_results(api: Api) -> None:
    ana, bea, token = await _world(api)
    carl = await remote(api, "carl")
    post = await status(api, carl, "more Spoilers", summary="cw")
    boost = Status(uri=f"{bea.uri}/boosts/2", actor_id=bea.id, reblog_of_id=post.id, visibility="public")
    await add(api, boost)
    await add(api, TimelineEntry(owner_id=ana.id, status_id=boost.id))
    made = await _filter(api, token, "spoilers", "cw", action="warn")
    await api.json("POST", f"/api/v2/filters/{made['id']}/statuses", token, data={"status_id": str(post.id)})
    cached = await api.json("GET", HOME, token)
    async with api.services.sessions() as session:
        rows = {s.id: s for s in (await session.scalars(
            select(Status).where(Status.id.in_([int(e["id"]) for e in cached])))).all()}
        ordered = [rows[int(e["id"])] for e in cached]
        viewer = await session.get(Actor, ana.id)
        fresh = await render_statuses(session, api.services, viewer, ordered,
                                      Urls(api.config.domain, api.config.base_url))
        fresh = await filter_entities(session, ana.id, "home", ordered, fresh)
    assert cached == fresh
    assert [len(e["filtered"]) for e in cached] == [1, 0, 1]
    assert cached[0]["filtered"][0]["status_matches"] == [str(post.id)]


async def test_a_change_shows_at_once_even_from_a_process_whose_clock_is_behind(
        api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    _ana, _bea, token = await _world(api)
    made = await _filter(api, token, "spoilers")
    await _filter(api, token, "unrelated")  # the member's newest change, until the next
    assert len(await api.json("GET", HOME, token)) == 1
    behind = utcnow() - timedelta(hours=1)
    monkeypatch.setattr(social_filters, "utcnow", lambda: behind)
    await api.json("POST", f"/api/v2/filters/{made['id']}/keywords", token, data={"keyword": "quiet"})
    assert await api.json("GET", HOME, token) == []
