"""Trends are computed here from counters: a tag used by many discoverable accounts in the last
day trends, one used once does not; only public posts of discoverable accounts count."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, update

from actors.reading.trends import PRUNE_TAG_USES_KIND
from storage import queue
from storage.models import QUEUED, Actor, Job, Mute, PreviewCard, Status, StatusCard, Tag, TagUse, utcnow
from storage.worker import Worker, drain
from tests.ui.api.discovery_schemas import TREND_LINK, TREND_TAG
from tests.ui.api.schemas import VIEWER_STATUS, assert_entity
from tests.ui.api.timeline_helpers import add, remote, status
from tests.ui.client_api import Api
from ui.api.discovery.trends import RANKED_MAX_AGE_S, ranked_memory
from ui.keys import ENGINE, REGISTRY


@pytest.fixture
def api(any_api: Api) -> Api:
    """Each test on each engine (the counters and upserts differ between them)."""
    return any_api


def forget_ranked(api: Api) -> None:
    """The API keeps the ranked lists for a minute: forget them after changing the rows."""
    ranked_memory(api.client.app).clear()


async def _posters(api: Api, prefix: str, count: int, *, discoverable: bool = True) -> list[str]:
    tokens = []
    for number in range(count):
        await api.member(f"{prefix}{number}", discoverable=discoverable)
        tokens.append(await api.token_for(f"{prefix}{number}"))
    return tokens


async def _post(api: Api, token: str, text: str, visibility: str = "public") -> None:
    await api.json("POST", "/api/v1/statuses", token, json={"status": text, "visibility": visibility})


async def test_a_tag_used_by_many_accounts_trends_and_one_used_once_does_not(api: Api) -> None:
    many = await _posters(api, "fan", 4)
    for token in many:
        await _post(api, token, "loving #Busy today")
    await _post(api, many[0], "again #busy")
    await _post(api, many[0], "just me #lonely")
    answer = await api.json("GET", "/api/v1/trends/tags")
    assert [t["name"] for t in answer] == ["Busy"]
    assert_entity(answer[0], TREND_TAG)
    assert (answer[0]["history"][0]["accounts"], answer[0]["history"][0]["uses"]) == ("4", "5")
    assert await api.json("GET", "/api/v1/trends") == answer


async def test_only_public_posts_of_discoverable_accounts_count(api: Api) -> None:
    shy = await _posters(api, "shy", 4, discoverable=False)
    for token in shy:
        await _post(api, token, "#hidden")
    open_ = await _posters(api, "open", 4)
    for token in open_:
        await _post(api, token, "#quiet", visibility="unlisted")
        await _post(api, token, "#private", visibility="private")
    assert await api.json("GET", "/api/v1/trends/tags") == []
    assert await api.count(TagUse) == 0


async def test_old_uses_and_suspended_accounts_do_not_trend(api: Api) -> None:
    tokens = await _posters(api, "fan", 3)
    for token in tokens:
        await _post(api, token, "#fresh")
    assert [t["name"] for t in await api.json("GET", "/api/v1/trends/tags")] == ["fresh"]
    async with api.services.sessions() as session, session.begin():
        await session.execute(update(Actor).where(Actor.username == "fan0").values(suspended_at=utcnow()))
    forget_ranked(api)
    assert await api.json("GET", "/api/v1/trends/tags") == []
    async with api.services.sessions() as session, session.begin():
        await session.execute(update(TagUse).values(day=utcnow().date() - timedelta(days=3)))
        await session.execute(update(Actor).values(suspended_at=None))
    forget_ranked(api)
    assert await api.json("GET", "/api/v1/trends/tags") == []


async def test_the_threshold_is_a_setting_and_trends_can_be_turned_off(api: Api) -> None:
    [token] = await _posters(api, "solo", 1)
    await _post(api, token, "#mine")
    await api.setting("trends_min_accounts", 1)
    forget_ranked(api)
    assert [t["name"] for t in await api.json("GET", "/api/v1/trends/tags")] == ["mine"]
    await api.setting("trends_enabled", False)
    forget_ranked(api)
    assert await api.json("GET", "/api/v1/trends/tags") == []


async def test_trending_statuses_are_public_posts_of_discoverable_accounts_with_interactions(
        api: Api) -> None:
    star = await api.member("star", discoverable=True)
    shy = await api.member("shy")
    hot = await status(api, star, "hot", favourites_count=5, reblogs_count=1)
    warm = await status(api, star, "warm", favourites_count=3)
    await status(api, star, "cold", favourites_count=1)
    await status(api, star, "secret", visibility="private", favourites_count=9)
    await status(api, star, "mine only", local_only=True, favourites_count=9)
    await status(api, shy, "not discoverable", favourites_count=9)
    await add(api, Status(id=1, uri=f"{star.uri}/statuses/1", actor_id=star.id, local=True,  # long ago
                          visibility="public", content="<p>old</p>", favourites_count=9))
    answer = await api.json("GET", "/api/v1/trends/statuses")
    assert [s["id"] for s in answer] == [str(hot.id), str(warm.id)]
    assert_entity(answer[0], {k: v for k, v in VIEWER_STATUS.items()
                              if k not in ("favourited", "reblogged", "muted", "bookmarked")})
    response = await api.request("GET", "/api/v1/trends/statuses?limit=1")
    assert [s["id"] for s in await response.json()] == [str(hot.id)]
    assert "offset=1" in response.headers["Link"]


async def test_trending_statuses_leave_out_authors_the_reader_mutes(api: Api) -> None:
    reader = await api.member("reader")
    star = await remote(api, "star", discoverable=True)
    await status(api, star, "hot", favourites_count=5)
    assert len(await api.json("GET", "/api/v1/trends/statuses")) == 1
    await add(api, Mute(actor_id=reader.id, target_id=star.id))
    assert await api.json("GET", "/api/v1/trends/statuses", await api.token_for("reader")) == []


async def test_a_link_shared_by_many_accounts_trends(api: Api) -> None:
    card = PreviewCard(url="https://news.example/story", title="Story")
    lonely = PreviewCard(url="https://blog.example/post", title="Post")
    await add(api, card, lonely)
    for number in range(3):
        author = await api.member(f"fan{number}", discoverable=True)
        shared = await status(api, author, "look")
        await add(api, StatusCard(status_id=shared.id, card_id=card.id))
    shy = await api.member("shy")
    for _ in range(3):
        await add(api, StatusCard(status_id=(await status(api, shy, "me too")).id, card_id=lonely.id))
    answer = await api.json("GET", "/api/v1/trends/links")
    assert [link["url"] for link in answer] == ["https://news.example/story"]
    assert_entity(answer[0], TREND_LINK)
    assert answer[0]["history"][0]["accounts"] == "3"


async def test_bad_paging_parameters_are_refused(api: Api) -> None:
    for path in ("/api/v1/trends/tags?offset=x", "/api/v1/trends/statuses?limit=lots",
                 "/api/v1/trends/links?offset=-5"):
        assert "error" in await api.json("GET", path, status=422)
    assert await api.count(Tag) == 0


async def test_the_ranked_lists_are_kept_for_a_minute_per_process(api: Api) -> None:
    memory = ranked_memory(api.client.app)
    now = [1000.0]
    memory.clock = lambda: now[0]
    assert await api.json("GET", "/api/v1/trends/tags") == []
    for token in await _posters(api, "fan", 3):
        await _post(api, token, "#late")
    assert await api.json("GET", "/api/v1/trends/tags") == []  # the kept (empty) ranking
    now[0] += RANKED_MAX_AGE_S
    assert [t["name"] for t in await api.json("GET", "/api/v1/trends/tags")] == ["late"]


async def test_old_tag_use_rows_are_pruned_by_a_periodic_job(api: Api) -> None:
    [token] = await _posters(api, "fan", 1)
    await _post(api, token, "#kept")
    today = utcnow().date()
    async with api.services.sessions() as session, session.begin():
        [use] = (await session.scalars(select(TagUse))).all()
        for back in (2, 3, 5, 9):
            session.add(TagUse(tag_id=use.tag_id, day=today - timedelta(days=back), actor_id=use.actor_id))
    async with api.services.sessions() as session, session.begin():
        await queue.enqueue(session, PRUNE_TAG_USES_KIND, {})
    await drain(Worker(api.client.app[ENGINE], api.client.app[REGISTRY], deps=api.services))
    async with api.services.sessions() as session:
        days = sorted((await session.scalars(select(TagUse.day))).all())
        queued = (await session.scalars(select(Job.kind).where(Job.kind == PRUNE_TAG_USES_KIND,
                                                               Job.state == QUEUED))).all()
    assert days == [today - timedelta(days=2), today]
    assert len(queued) == 1  # its next run
