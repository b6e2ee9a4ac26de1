"""The inbox maintenance job: processed bodies past the retention setting go, early Undos
past their time are forgotten, and the job queues its own next run (once)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import update

from inbox.maintenance import MAINTENANCE_KIND
from storage import settings
from storage.models import InboxItem, Job, UndoneActivity, utcnow
from storage.periodic import ensure_scheduled
from storage.queue import now_ms
from tests.inbox.conftest import Node


async def _items(node: Node) -> tuple[str, str, str]:
    """Three Follows by alice: processed 10 days ago, processed today, and 10 days old but
    never processed."""
    bob = await node.local("bob")
    alice = node.remote()
    await node.seed(alice)
    follows = [alice.activity("Follow", bob.uri, number=n) for n in (1, 2, 3)]
    for follow in follows:
        assert (await node.post(alice, follow)).status == 202
    await node.process()
    old, recent, stuck = (f["id"] for f in follows)
    async with node.services.sessions() as session, session.begin():
        await session.execute(update(InboxItem).where(InboxItem.activity_id.in_([old, stuck]))
                              .values(received_at=utcnow() - timedelta(days=10)))
        await session.execute(update(InboxItem).where(InboxItem.activity_id == stuck)
                              .values(processed_at=None))
    return old, recent, stuck


async def _run(node: Node) -> None:
    assert await ensure_scheduled(node.services.sessions, MAINTENANCE_KIND)
    await node.process()


async def test_processed_bodies_past_the_retention_are_deleted(node: Node) -> None:
    _, recent, stuck = await _items(node)
    await _run(node)
    kept = {item.activity_id for item in await node.rows(InboxItem)}
    assert kept == {recent, stuck}


async def test_the_retention_is_an_instance_setting(node: Node) -> None:
    await _items(node)
    async with node.services.sessions() as session, session.begin():
        await settings.set_value(session, "inbox_retention_days", 30)
    await _run(node)
    assert await node.count(InboxItem) == 3


async def test_expired_early_undos_are_forgotten(node: Node) -> None:
    async with node.services.sessions() as session, session.begin():
        session.add(UndoneActivity(uri="http://remote.test/a/1", actor_uri="http://remote.test/u",
                                   expires_at=utcnow() - timedelta(seconds=1)))
        session.add(UndoneActivity(uri="http://remote.test/a/2", actor_uri="http://remote.test/u",
                                   expires_at=utcnow() + timedelta(hours=1)))
    await _run(node)
    (left,) = await node.rows(UndoneActivity)
    assert left.uri.endswith("/a/2")


async def test_each_run_queues_one_next_run(node: Node) -> None:
    await _run(node)
    (queued,) = await node.jobs(MAINTENANCE_KIND)
    assert queued.run_after > now_ms() + 3_000_000  # in about an hour
    assert not await ensure_scheduled(node.services.sessions, MAINTENANCE_KIND)  # one is waiting
    assert await node.count(Job) == 1
