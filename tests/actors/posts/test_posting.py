"""Posting, editing, deleting, favouriting and boosting: rows and one job, in one transaction."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from actors.outgoing.fanout import FANOUT_KIND
from actors.posts import posting
from federation.services import Services
from storage.db import session_maker
from storage.errors import Forbidden, Invalid
from storage.models import (
    Actor,
    Favourite,
    Job,
    Mention,
    Notification,
    OutboxActivity,
    Status,
    StatusEdit,
    TimelineEntry,
    Tombstone,
)
from tests.actors.factories import (
    add,
    delivered,
    follows,
    jobs,
    local_actor,
    post,
    remote_actor,
    run_fanouts,
    seed,
)


async def count(engine: AsyncEngine, model: Any) -> int:
    async with session_maker(engine)() as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)


def test_plain_text_is_escaped_split_into_paragraphs_and_linkified() -> None:
    html = posting.plain_text_to_html("a <b> & c\nnext line\n\nsee https://example.org/x?y=1.")
    assert html.startswith("<p>a &lt;b&gt; &amp; c<br>next line</p><p>see <a href=\"https://example.org/x?y=1\"")
    assert html.endswith(">https://example.org/x?y=1</a>.</p>")
    assert "<a" not in posting.plain_text_to_html("javascript:alert(1)")
    assert "<script" not in posting.plain_text_to_html("<script>alert(1)</script>")


async def test_creating_a_status_writes_one_fanout_job_and_nothing_per_follower(
        services: Services, engine: AsyncEngine, author: Actor) -> None:
    followers = [remote_actor(f"r{i}", f"h{i}.example") for i in range(5)]
    followers += [local_actor(f"l{i}", keyed=False) for i in range(3)]
    await seed(engine, *followers)
    await add(engine, *follows(followers, author))
    status = await post(services, author)
    async with services.sessions() as session:
        queued = await jobs(session)
        entries = (await session.scalars(select(TimelineEntry.owner_id))).all()
    assert [(j.kind, j.payload) for j in queued] == [
        (FANOUT_KIND, {"verb": "create", "status_id": status.id})]
    assert entries == [author.id]
    assert await count(engine, OutboxActivity) == 0


async def test_a_status_gets_local_uri_url_mentions_and_sanitized_content(
        services: Services, engine: AsyncEngine, author: Actor) -> None:
    named = remote_actor("bo", "b.example")
    await seed(engine, named)
    status = await post(services, author, text="hi @bo", summary="<b>cw</b>", mentions=[named, named])
    assert status.uri == f"http://amity.test/users/ana/statuses/{status.id}"
    assert status.url == f"http://amity.test/@ana/{status.id}"
    assert status.content == "<p>hi @bo</p>" and status.source_text == "hi @bo"
    assert status.summary == "cw" and status.sensitive
    async with services.sessions() as session:
        assert (await session.scalars(select(Mention.actor_id))).all() == [named.id]


async def test_a_status_must_have_text_and_a_known_visibility(services: Services, author: Actor) -> None:
    with pytest.raises(Invalid, match="needs some text"):
        await post(services, author, text="  ")
    with pytest.raises(Invalid, match="visibility"):
        await post(services, author, visibility="friends")
    with pytest.raises(Invalid, match="Text character limit of"):
        await post(services, author, text="x" * (services.config.limits.max_status_chars + 1))


async def test_a_reply_counts_on_its_parent_and_points_at_it(
        services: Services, engine: AsyncEngine, author: Actor) -> None:
    parent = await post(services, author, text="first")
    reply = await post(services, author, text="second", in_reply_to_id=parent.id)
    async with services.sessions() as session:
        stored = await session.get(Status, parent.id)
    assert stored is not None and stored.replies_count == 1
    assert reply.in_reply_to_id == parent.id and reply.in_reply_to_uri == parent.uri


async def test_an_edit_keeps_the_previous_version_and_fans_out_an_update(
        services: Services, engine: AsyncEngine, author: Actor) -> None:
    fan = remote_actor("fan", "a.example")
    await seed(engine, fan)
    await add(engine, *follows([fan], author))
    status = await post(services, author, text="before")
    async with services.sessions() as session, session.begin():
        mine = await session.get(Status, status.id)
        assert mine is not None
        await posting.edit_status(session, services, author, mine, text="after")
    await run_fanouts(services)
    # The two fan-outs may run in either order: each renders the row as it is when it runs, so a
    # Create that goes second already carries the edit, and the peer ends up right either way.
    sent = {a["type"]: a for a in (await delivered(engine))["https://a.example/inbox"]}
    assert sorted(sent) == ["Create", "Update"]
    update = sent["Update"]
    assert update["id"].startswith(f"{status.uri}#updates/")
    assert update["object"]["content"] == "<p>after</p>" and "updated" in update["object"]
    async with services.sessions() as session:
        [edit] = (await session.scalars(select(StatusEdit))).all()
        assert edit.content == "<p>before</p>"


async def test_only_the_author_edits_or_deletes(
        services: Services, engine: AsyncEngine, author: Actor) -> None:
    other = local_actor("bea")
    await seed(engine, other)
    status = await post(services, author)
    async with services.sessions() as session:
        with pytest.raises(Forbidden):
            await posting.edit_status(session, services, other, status, text="mine now")
        with pytest.raises(Forbidden):
            await posting.delete_status(session, services, other, status)


async def test_delete_leaves_a_tombstone_and_sends_delete_to_everyone_who_got_it(
        services: Services, engine: AsyncEngine, author: Actor) -> None:
    fan = remote_actor("fan", "a.example")
    named = remote_actor("named", "b.example", shared=False)
    liker = remote_actor("liker", "c.example")
    await seed(engine, fan, named, liker)
    await add(engine, *follows([fan], author))
    status = await post(services, author, mentions=[named])
    await add(engine, Favourite(actor_id=liker.id, status_id=status.id, uri="https://c.example/likes/1"))
    async with services.sessions() as session, session.begin():
        await posting.delete_status(session, services, author, status)
    await run_fanouts(services)
    queued = await delivered(engine)
    assert sorted(queued) == ["https://a.example/inbox", "https://b.example/users/named/inbox",
                              "https://c.example/inbox"]
    delete = queued["https://c.example/inbox"][-1]
    assert delete["type"] == "Delete" and delete["object"] == {"id": status.uri, "type": "Tombstone"}
    async with services.sessions() as session:
        assert await session.get(Status, status.id) is None
        assert await session.get(Tombstone, status.uri) is not None


async def test_favouriting_twice_is_one_favourite_and_one_like_to_the_authors_inbox(
        services: Services, engine: AsyncEngine, author: Actor) -> None:
    remote = remote_actor("bo", "b.example")
    await seed(engine, remote)
    theirs = Status(uri="https://b.example/users/bo/statuses/1", actor_id=remote.id, content="<p>hi</p>")
    await add(engine, theirs)
    for _ in range(2):
        async with services.sessions() as session, session.begin():
            liked = await posting.favourite(session, services, author, theirs)
    assert liked.favourites_count == 1
    assert await count(engine, Favourite) == 1
    [[like]] = (await delivered(engine)).values()
    assert list(await delivered(engine)) == ["https://b.example/users/bo/inbox"]
    assert like["type"] == "Like" and like["object"] == theirs.uri and like["actor"] == author.uri


async def test_unfavourite_sends_undo_like_and_takes_the_count_back(
        services: Services, engine: AsyncEngine, author: Actor) -> None:
    remote = remote_actor("bo", "b.example")
    await seed(engine, remote)
    theirs = Status(uri="https://b.example/users/bo/statuses/1", actor_id=remote.id, content="<p>hi</p>")
    await add(engine, theirs)
    async with services.sessions() as session, session.begin():
        await posting.favourite(session, services, author, theirs)
    for _ in range(2):
        async with services.sessions() as session, session.begin():
            status = await posting.unfavourite(session, services, author, theirs)
    assert status.favourites_count == 0 and await count(engine, Favourite) == 0
    like, undo = (await delivered(engine))["https://b.example/users/bo/inbox"]
    assert undo["type"] == "Undo" and undo["object"] == {k: v for k, v in like.items() if k != "@context"}


async def test_favouriting_a_local_status_notifies_its_author_and_sends_nothing(
        services: Services, engine: AsyncEngine, author: Actor) -> None:
    bea = local_actor("bea")
    await seed(engine, bea)
    status = await post(services, author)
    async with services.sessions() as session, session.begin():
        await posting.favourite(session, services, bea, status)
    async with services.sessions() as session:
        notes = (await session.execute(select(Notification.recipient_id, Notification.type))).all()
    assert notes == [(author.id, "favourite")]
    assert await count(engine, OutboxActivity) == 0


async def test_boosting_twice_is_one_boost_announced_to_followers_and_the_original_author(
        services: Services, engine: AsyncEngine, author: Actor) -> None:
    fan = remote_actor("fan", "a.example")
    original_author = remote_actor("bo", "b.example")
    await seed(engine, fan, original_author)
    await add(engine, *follows([fan], author))
    theirs = Status(uri="https://b.example/users/bo/statuses/1", actor_id=original_author.id)
    await add(engine, theirs)
    boosts = []
    for _ in range(2):
        async with services.sessions() as session, session.begin():
            boosts.append(await posting.reblog(session, services, author, theirs))
    assert boosts[0].id == boosts[1].id and boosts[0].reblog_of_id == theirs.id
    await run_fanouts(services)
    queued = await delivered(engine)
    assert sorted(queued) == ["https://a.example/inbox", "https://b.example/inbox"]
    [announce] = queued["https://b.example/inbox"]
    assert announce["type"] == "Announce" and announce["id"] == boosts[0].uri
    assert announce["object"] == theirs.uri and original_author.uri in announce["cc"]
    async with services.sessions() as session:
        stored = await session.get(Status, theirs.id)
    assert stored is not None and stored.reblogs_count == 1


async def test_unboosting_sends_undo_announce_and_removes_the_boost(
        services: Services, engine: AsyncEngine, author: Actor) -> None:
    fan = remote_actor("fan", "a.example")
    original_author = remote_actor("bo", "b.example")
    await seed(engine, fan, original_author)
    await add(engine, *follows([fan], author))
    theirs = Status(uri="https://b.example/users/bo/statuses/1", actor_id=original_author.id)
    await add(engine, theirs)
    async with services.sessions() as session, session.begin():
        boost = await posting.reblog(session, services, author, theirs)
    await run_fanouts(services)
    async with services.sessions() as session, session.begin():
        await posting.unreblog(session, services, author, theirs)
    await run_fanouts(services)
    announce, undo = (await delivered(engine))["https://b.example/inbox"]
    assert undo["type"] == "Undo" and undo["object"]["id"] == announce["id"] == boost.uri
    async with services.sessions() as session:
        assert await session.get(Status, boost.id) is None
        stored = await session.get(Status, theirs.id)
    assert stored is not None and stored.reblogs_count == 0


async def test_a_boost_reaches_local_followers_home_timelines(
        services: Services, engine: AsyncEngine, author: Actor) -> None:
    reader = local_actor("bea", keyed=False)
    hider = local_actor("cy", keyed=False)
    writer = local_actor("dee")
    await seed(engine, reader, hider, writer)
    hidden = follows([hider], author)
    hidden[0].show_reblogs = False
    await add(engine, *follows([reader], author), *hidden)
    original = await post(services, writer)
    async with services.sessions() as session, session.begin():
        boost = await posting.reblog(session, services, author, original)
    await run_fanouts(services)
    async with services.sessions() as session:
        owners = set((await session.scalars(
            select(TimelineEntry.owner_id).where(TimelineEntry.status_id == boost.id))).all())
        notes = (await session.execute(select(Notification.recipient_id, Notification.type))).all()
    assert owners == {reader.id}
    assert notes == [(writer.id, "reblog")]


async def test_direct_and_others_private_statuses_cannot_be_boosted(
        services: Services, engine: AsyncEngine, author: Actor) -> None:
    bea = local_actor("bea")
    await seed(engine, bea)
    await add(engine, *follows([bea], author))
    for visibility in ("direct", "private"):
        status = await post(services, author, visibility=visibility, mentions=[bea])
        async with services.sessions() as session:
            with pytest.raises(Forbidden):
                await posting.reblog(session, services, bea, status)
    async with services.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(Job).where(
            Job.kind == FANOUT_KIND)) == 2
