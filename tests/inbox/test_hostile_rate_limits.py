"""Inbox rate limits: per signing key's server and per client address, counted before the body
is read or the signature checked; a refused POST stores, queues and fetches nothing."""

from __future__ import annotations

import json

from storage import settings
from storage.models import InboxItem, Job
from tests.inbox.conftest import Node
from tests.inbox.fakes import AS2_TYPE


async def _limit(node: Node, key: str, value: str) -> None:
    async with node.services.sessions() as session, session.begin():
        await settings.set_value(session, key, value)


async def test_a_flooding_server_gets_429_and_nothing_is_stored_or_queued(node: Node) -> None:
    await _limit(node, "rate_limit_inbox_host", "2/5m")
    bob = await node.local("bob")
    alice, carol = node.remote("alice"), node.remote("carol", key=1)
    for number in (1, 2):
        assert (await node.post(alice, alice.activity("Follow", bob.uri, number=number))).status == 202
    refused = await node.post(carol, carol.activity("Follow", bob.uri, number=3))  # same server
    assert refused.status == 429
    assert refused.headers["X-RateLimit-Limit"] == "2" and refused.headers["X-RateLimit-Remaining"] == "0"
    assert int(refused.headers["Retry-After"]) >= 1 and refused.headers["X-RateLimit-Reset"]
    assert (await refused.json())["error"].startswith("Too many requests")
    assert await node.count(InboxItem) == 2 and await node.count(Job) == 2
    assert node.peer.hits == ["remote.test/users/alice"]  # carol's key was never fetched


async def test_other_servers_keep_their_own_count(node: Node) -> None:
    await _limit(node, "rate_limit_inbox_host", "1/5m")
    bob = await node.local("bob")
    alice, dora = node.remote("alice"), node.remote("dora", host="third.test", key=1)
    assert (await node.post(alice, alice.activity("Follow", bob.uri))).status == 202
    assert (await node.post(dora, dora.activity("Follow", bob.uri))).status == 202
    assert (await node.post(alice, alice.activity("Follow", bob.uri, number=2))).status == 429


async def test_one_address_is_limited_whatever_servers_it_signs_for(node: Node) -> None:
    await _limit(node, "rate_limit_inbox_ip", "2/5m")
    bob = await node.local("bob")
    alice = node.remote("alice")
    unsigned = await node.client.post("/inbox", data=b"{}", headers={"Content-Type": AS2_TYPE})
    assert unsigned.status == 401  # counted too: it came from this address
    assert (await node.post(alice, alice.activity("Follow", bob.uri))).status == 202
    dora = node.remote("dora", host="third.test", key=1)
    body = json.dumps(dora.activity("Follow", bob.uri)).encode()
    refused = await node.client.post(f"/users/{bob.username}/inbox", data=body, headers={
        **dora.sign(body, path=f"/users/{bob.username}/inbox"), "Content-Type": AS2_TYPE})
    assert refused.status == 429
    assert await node.count(InboxItem) == 1 and await node.count(Job) == 1
