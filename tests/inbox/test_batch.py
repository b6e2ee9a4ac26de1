"""Concurrent inbox POSTs share commits, and each is still stored exactly once."""

from __future__ import annotations

import asyncio

from storage.models import InboxItem, Job
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
