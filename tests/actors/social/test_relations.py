"""Bookmarks, pins (the featured collection, announced with Add/Remove), mutes, muted
conversations and hidden domains, and how they silence notifications."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from actors.posts import posting
from actors.reading.notifications import notify
from actors.social import relations
from actors.social.muting import muted_ids
from federation.services import Services
from storage.errors import Invalid, NotFound
from storage.models import Actor, Bookmark, Follow, Mute, Notification, Status, utcnow
from tests.actors.factories import add, delivered, follows, local_actor, post, remote_actor, run_fanouts, seed


async def _count(services: Services, model: type) -> int:
    async with services.sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)


async def _notifications(services: Services) -> list[str]:
    async with services.sessions() as session:
        return list((await session.scalars(select(Notification.type).order_by(Notification.id))).all())


async def test_bookmarks_are_idempotent_and_need_a_visible_status(
        services: Services, engine: AsyncEngine, author: Actor) -> None:
    bea = local_actor("bea")
    await seed(engine, bea)
    public = await post(services, bea, text="open to all")
    secret = await post(services, bea, text="just for me", visibility="direct")
    async with services.sessions() as session, session.begin():
        for _ in range(2):
            await relations.bookmark(session, author, public)
    assert await _count(services, Bookmark) == 1
    with pytest.raises(NotFound):
        async with services.sessions() as session, session.begin():
            await relations.bookmark(session, author, secret)
    async with services.sessions() as session, session.begin():
        await relations.unbookmark(session, author, public)
        await relations.unbookmark(session, author, public)
    assert await _count(services, Bookmark) == 0


async def test_pins_federate_as_add_and_remove_to_followers(
        services: Services, engine: AsyncEngine, author: Actor) -> None:
    fan = remote_actor("fan", "b.example")
    await seed(engine, fan)
    await add(engine, *follows([fan], author))
    status = await post(services, author, text="our opening hours")
    await run_fanouts(services)
    async with services.sessions() as session, session.begin():
        await relations.pin(session, author, status)
        await relations.pin(session, author, status)  # once is enough
    async with services.sessions() as session, session.begin():
        assert [s.id for s in await relations.pinned_statuses(session, author)] == [status.id]
        await relations.unpin(session, author, status)
    await run_fanouts(services)
    sent = [a for a in (await delivered(engine))["https://b.example/inbox"] if a["type"] in ("Add", "Remove")]
    assert [a["type"] for a in sent] == ["Add", "Remove"]
    assert {a["object"] for a in sent} == {status.uri}
    assert {a["target"] for a in sent} == {f"{author.uri}/collections/featured"}


async def test_pin_rules(services: Services, engine: AsyncEngine, author: Actor) -> None:
    bea = local_actor("bea")
    await seed(engine, bea)
    theirs = await post(services, bea, text="not yours")
    direct = await post(services, author, text="@bea psst", visibility="direct")
    mine = [await post(services, author, text=f"post {n}") for n in range(relations.MAX_PINS + 1)]
    for status, message in ((theirs, "Someone else's post cannot be pinned"),
                            (direct, "only visible to mentioned users cannot be pinned")):
        with pytest.raises(Invalid, match=message):
            async with services.sessions() as session, session.begin():
                await relations.pin(session, author, status)
    async with services.sessions() as session, session.begin():
        for status in mine[:-1]:
            await relations.pin(session, author, status)
    with pytest.raises(Invalid, match="You have already pinned the maximum number of posts"):
        async with services.sessions() as session, session.begin():
            await relations.pin(session, author, mine[-1])


async def _favourite_from(services: Services, fan: Actor, status: Status) -> None:
    async with services.sessions() as session, session.begin():
        await posting.favourite(session, services, fan, status)


async def test_a_mute_silences_notifications_until_it_expires(
        services: Services, engine: AsyncEngine, author: Actor) -> None:
    bea, cai = local_actor("bea"), local_actor("cai")
    await seed(engine, bea, cai)
    status = await post(services, author, text="a post")
    async with services.sessions() as session, session.begin():
        await relations.mute(session, author, bea)
        await relations.mute(session, author, cai, notifications=False)
    await _favourite_from(services, bea, status)
    await _favourite_from(services, cai, status)
    assert await _notifications(services) == ["favourite"]  # cai's: muted, but notifications kept
    async with services.sessions() as session, session.begin():
        assert await muted_ids(session, author.id) == {bea.id, cai.id}
        row = await session.scalar(select(Mute).where(Mute.target_id == bea.id))
        assert row is not None
        row.expires_at = utcnow() - timedelta(seconds=1)
    async with services.sessions() as session:
        assert await muted_ids(session, author.id) == {cai.id}
    await _favourite_from(services, bea, await post(services, author, text="another"))
    assert await _notifications(services) == ["favourite", "favourite"]


async def test_muting_yourself_or_for_too_long_is_refused(
        services: Services, engine: AsyncEngine, author: Actor) -> None:
    bea = local_actor("bea")
    await seed(engine, bea)
    with pytest.raises(Invalid, match="yourself"):
        async with services.sessions() as session, session.begin():
            await relations.mute(session, author, author)
    with pytest.raises(Invalid, match="seconds"):
        async with services.sessions() as session, session.begin():
            await relations.mute(session, author, bea, duration_seconds=-5)
    assert await _count(services, Mute) == 0


async def test_a_muted_conversation_sends_no_more_notifications(
        services: Services, engine: AsyncEngine, author: Actor) -> None:
    bea = local_actor("bea")
    await seed(engine, bea)
    root = await post(services, author, text="thread start")
    reply = await post(services, bea, text="a reply", in_reply_to_id=root.id)
    async with services.sessions() as session, session.begin():
        await relations.mute_conversation(session, author, reply)  # any post of the thread mutes it all
    await _favourite_from(services, bea, root)
    assert await _notifications(services) == []
    async with services.sessions() as session, session.begin():
        await relations.unmute_conversation(session, author, root)
    await _favourite_from(services, bea, reply := await post(services, author, text="mine, elsewhere"))
    assert reply is not None and await _notifications(services) == ["favourite"]


async def test_hiding_a_domain_drops_its_followers_and_its_notifications(
        services: Services, engine: AsyncEngine, author: Actor) -> None:
    fan, other = remote_actor("fan", "spam.example"), remote_actor("pal", "b.example")
    await seed(engine, fan, other)
    await add(engine, *follows([fan, other], author))
    async with services.sessions() as session, session.begin():
        name = await relations.block_domain(session, author, " HTTPS://Spam.Example/ ",
                                            local_domain="amity.test")
    assert name == "spam.example"
    async with services.sessions() as session:
        followers = (await session.scalars(select(Follow.follower_id))).all()
    assert followers == [other.id]
    status = await post(services, author, text="hello")
    async with services.sessions() as session, session.begin():  # as the inbox does for a Like
        assert await notify(session, author, "favourite", fan, status.id) is None
        assert await notify(session, author, "favourite", other, status.id) is not None
    assert await _notifications(services) == ["favourite"]
    for bad in ("", "not a domain", "amity.test"):
        with pytest.raises(Invalid):
            async with services.sessions() as session, session.begin():
                await relations.block_domain(session, author, bad, local_domain="amity.test")
