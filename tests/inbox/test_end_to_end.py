"""From a Follow at the inbox to a signed Accept at the follower's inbox, over loopback."""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web

from federation.httpsig.signatures import PublicKeyInfo, verify_request
from storage.worker import drain
from tests.inbox.conftest import Node
from ui.app import make_worker


async def test_a_follow_is_answered_by_an_accept_signed_by_the_local_account(node: Node) -> None:
    bob = await node.local("bob")
    alice = node.remote()
    received: list[tuple[str, dict[str, str], bytes]] = []

    async def inbox(request: web.Request) -> web.Response:
        received.append((request.raw_path, dict(request.headers), await request.read()))
        return web.Response(status=202)

    node.peer.serve(alice.inbox, inbox)
    follow = alice.activity("Follow", bob.uri)
    assert (await node.post(alice, follow)).status == 202
    await drain(make_worker(node.client.app))  # every queue: the inbox job, then the delivery

    (path, headers, body) = received[0]
    assert len(received) == 1 and path == "/users/alice/inbox"
    accept: dict[str, Any] = json.loads(body)
    assert (accept["type"], accept["actor"], accept["object"]["id"]) == ("Accept", bob.uri, follow["id"])

    async def bobs_key(key_id: str, refresh: bool) -> PublicKeyInfo:
        assert key_id == bob.key_id
        return PublicKeyInfo(node.keys[2][1], bob.uri)

    verified = await verify_request("POST", path, headers, body, bobs_key, scheme="http")
    assert verified.owner == bob.uri
