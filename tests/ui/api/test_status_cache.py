"""The home timeline's cache of rendered statuses (`ui.api.status_cache`): what it serves equals
a fresh render, and every change to a status, its parts or its author shows on the next page,
also when another web process (another app on the same database) made the change."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

from pytest_aiohttp import AiohttpClient
from sqlalchemy import select, update

from storage.models import Actor, MediaAttachment, Mention, Poll, Status, TimelineEntry, utcnow
from tests.ui.api.statuses.test_entity import counting_queries
from tests.ui.api.timeline_helpers import add, follow, forget_rendered, remote, status
from tests.ui.client_api import Api, start_api
from ui.api.entities import Urls
from ui.api.status_cache import cache_of
from ui.api.statuses.entity import render_statuses

HOME = "/api/v1/timelines/home"


async def _home(api: Api, token: str) -> list[dict[str, Any]]:
    return list(await api.json("GET", f"{HOME}?limit=40", token))


async def _one(api: Api, token: str, status_id: int | str) -> dict[str, Any]:
    [entity] = [s for s in await _home(api, token) if s["id"] == str(status_id)]
    return entity


async def _rich_home(api: Api, ana: Actor) -> list[Status]:
    """Ana's home: a remote post with media, a poll, a tag and a mention of her, a reply, a
    boost of it, and her own post."""
    bea = await remote(api, "bea", note="<p>hello <script>x</script></p>",
                       fields=[{"name": "web", "value": "<a href='https://bea.example'>site</a>"}])
    await follow(api, ana, bea)
    post = await status(api, bea, "with parts", tags=("garden",))
    reply = await status(api, bea, "a reply", in_reply_to_id=post.id)
    boost = Status(uri=f"{bea.uri}/boosts/1", actor_id=bea.id, reblog_of_id=post.id, visibility="public")
    await add(api, boost)
    await add(api, MediaAttachment(actor_id=bea.id, status_id=post.id, type="image",
                                   content_type="image/jpeg",
                                   remote_url="https://remote.example/a.jpg", description="a garden"),
              Poll(status_id=post.id, options=[{"title": "yes", "votes": 2}, {"title": "no", "votes": 0}],
                   expires_at=utcnow() + timedelta(days=1), voters_count=2, votes_count=2),
              Mention(status_id=post.id, actor_id=ana.id))
    own = await status(api, ana, "mine")
    await add(api, *(TimelineEntry(owner_id=ana.id, status_id=s.id) for s in (post, reply, boost)))
    return [post, reply, boost, own]


async def test_cached_pages_equal_a_fresh_render_for_the_viewer(any_api: Api) -> None:
    ana = await any_api.member("ana")
    await _rich_home(any_api, ana)
    token = await any_api.token_for("ana")
    cold = await _home(any_api, token)
    warm = await _home(any_api, token)
    async with any_api.services.sessions() as session:
        rows = {s.id: s for s in (await session.scalars(
            select(Status).where(Status.id.in_([int(e["id"]) for e in cold])))).all()}
        viewer = await session.get(Actor, ana.id)
        fresh = await render_statuses(session, any_api.services, viewer, [rows[int(e["id"])] for e in cold],
                                      Urls(any_api.config.domain, any_api.config.base_url))
    assert len(cold) == 4 and cold == fresh and warm == fresh
    assert any(e["reblog"] is not None for e in warm) and any(e["poll"] is not None for e in warm)
    assert cache_of(any_api.client.app).hits > 0


async def _fresh(api: Api, entities: list[dict[str, Any]], viewer_id: int | None) -> list[dict[str, Any]]:
    async with api.services.sessions() as session:
        rows = {s.id: s for s in (await session.scalars(
            select(Status).where(Status.id.in_([int(e["id"]) for e in entities])))).all()}
        viewer = await session.get(Actor, viewer_id) if viewer_id is not None else None
        return await render_statuses(session, api.services, viewer, [rows[int(e["id"])] for e in entities],
                                     Urls(api.config.domain, api.config.base_url))


async def test_public_tag_and_account_pages_equal_a_fresh_render_signed_in_or_not(any_api: Api) -> None:
    ana = await any_api.member("ana")
    post, *_ = await _rich_home(any_api, ana)
    token = await any_api.token_for("ana")
    await any_api.json("POST", f"/api/v1/statuses/{post.id}/favourite", token)
    paths = ["/api/v1/timelines/public", "/api/v1/timelines/tag/garden",
             f"/api/v1/accounts/{post.actor_id}/statuses"]
    for path in paths:
        for who, viewer_id in ((token, ana.id), (None, None)):
            cold = list(await any_api.json("GET", f"{path}?limit=40", who))
            warm = list(await any_api.json("GET", f"{path}?limit=40", who))
            assert cold and cold == warm == await _fresh(any_api, cold, viewer_id), (path, who)
            polls = [e["poll"] for e in warm if e["poll"] is not None]
            assert polls and all(("voted" in poll) == (who is not None) for poll in polls), path
            assert all(("favourited" in e) == (who is not None) for e in warm), path
    shown = [e for e in await any_api.json("GET", f"{paths[1]}?limit=40", token) if e["id"] == str(post.id)]
    assert shown[0]["favourited"] is True


async def test_a_cold_page_costs_the_same_queries_whatever_its_length(api: Api) -> None:
    ana = await api.member("ana")
    authors = [await remote(api, f"r{i}") for i in range(6)]
    posts = [await status(api, a, f"p{i}", tags=(f"t{i}",)) for i, a in enumerate(authors)]
    await add(api, *(TimelineEntry(owner_id=ana.id, status_id=p.id) for p in posts))
    token = await api.token_for("ana")
    await api.json("GET", f"{HOME}?limit=1&max_id=1", token)  # token touch, statements built
    forget_rendered(api)
    with counting_queries(api) as one:
        await api.json("GET", f"{HOME}?limit=1", token)
    forget_rendered(api)
    with counting_queries(api) as six:
        assert len(await api.json("GET", f"{HOME}?limit=6", token)) == 6
    assert len(six) == len(one)


async def test_edit_and_delete_show_at_once(any_api: Api) -> None:
    await any_api.member("ana")
    token = await any_api.token_for("ana")
    posted = await any_api.json("POST", "/api/v1/statuses", token, data={"status": "first words"})
    assert (await _one(any_api, token, posted["id"]))["content"] == "<p>first words</p>"
    await any_api.json("PUT", f"/api/v1/statuses/{posted['id']}", token, data={"status": "second words"})
    edited = await _one(any_api, token, posted["id"])
    assert edited["content"] == "<p>second words</p>" and edited["edited_at"] is not None
    await any_api.json("DELETE", f"/api/v1/statuses/{posted['id']}", token)
    assert [s for s in await _home(any_api, token) if s["id"] == posted["id"]] == []


async def test_favourites_change_the_count_and_the_viewers_own_mark(any_api: Api) -> None:
    await any_api.member("ana")
    await any_api.member("bob")
    ana, bob = await any_api.token_for("ana"), await any_api.token_for("bob")
    posted = await any_api.json("POST", "/api/v1/statuses", ana, data={"status": "like me"})
    before = await _one(any_api, ana, posted["id"])
    assert before["favourites_count"] == 0 and before["favourited"] is False
    await any_api.json("POST", f"/api/v1/statuses/{posted['id']}/favourite", bob)
    after_bob = await _one(any_api, ana, posted["id"])
    assert after_bob["favourites_count"] == 1 and after_bob["favourited"] is False
    await any_api.json("POST", f"/api/v1/statuses/{posted['id']}/favourite", ana)
    after_ana = await _one(any_api, ana, posted["id"])
    assert after_ana["favourites_count"] == 2 and after_ana["favourited"] is True
    await any_api.json("POST", f"/api/v1/statuses/{posted['id']}/bookmark", ana)
    assert (await _one(any_api, ana, posted["id"]))["bookmarked"] is True


async def test_a_poll_vote_changes_the_counts_and_own_votes(any_api: Api) -> None:
    await any_api.member("ana")
    await any_api.member("bob")
    ana, bob = await any_api.token_for("ana"), await any_api.token_for("bob")
    await follow(any_api, await _actor(any_api, "bob"), await _actor(any_api, "ana"))
    posted = await any_api.json("POST", "/api/v1/statuses", ana, data={
        "status": "tea or coffee?", "poll[options][]": ["tea", "coffee"], "poll[expires_in]": "3600"})
    poll = (await _one(any_api, ana, posted["id"]))["poll"]
    assert poll["votes_count"] == 0 and poll["voted"] is True  # the author
    await any_api.json("POST", f"/api/v1/polls/{poll['id']}/votes", bob, data={"choices[]": "1"})
    after = (await _one(any_api, ana, posted["id"]))["poll"]
    assert after["votes_count"] == 1 and [o["votes_count"] for o in after["options"]] == [0, 1]
    await any_api.json("GET", f"/api/v1/statuses/{posted['id']}", bob)
    async with any_api.services.sessions() as session, session.begin():
        await session.execute(insert_entry(await _actor(any_api, "bob"), int(posted["id"])))
    as_bob = (await _one(any_api, bob, posted["id"]))["poll"]
    assert as_bob["voted"] is True and as_bob["own_votes"] == [1]


def insert_entry(owner: Actor, status_id: int) -> Any:
    from sqlalchemy import insert

    return insert(TimelineEntry).values(owner_id=owner.id, status_id=status_id)


async def _actor(api: Api, username: str) -> Actor:
    async with api.services.sessions() as session:
        found = await session.scalar(select(Actor).where(Actor.username == username, Actor.domain.is_(None)))
    assert found is not None
    return found


async def test_a_new_media_description_shows_at_once(any_api: Api) -> None:
    ana = await any_api.member("ana")
    post, *_ = await _rich_home(any_api, ana)
    token = await any_api.token_for("ana")
    assert (await _one(any_api, token, post.id))["media_attachments"][0]["description"] == "a garden"
    async with any_api.services.sessions() as session, session.begin():  # as a remote Update does
        media = await session.scalar(select(MediaAttachment).where(MediaAttachment.status_id == post.id))
        assert media is not None
        media.description = "a garden in the rain"
    [shown] = (await _one(any_api, token, post.id))["media_attachments"]
    assert shown["description"] == "a garden in the rain"


async def test_a_profile_change_shows_at_once(any_api: Api) -> None:
    await any_api.member("ana")
    token = await any_api.token_for("ana")
    posted = await any_api.json("POST", "/api/v1/statuses", token, data={"status": "hello"})
    assert (await _one(any_api, token, posted["id"]))["account"]["display_name"] != "Ana Lovelace"
    await any_api.json("PATCH", "/api/v1/accounts/update_credentials", token,
                       data={"display_name": "Ana Lovelace"})
    assert (await _one(any_api, token, posted["id"]))["account"]["display_name"] == "Ana Lovelace"


async def test_a_role_change_shows_at_once(any_api: Api) -> None:
    from actors.accounts.local_users import set_role

    await any_api.member("ana")
    token = await any_api.token_for("ana")
    posted = await any_api.json("POST", "/api/v1/statuses", token, data={"status": "hello"})
    assert (await _one(any_api, token, posted["id"]))["account"]["roles"] == []
    async with any_api.services.sessions() as session, session.begin():
        await set_role(session, "ana", "moderator")
    roles = (await _one(any_api, token, posted["id"]))["account"]["roles"]
    assert [role["name"] for role in roles] == ["Moderator"]


async def test_another_process_changes_show_at_once(db_url: str, aiohttp_client: AiohttpClient,
                                                    tmp_path: Path) -> None:
    """Two apps on one database, as two web processes: each has its own cache."""
    first = await start_api(aiohttp_client, db_url, tmp_path / "one")
    second = await start_api(aiohttp_client, db_url, tmp_path / "two")
    await first.member("ana")
    await first.member("bob")
    ana = await first.token_for("ana")
    bob = await second.token_for("bob")
    posted = await first.json("POST", "/api/v1/statuses", ana, data={"status": "original"})
    assert (await _one(first, ana, posted["id"]))["favourites_count"] == 0  # cached in the first
    await second.json("POST", f"/api/v1/statuses/{posted['id']}/favourite", bob)
    await second.json("PUT", f"/api/v1/statuses/{posted['id']}", ana, data={"status": "changed"})
    seen = await _one(first, ana, posted["id"])
    assert seen["favourites_count"] == 1 and seen["content"] == "<p>changed</p>"
    async with first.services.sessions() as session, session.begin():  # a remote-style count change
        await session.execute(update(Status).where(Status.id == int(posted["id"])).values(reblogs_count=5))
    assert (await _one(first, ana, posted["id"]))["reblogs_count"] == 5
