"""The follow relation of local accounts: following, unfollowing, answering requests."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from actors.social import follows
from storage.db import session_maker
from storage.errors import Forbidden, Invalid, NotFound
from storage.models import ACCEPTED, PENDING, Actor, Block, Follow, Job, Notification, OutboxActivity

BASE = "https://amity.test"


@pytest.fixture
async def session(engine: AsyncEngine) -> AsyncIterator[AsyncSession]:
    async with session_maker(engine)() as session, session.begin():
        yield session


async def _actor(session: AsyncSession, name: str, *, remote: bool = False, locked: bool = False) -> Actor:
    base = "https://remote.example" if remote else BASE
    uri = f"{base}/users/{name}"
    actor = Actor(username=name, domain="remote.example" if remote else None, uri=uri, locked=locked,
                  inbox_url=f"{uri}/inbox", key_id=f"{uri}#main-key")
    session.add(actor)
    await session.flush()
    return actor


async def _outbox(session: AsyncSession) -> list[OutboxActivity]:
    return list((await session.scalars(select(OutboxActivity).order_by(OutboxActivity.id))).all())


async def _count(session: AsyncSession, model: type[Follow] | type[Notification] | type[Job]) -> int:
    return int(await session.scalar(select(func.count()).select_from(model)) or 0)


async def test_following_an_unlocked_local_account_is_accepted_at_once(session: AsyncSession) -> None:
    ana, bob = await _actor(session, "ana"), await _actor(session, "bob")
    row = await follows.follow(session, ana, bob, base_url=BASE)
    assert row.state == ACCEPTED and row.uri.startswith(f"{BASE}/activities/")
    note = (await session.scalars(select(Notification))).one()
    assert (note.type, note.recipient_id, note.from_actor_id) == ("follow", bob.id, ana.id)
    assert await _outbox(session) == []


async def test_following_a_locked_local_account_is_a_request(session: AsyncSession) -> None:
    ana, bob = await _actor(session, "ana"), await _actor(session, "bob", locked=True)
    row = await follows.follow(session, ana, bob, base_url=BASE)
    assert row.state == PENDING
    assert (await session.scalars(select(Notification.type))).one() == "follow_request"


async def test_following_a_remote_account_sends_a_follow_and_waits(session: AsyncSession) -> None:
    ana, carol = await _actor(session, "ana"), await _actor(session, "carol", remote=True)
    row = await follows.follow(session, ana, carol, base_url=BASE)
    assert row.state == PENDING
    (sent,) = await _outbox(session)
    assert sent.actor_id == ana.id
    assert (sent.body["type"], sent.body["id"], sent.body["actor"], sent.body["object"]) == (
        "Follow", row.uri, ana.uri, carol.uri)
    (job,) = (await session.scalars(select(Job))).all()
    assert (job.kind, job.payload["inbox"]) == ("federation.deliver", carol.inbox_url)


async def test_following_twice_returns_the_same_follow(session: AsyncSession) -> None:
    ana, carol = await _actor(session, "ana"), await _actor(session, "carol", remote=True)
    first = await follows.follow(session, ana, carol, base_url=BASE)
    second = await follows.follow(session, ana, carol, base_url=BASE)
    assert first.id == second.id and len(await _outbox(session)) == 1


async def test_a_block_either_way_forbids_following(session: AsyncSession) -> None:
    ana, bob = await _actor(session, "ana"), await _actor(session, "bob")
    session.add(Block(actor_id=bob.id, target_id=ana.id, uri=f"{BASE}/blocks/1"))
    with pytest.raises(Forbidden):
        await follows.follow(session, ana, bob, base_url=BASE)


async def test_an_account_cannot_follow_itself_nor_a_remote_one_act(session: AsyncSession) -> None:
    ana, carol = await _actor(session, "ana"), await _actor(session, "carol", remote=True)
    with pytest.raises(Invalid):
        await follows.follow(session, ana, ana, base_url=BASE)
    with pytest.raises(Invalid, match="not a local account"):
        await follows.follow(session, carol, ana, base_url=BASE)


async def test_unfollowing_a_remote_account_sends_an_undo_of_the_follow(session: AsyncSession) -> None:
    ana, carol = await _actor(session, "ana"), await _actor(session, "carol", remote=True)
    row = await follows.follow(session, ana, carol, base_url=BASE)
    assert await follows.unfollow(session, ana, carol, base_url=BASE)
    assert await _count(session, Follow) == 0
    undo = (await _outbox(session))[-1].body
    assert undo["type"] == "Undo" and undo["object"] == {"id": row.uri, "type": "Follow", "actor": ana.uri,
                                                         "object": carol.uri}
    assert not await follows.unfollow(session, ana, carol, base_url=BASE)


async def test_accepting_a_remote_request_sends_an_accept(session: AsyncSession) -> None:
    bob, carol = await _actor(session, "bob", locked=True), await _actor(session, "carol", remote=True)
    await follows.receive_follow(session, carol, bob, "https://remote.example/follows/1", base_url=BASE)
    assert await _count(session, Notification) == 1
    row = await follows.accept_follow_request(session, bob, carol, base_url=BASE)
    assert row.state == ACCEPTED and await _count(session, Notification) == 0
    (accept,) = await _outbox(session)
    assert (accept.body["type"], accept.body["actor"], accept.body["object"]["id"]) == (
        "Accept", bob.uri, "https://remote.example/follows/1")
    await follows.accept_follow_request(session, bob, carol, base_url=BASE)  # again: nothing new
    assert len(await _outbox(session)) == 1


async def test_rejecting_a_remote_request_sends_a_reject(session: AsyncSession) -> None:
    bob, carol = await _actor(session, "bob", locked=True), await _actor(session, "carol", remote=True)
    await follows.receive_follow(session, carol, bob, "https://remote.example/follows/1", base_url=BASE)
    await follows.reject_follow_request(session, bob, carol, base_url=BASE)
    assert await _count(session, Follow) == 0
    assert [a.body["type"] for a in await _outbox(session)] == ["Reject"]
    with pytest.raises(NotFound):
        await follows.reject_follow_request(session, bob, carol, base_url=BASE)


async def test_removing_a_remote_follower_sends_a_reject(session: AsyncSession) -> None:
    bob, carol = await _actor(session, "bob"), await _actor(session, "carol", remote=True)
    await follows.receive_follow(session, carol, bob, "https://remote.example/follows/1", base_url=BASE)
    assert await follows.remove_from_followers(session, bob, carol, base_url=BASE)
    assert [a.body["type"] for a in await _outbox(session)] == ["Accept", "Reject"]
    assert not await follows.remove_from_followers(session, bob, carol, base_url=BASE)


async def test_answers_to_local_followers_send_nothing(session: AsyncSession) -> None:
    ana, bob = await _actor(session, "ana"), await _actor(session, "bob", locked=True)
    await follows.follow(session, ana, bob, base_url=BASE)
    await follows.accept_follow_request(session, bob, ana, base_url=BASE)
    await follows.remove_from_followers(session, bob, ana, base_url=BASE)
    assert await _outbox(session) == []


async def test_sever_removes_follows_both_ways(session: AsyncSession) -> None:
    ana, carol = await _actor(session, "ana"), await _actor(session, "carol", remote=True)
    await follows.follow(session, ana, carol, base_url=BASE)
    await follows.receive_follow(session, carol, ana, "https://remote.example/follows/1", base_url=BASE)
    assert await follows.sever(session, ana, carol) == 2
    assert await _count(session, Follow) == 0
