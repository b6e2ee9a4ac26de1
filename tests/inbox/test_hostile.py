"""Hostile input at the inbox. Each test checks the answer, that nothing was stored (no inbox
item, no actor or status row) or queued (no job), and that nothing was fetched but the keyId
document. No packet leaves the machine: names resolve through the fake resolver, and the
recorder sees every connection attempt."""

from __future__ import annotations

import base64
import hashlib
import io
import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from aiohttp import web

from storage.models import Actor, InboxItem, Job, Status
from tests.inbox.conftest import Node
from tests.inbox.fakes import AS2_TYPE, RemoteActor

Snapshot = dict[str, int]


async def snapshot(node: Node) -> Snapshot:
    return {model.__name__: await node.count(model) for model in (InboxItem, Actor, Status, Job)}


async def assert_untouched(node: Node, before: Snapshot, *, fetched: list[str] | None = None) -> None:
    """Nothing stored or queued; the peer saw only `fetched` (keyId documents)."""
    assert await snapshot(node) == before
    assert node.peer.hits == (fetched or [])
    allowed = {("127.0.0.1", node.peer.port)}
    assert set(node.recorder.attempts) <= allowed
    if not fetched:
        assert node.recorder.attempts == []


async def refused(node: Node, status: int, body: bytes, headers: dict[str, str], *,
                  path: str = "/inbox") -> str:
    response = await node.client.post(path, data=io.BytesIO(body), headers=headers)
    assert response.status == status, await response.text()
    assert response.content_type == "application/json"
    error = (await response.json())["error"]
    assert isinstance(error, str) and error
    return error


def signed(actor: RemoteActor, activity: dict[str, Any], **options: Any) -> tuple[bytes, dict[str, str]]:
    body = json.dumps(activity).encode()
    return body, {**actor.sign(body, **options), "Content-Type": AS2_TYPE}


@pytest.fixture
async def bob(node: Node) -> Actor:
    return await node.local("bob")


async def test_an_unsigned_post_is_401(node: Node, bob: Actor) -> None:
    alice = node.remote()
    before = await snapshot(node)
    body = json.dumps(alice.activity("Follow", bob.uri)).encode()
    error = await refused(node, 401, body, {"Content-Type": AS2_TYPE})
    assert "not signed" in error
    await assert_untouched(node, before)


@pytest.mark.parametrize("cached", [False, True])
async def test_a_wrong_key_is_401_after_at_most_two_key_fetches(node: Node, bob: Actor, cached: bool) -> None:
    alice = node.remote()
    if cached:
        await node.seed(alice)
    before = await snapshot(node)
    other_private = node.keys[1][0]
    body, headers = signed(alice, alice.activity("Follow", bob.uri), private_pem=other_private)
    error = await refused(node, 401, body, headers)
    assert "does not verify" in error
    # Cached: one refetch for rotation. Not cached: the key fetched for this request is not refetched.
    await assert_untouched(node, before, fetched=["remote.test/users/alice"])


async def test_a_tampered_body_is_401_without_fetching(node: Node, bob: Actor) -> None:
    alice = node.remote()
    before = await snapshot(node)
    body, headers = signed(alice, alice.activity("Follow", bob.uri))
    tampered = body.replace(b"Follow", b"Block ")
    assert "does not match" in await refused(node, 401, tampered, headers)
    await assert_untouched(node, before)


OTHER_DIGEST = "SHA-256=" + base64.b64encode(hashlib.sha256(b"{}").digest()).decode()


@pytest.mark.parametrize("digest", [None, OTHER_DIGEST, "MD5=abc"])
async def test_a_missing_or_wrong_digest_is_401_without_fetching(node: Node, bob: Actor,
                                                                 digest: str | None) -> None:
    alice = node.remote()
    before = await snapshot(node)
    body, headers = signed(alice, alice.activity("Follow", bob.uri))
    headers.pop("Digest")
    if digest is not None:
        headers["Digest"] = digest
    await refused(node, 401, body, headers)
    await assert_untouched(node, before)


@pytest.mark.parametrize("offset", [timedelta(hours=-3), timedelta(hours=3)])
async def test_a_date_outside_the_window_is_401_without_fetching(node: Node, bob: Actor,
                                                                 offset: timedelta) -> None:
    alice = node.remote()
    before = await snapshot(node)
    body, headers = signed(alice, alice.activity("Follow", bob.uri), now=datetime.now(UTC) + offset)
    assert "Date" in await refused(node, 401, body, headers)
    await assert_untouched(node, before)


@pytest.mark.parametrize("kind", ["Follow", "Like", "Announce", "Block", "Undo"])
async def test_a_key_on_another_host_than_the_actor_is_401_without_fetching(node: Node, bob: Actor,
                                                                            kind: str) -> None:
    alice, mallory = node.remote(), node.remote("mallory", host="third.test", key=1)
    before = await snapshot(node)
    body, headers = signed(mallory, alice.activity(kind, bob.uri))
    assert "another server" in await refused(node, 401, body, headers)
    await assert_untouched(node, before)


@pytest.mark.parametrize("kind", ["Create", "Update", "Delete"])
async def test_an_object_on_a_third_origin_is_400_without_fetching(node: Node, kind: str) -> None:
    alice, carol = node.remote(), node.remote("carol", host="third.test", key=1)
    before = await snapshot(node)
    body, headers = signed(alice, alice.activity(kind, carol.note(1, attributedTo=alice.uri)))
    assert "actor's server" in await refused(node, 400, body, headers)
    await assert_untouched(node, before)


async def test_an_activity_id_on_another_origin_is_400(node: Node, bob: Actor) -> None:
    alice = node.remote()
    before = await snapshot(node)
    activity = alice.activity("Follow", bob.uri, id=f"http://third.test:{node.peer.port}/activities/1")
    body, headers = signed(alice, activity)
    assert "id is not on its actor's server" in await refused(node, 400, body, headers)
    await assert_untouched(node, before)


async def test_a_replayed_activity_is_a_202_that_queues_nothing(node: Node, bob: Actor) -> None:
    alice = node.remote()
    await node.seed(alice)
    body, headers = signed(alice, alice.activity("Follow", bob.uri))
    assert (await node.client.post("/inbox", data=body, headers=headers)).status == 202
    before = await snapshot(node)
    assert before["InboxItem"] == 1 and before["Job"] == 1
    again = await node.client.post("/inbox", data=body, headers=headers)
    assert again.status == 202
    await assert_untouched(node, before)


async def test_a_body_over_the_cap_is_413(node: Node, bob: Actor) -> None:
    alice = node.remote()
    before = await snapshot(node)
    limit = node.services.config.limits.max_request_bytes
    body, headers = signed(alice, alice.activity("Follow", bob.uri, padding="x" * limit))
    assert "limit" in await refused(node, 413, body, headers)
    await assert_untouched(node, before)


async def test_a_chunked_body_over_the_cap_is_413(node: Node, bob: Actor) -> None:
    alice = node.remote()
    before = await snapshot(node)
    limit = node.services.config.limits.max_request_bytes
    body, headers = signed(alice, alice.activity("Follow", bob.uri, padding="x" * limit))

    async def chunks() -> AsyncIterator[bytes]:
        for start in range(0, len(body), 65_536):
            yield body[start:start + 65_536]

    response = await node.client.post("/inbox", data=chunks(), headers=headers)
    assert response.status == 413
    await assert_untouched(node, before)


@pytest.mark.parametrize("body", [b"{not json", b"[1, 2]", b'"text"', b"", b'{"a": NaN}', b"\xff\xfe"])
async def test_invalid_json_is_400(node: Node, body: bytes) -> None:
    alice = node.remote()
    before = await snapshot(node)
    headers = {**alice.sign(body), "Content-Type": AS2_TYPE}
    await refused(node, 400, body, headers)
    await assert_untouched(node, before)


@pytest.mark.parametrize("missing", ["id", "type", "actor"])
async def test_an_activity_without_id_type_or_actor_is_400(node: Node, bob: Actor, missing: str) -> None:
    alice = node.remote()
    before = await snapshot(node)
    activity = alice.activity("Follow", bob.uri)
    del activity[missing]
    body, headers = signed(alice, activity)
    assert f"no {missing}" in await refused(node, 400, body, headers)
    await assert_untouched(node, before)


async def test_json_ld_nested_a_thousand_deep_is_400(node: Node, bob: Actor) -> None:
    alice = node.remote()
    before = await snapshot(node)
    activity = alice.activity("Follow", bob.uri)
    text = json.dumps(activity)[:-1] + ', "@context": ' + '{"a": ' * 1000 + "1" + "}" * 1000 + "}"
    body = text.encode()
    headers = {**alice.sign(body), "Content-Type": AS2_TYPE}
    assert "nested deeper" in await refused(node, 400, body, headers)
    await assert_untouched(node, before)


# --- SSRF: addresses the node must never connect to -------------------------------------------

FORBIDDEN_HOSTS = ["127.0.0.1", "10.0.0.1", "[::1]", "169.254.169.254", "0.0.0.0", "[::ffff:127.0.0.1]",
                   "evil.test"]


@pytest.mark.parametrize("host", FORBIDDEN_HOSTS)
async def test_a_key_id_on_a_forbidden_address_is_never_fetched(node: Node, bob: Actor, host: str) -> None:
    node.resolver.table["evil.test"] = ["127.0.0.1"]  # a name that resolves to loopback
    private, public = node.keys[0]
    attacker = RemoteActor(f"http://{host}", "x", private, public)
    before = await snapshot(node)
    body, headers = signed(attacker, attacker.activity("Follow", bob.uri))
    assert "not a public address" in await refused(node, 401, body, headers)
    await assert_untouched(node, before)


async def test_a_key_id_redirecting_to_loopback_is_refused_at_the_second_hop(node: Node, bob: Actor) -> None:
    alice = node.remote()

    async def to_loopback(request: web.Request) -> web.Response:
        return web.Response(status=302, headers={"Location": f"http://127.0.0.1:{node.peer.port}/admin"})

    node.peer.serve(alice.uri, to_loopback)
    before = await snapshot(node)
    body, headers = signed(alice, alice.activity("Follow", bob.uri))
    assert "not a public address" in await refused(node, 401, body, headers)
    await assert_untouched(node, before, fetched=["remote.test/users/alice"])


@pytest.mark.parametrize("host", [*FORBIDDEN_HOSTS, "redirect"])
async def test_in_reply_to_on_a_forbidden_address_is_never_fetched(node: Node, host: str) -> None:
    node.resolver.table["evil.test"] = ["127.0.0.1"]
    alice = node.remote()
    await node.followed(alice)  # its key is known: nothing needs fetching for the signature
    target = f"http://{host}/users/x/statuses/1"
    if host == "redirect":
        target = f"{alice.base}/bounce"
        node.peer.serve(target, lambda request: _redirect(f"http://127.0.0.1:{node.peer.port}/admin"))
    await node.deliver(alice, alice.activity("Create", alice.note(1, inReplyTo=target)))
    (status,) = await node.rows(Status)
    assert status.in_reply_to_uri == target and status.in_reply_to_id is None
    assert node.peer.hits == ([] if host != "redirect" else ["remote.test/bounce"])
    assert set(node.recorder.attempts) <= {("127.0.0.1", node.peer.port)}
    assert len(node.recorder.attempts) == (1 if host == "redirect" else 0)


async def _redirect(location: str) -> web.Response:
    return web.Response(status=302, headers={"Location": location})


async def test_attachments_on_forbidden_addresses_are_never_fetched(node: Node) -> None:
    node.resolver.table["evil.test"] = ["127.0.0.1"]
    alice = node.remote()
    await node.followed(alice)
    attachments = [{"type": "Document", "mediaType": "image/png", "url": f"http://{host}/a.png"}
                   for host in FORBIDDEN_HOSTS]
    await node.deliver(alice, alice.activity("Create", alice.note(1, attachment=attachments,
                                                                  icon={"url": "http://10.0.0.1/i"})))
    assert await node.count(Status) == 1
    assert node.recorder.attempts == [] and node.resolver.lookups == [] and node.peer.hits == []


async def test_an_activity_signed_by_another_actor_of_the_same_server_is_401(node: Node, bob: Actor) -> None:
    alice, mallory = node.remote(), node.remote("mallory", key=1)
    before = await snapshot(node)
    body, headers = signed(mallory, alice.activity("Like", f"{bob.uri}/statuses/1"))
    assert "not by the activity's actor" in await refused(node, 401, body, headers)
    await assert_untouched(node, before, fetched=["remote.test/users/mallory"])
