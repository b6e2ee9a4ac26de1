"""The Status entity: shape, the viewer's state, language versions, boosts, and bulk loading."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event

from actors.posts import posting
from actors.posts.polls import PollSpec
from actors.social import relations
from storage.models import Actor, Status
from tests.ui.api.schemas import STATUS, VIEWER_POLL, VIEWER_STATUS, assert_entity
from tests.ui.client_api import Api
from ui.api.entities import Urls
from ui.api.statuses.entity import render_statuses


def _urls(api: Api) -> Urls:
    return Urls(domain=api.config.domain, base_url=api.config.base_url)


async def _post(api: Api, author: Actor, **fields: Any) -> Status:
    async with api.services.sessions() as session, session.begin():
        fields.setdefault("text", "hello #garden")
        status = await posting.create_status(session, api.services, author, posting.NewStatus(**fields))
    return status


async def _render(api: Api, viewer: Actor | None, ids: list[int], **kwargs: Any) -> list[dict[str, Any]]:
    async with api.services.sessions() as session:
        rows = [await session.get(Status, i) for i in ids]
        found = [r for r in rows if r]
        return await render_statuses(session, api.services, viewer, found, _urls(api), **kwargs)


@contextmanager
def counting_queries(api: Api) -> Iterator[list[str]]:
    seen: list[str] = []

    def record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        seen.append(statement)

    sync_engine = api.services.engine.sync_engine
    event.listen(sync_engine, "before_cursor_execute", record)
    api.services.one_trip.observers.append(seen.append)  # statements run on the driver directly
    try:
        yield seen
    finally:
        event.remove(sync_engine, "before_cursor_execute", record)
        api.services.one_trip.observers.remove(seen.append)


async def test_a_status_as_its_author_and_as_another_member(api: Api) -> None:
    alice, bob = await api.member("alice"), await api.member("bob")
    status = await _post(api, alice, text="hello #garden @bob", summary="plants",
                         poll=PollSpec(options=["tomatoes", "beans"], expires_in=3600))
    async with api.services.sessions() as session, session.begin():
        row = await session.get(Status, status.id)
        assert row is not None
        await posting.favourite(session, api.services, bob, row)
        await relations.bookmark(session, bob, row)
    [as_bob] = await _render(api, bob, [status.id])
    assert_entity(as_bob, VIEWER_STATUS)
    assert_entity(as_bob["poll"], VIEWER_POLL)
    assert as_bob["spoiler_text"] == "plants" and as_bob["sensitive"] is True
    assert as_bob["favourited"] is True and as_bob["bookmarked"] is True and as_bob["reblogged"] is False
    assert "pinned" not in as_bob  # only on one's own statuses
    assert as_bob["favourites_count"] == 1
    assert as_bob["tags"] == [{"name": "garden", "url": f"{api.config.base_url}/tags/garden"}]
    assert [m["acct"] for m in as_bob["mentions"]] == ["bob"]
    assert as_bob["poll"]["voted"] is False and as_bob["poll"]["own_votes"] == []
    assert [o["title"] for o in as_bob["poll"]["options"]] == ["tomatoes", "beans"]
    [as_alice] = await _render(api, alice, [status.id])
    assert as_alice["favourited"] is False and as_alice["pinned"] is False
    assert as_alice["poll"]["voted"] is True  # the author cannot vote: Mastodon shows it as voted
    [anonymous] = await _render(api, None, [status.id])
    assert_entity(anonymous, STATUS)
    assert "favourited" not in anonymous and "voted" not in anonymous["poll"]


async def test_a_boost_nests_the_original_and_local_only_is_marked(api: Api) -> None:
    alice, bob = await api.member("alice"), await api.member("bob")
    original = await _post(api, alice, local_only=True, visibility="unlisted")
    async with api.services.sessions() as session, session.begin():
        row = await session.get(Status, original.id)
        assert row is not None
        boost = await posting.reblog(session, api.services, bob, row)
    [entity] = await _render(api, bob, [boost.id])
    assert_entity(entity, VIEWER_STATUS)
    assert entity["account"]["username"] == "bob" and entity["content"] == ""
    assert entity["reblog"]["id"] == str(original.id)
    assert entity["reblog"]["account"]["username"] == "alice"
    assert entity["reblog"]["reblogged"] is True
    assert entity["reblog"]["local_only"] is True and entity["reblog"]["visibility"] == "unlisted"


async def test_the_reader_gets_the_language_version_they_prefer(api: Api) -> None:
    alice = await api.member("alice")
    status = await _post(api, alice, text="good morning", language="en",
                         content_map={"pt": "bom dia"})
    [english] = await _render(api, None, [status.id], reader_languages=["en"])
    [portuguese] = await _render(api, None, [status.id], reader_languages=["pt-BR"])
    assert "good morning" in english["content"] and english["language"] == "en"
    assert "bom dia" in portuguese["content"] and portuguese["language"] == "pt"


async def test_a_reply_names_its_parent_and_its_author(api: Api) -> None:
    alice, bob = await api.member("alice"), await api.member("bob")
    parent = await _post(api, alice)
    async with api.services.sessions() as session, session.begin():
        reply = await posting.create_status(session, api.services, bob,
                                            posting.NewStatus(text="@alice yes", in_reply_to_id=parent.id))
    [entity] = await _render(api, bob, [reply.id])
    assert entity["in_reply_to_id"] == str(parent.id)
    assert entity["in_reply_to_account_id"] == str(alice.id)


async def test_rendering_many_statuses_takes_as_many_queries_as_one(api: Api) -> None:
    alice, bob = await api.member("alice"), await api.member("bob")
    ids = []
    for n in range(6):
        status = await _post(api, alice if n % 2 else bob, text=f"post {n} #tag{n}",
                             poll=PollSpec(options=["a", "b"], expires_in=3600) if n == 3 else None)
        ids.append(status.id)
    async with api.services.sessions() as session:
        rows = [await session.get(Status, i) for i in ids]
        with counting_queries(api) as one:
            await render_statuses(session, api.services, bob, [r for r in rows[:1] if r], _urls(api))
        with counting_queries(api) as many:
            rendered = await render_statuses(session, api.services, bob, [r for r in rows if r], _urls(api))
    assert len(rendered) == 6
    assert len(many) <= len(one) + 2  # the poll votes query only runs when a poll is on the page


async def test_a_muted_conversation_shows_on_every_reply_however_deep(any_api: Api) -> None:
    api = any_api
    alice, bob = await api.member("alice"), await api.member("bob")
    root = await _post(api, alice, text="root")
    thread = [root]
    for n in range(3):
        async with api.services.sessions() as session, session.begin():
            reply = posting.NewStatus(text=f"reply {n}", in_reply_to_id=thread[-1].id)
            thread.append(await posting.create_status(session, api.services, alice, reply))
    other = await _post(api, alice, text="elsewhere")
    async with api.services.sessions() as session, session.begin():
        deep = await session.get(Status, thread[-1].id)
        assert deep is not None
        await relations.mute_conversation(session, bob, deep)
    rendered = await _render(api, bob, [s.id for s in [*thread, other]])
    assert [r["muted"] for r in rendered] == [True, True, True, True, False]
    assert all(r["muted"] is False for r in await _render(api, alice, [s.id for s in thread]))
