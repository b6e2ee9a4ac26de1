"""Concurrent inbox POSTs share commits, and each is still stored exactly once."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from storage.models import Host, InboxItem, Job
from tests.inbox.conftest import Node


async def test_concurrent_posts_are_each_stored_once_with_one_job(node: Node) -> None:
    await node.local("bob")
    alice = node.remote()
    await node.seed(alice)
    activities = [alice.activity("Like", f"{node.services.base_url}/users/bob/statuses/{n}", number=n)
                  for n in range(40)]
    responses = await asyncio.gather(*(node.post(alice, a) for a in activities))
    assert [r.status for r in responses] == [202] * 40
    stored = {row.activity_id for row in await node.rows(InboxItem)}
    assert stored == {a["id"] for a in activities}
    assert await node.count(Job, Job.kind == "inbox.process") == 40


async def test_the_same_activity_twice_in_one_batch_is_stored_once(node: Node) -> None:
    await node.local("bob")
    alice = node.remote()
    await node.seed(alice)
    like = alice.activity("Like", f"{node.services.base_url}/users/bob/statuses/1")
    responses = await asyncio.gather(*(node.post(alice, like) for _ in range(5)))
    assert [r.status for r in responses] == [202] * 5
    assert await node.count(InboxItem) == 1
    assert await node.count(Job, Job.kind == "inbox.process") == 1


async def test_a_failing_host_that_sends_us_a_signed_activity_is_marked_alive(node: Node) -> None:
    await node.local("bob")
    alice = node.remote()
    await node.seed(alice)
    domain = alice.base.split("://", 1)[1]
    past = datetime.now(UTC) - timedelta(days=3)
    async with node.services.sessions() as session, session.begin():
        session.add(Host(domain=domain, failing_since=past, consecutive_failures=9, unreachable=True,
                         next_probe_at=datetime.now(UTC) + timedelta(hours=5)))
    like = alice.activity("Like", f"{node.services.base_url}/users/bob/statuses/1")
    assert (await node.post(alice, like)).status == 202
    [host] = await node.rows(Host)
    assert (host.unreachable, host.failing_since, host.next_probe_at) == (False, None, None)
