"""Hostile signatures and key documents at the inbox: counterfeit key documents, what a
signature must cover, weak keys, and the fetch budget of verification. Each test checks the
answer, that nothing was stored or queued, and what (if anything) was fetched."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from datetime import UTC, datetime
from email.utils import format_datetime
from typing import Any

import pytest
from aiohttp import web
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from federation.httpsig.fetch_gate import Budget
from federation.httpsig.keylookup import KEY_CACHE
from federation.httpsig.signatures import build_signing_string, digest_header, sign_request
from storage import settings
from storage.models import Actor, DomainRule, Status
from tests.inbox.conftest import Node
from tests.inbox.fakes import AS2_TYPE, LOCAL_HOST, RemoteActor
from tests.inbox.test_hostile import assert_untouched, bob, refused, signed, snapshot

__all__ = ["bob"]  # fixture


def counterfeit(actor: RemoteActor, key_id: str, public_pem: str, **changes: Any) -> dict[str, Any]:
    """`actor`'s own document, as an attacker who can upload files to its server forges it."""
    document = actor.document()
    document["publicKey"] = {"id": key_id, "owner": actor.uri, "publicKeyPem": public_pem}
    return {**document, **changes}


async def test_an_upload_claiming_a_victims_id_is_refetched_from_that_id(node: Node) -> None:
    victim = node.remote()
    upload = f"{victim.base}/media/abc.json"
    attacker_private, attacker_public = node.keys[1]
    node.peer.serve(upload, counterfeit(victim, upload, attacker_public))
    before = await snapshot(node)
    body, headers = signed(victim, victim.activity("Create", victim.note(1)), key_id=upload,
                           private_pem=attacker_private)
    assert "does not list key" in await refused(node, 401, body, headers)
    await assert_untouched(node, before, fetched=["remote.test/media/abc.json", "remote.test/users/alice"])


async def test_a_key_owner_is_the_actor_served_at_the_owners_own_id(node: Node) -> None:
    victim = node.remote()
    key_url, owner_url = f"{victim.base}/media/key.json", f"{victim.base}/media/actor.json"
    attacker_private, attacker_public = node.keys[1]
    key = {"id": key_url, "type": "Key", "owner": owner_url, "publicKeyPem": attacker_public}
    node.peer.serve(key_url, key)
    node.peer.serve(owner_url, counterfeit(victim, key_url, attacker_public))
    before = await snapshot(node)
    body, headers = signed(victim, victim.activity("Create", victim.note(1)), key_id=key_url,
                           private_pem=attacker_private)
    assert "not served at its id" in await refused(node, 401, body, headers)
    fetched = ["remote.test/media/key.json", "remote.test/media/actor.json", "remote.test/users/alice"]
    await assert_untouched(node, before, fetched=fetched)
    assert await node.count(Status) == 0 and await node.count(Actor) == before["Actor"]


def sign_covering(actor: RemoteActor, body: bytes, covered: list[str], *, host: str = LOCAL_HOST
                  ) -> dict[str, str]:
    """Headers for `body` signed by `actor` over `covered` only, addressed to `host`."""
    headers = {"Host": host, "Date": format_datetime(datetime.now(UTC), usegmt=True),
               "Digest": digest_header(body), "Content-Type": AS2_TYPE}
    text = build_signing_string(covered, method="POST", path_with_query="/inbox", headers=headers)
    key = serialization.load_pem_private_key(actor.private_pem.encode(), password=None)
    assert isinstance(key, rsa.RSAPrivateKey)
    signature = base64.b64encode(key.sign(text.encode(), padding.PKCS1v15(), hashes.SHA256())).decode()
    headers["Signature"] = (f'keyId="{actor.key_id}",algorithm="rsa-sha256",headers="{" ".join(covered)}",'
                            f'signature="{signature}"')
    return headers


@pytest.mark.parametrize("left_out", ["host", "date", "digest"])
async def test_a_post_that_does_not_sign_host_date_and_digest_is_401_without_fetching(
        node: Node, bob: Actor, left_out: str) -> None:
    alice = node.remote()
    before = await snapshot(node)
    body = json.dumps(alice.activity("Follow", bob.uri)).encode()
    covered = [name for name in ("(request-target)", "host", "date", "digest") if name != left_out]
    assert f"must cover {left_out}" in await refused(node, 401, body, sign_covering(alice, body, covered))
    await assert_untouched(node, before)


async def test_a_post_signed_for_another_server_is_401_without_fetching(node: Node, bob: Actor) -> None:
    alice = node.remote()
    before = await snapshot(node)
    body = json.dumps(alice.activity("Follow", bob.uri)).encode()
    headers = sign_covering(alice, body, ["(request-target)", "host", "date", "digest"], host="other.test")
    assert "not this server" in await refused(node, 401, body, headers)
    await assert_untouched(node, before)


async def test_a_key_under_2048_bits_is_401_with_its_reason(node: Node, bob: Actor) -> None:
    private, public = weak_rsa_keypair()
    alice = RemoteActor(f"http://remote.test:{node.peer.port}", "alice", private, public)
    node.peer.serve(alice.uri, alice.document())
    before = await snapshot(node)
    body, headers = signed(alice, alice.activity("Follow", bob.uri))
    assert "RSA keys under 2048 bits are refused" in await refused(node, 401, body, headers)
    await assert_untouched(node, before, fetched=["remote.test/users/alice"])


def weak_rsa_keypair() -> tuple[str, str]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=1024)
    private = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption()).decode()
    public = key.public_key().public_bytes(serialization.Encoding.PEM,
                                           serialization.PublicFormat.SubjectPublicKeyInfo).decode()
    return private, public


# --- one strict parser for the Signature header, at the inbox and for signed GETs -------------

@pytest.mark.parametrize(("change", "reason"), [
    (lambda value, other: f'x-keyid="{other}",{value}', "unknown parameter"),
    (lambda value, other: f'keyId="{other}",{value}', "repeats a parameter"),
    (lambda value, other: value.replace('algorithm="rsa-sha256"', "algorithm=rsa-sha256"), "not quoted"),
])
async def test_a_decoy_or_loose_signature_parameter_is_401_without_fetching(
        node: Node, bob: Actor, change: Callable[[str, str], str], reason: str) -> None:
    alice, mallory = node.remote(), node.remote("mallory", host="third.test", key=1)
    before = await snapshot(node)
    body, headers = signed(alice, alice.activity("Follow", bob.uri))
    headers["Signature"] = change(headers["Signature"], mallory.key_id)
    assert reason in await refused(node, 401, body, headers)
    await assert_untouched(node, before)


async def test_a_signed_get_with_a_decoy_key_id_is_refused_without_fetching(node: Node, bob: Actor) -> None:
    alice, mallory = node.remote(), node.remote("mallory", host="third.test", key=1)
    async with node.services.sessions() as session, session.begin():
        session.add(DomainRule(domain="third.test", policy="suspend"))
        await settings.set_value(session, "authorized_fetch", True)
    before = await snapshot(node)
    headers = sign_request("GET", f"http://{LOCAL_HOST}/users/bob/statuses/1", key_id=mallory.key_id,
                           private_key_pem=mallory.private_pem)
    headers["Signature"] = f'x-keyid="{alice.key_id}",{headers["Signature"]}'  # a key on an allowed domain
    response = await node.client.get("/users/bob/statuses/1", headers={**headers, "Accept": AS2_TYPE})
    assert response.status == 401, await response.text()
    assert "unknown parameter" in (await response.json())["error"]
    await assert_untouched(node, before)


# --- the budget of verification fetches ---------------------------------------------------------

async def test_forged_posts_naming_one_unknown_key_fetch_it_once(node: Node, bob: Actor) -> None:
    ghost = RemoteActor(f"http://remote.test:{node.peer.port}", "ghost", *node.keys[0])  # its document is 404
    before = await snapshot(node)
    reasons = []
    for number in range(5):
        body, headers = signed(ghost, ghost.activity("Follow", bob.uri, number=number))
        reasons.append(await refused(node, 401, body, headers))
    assert "404" in reasons[0] and all("not fetched again" in reason for reason in reasons[1:])
    await assert_untouched(node, before, fetched=["remote.test/users/ghost"])


async def test_a_host_over_its_fetch_budget_is_429_without_fetching(node: Node, bob: Actor) -> None:
    node.client.app[KEY_CACHE].fetches.budget = Budget(per_minute=2)
    actors = [node.remote(name) for name in ("alice", "carol", "dave")]
    for actor in actors[:2]:
        assert (await node.post(actor, actor.activity("Follow", bob.uri))).status == 202
    before = await snapshot(node)
    node.peer.hits.clear()
    node.recorder.attempts.clear()
    body, headers = signed(actors[2], actors[2].activity("Follow", bob.uri))
    assert "used its 2 key fetches of this minute" in await refused(node, 429, body, headers)
    await assert_untouched(node, before)


async def test_key_fetches_are_signed_by_the_instance_actor_at_every_hop(node: Node, bob: Actor) -> None:
    alice = node.remote()
    seen: list[tuple[str, str]] = []

    async def moved(request: web.Request) -> web.Response:
        seen.append((request.path, request.headers.get("Signature", "")))
        return web.Response(status=301, headers={"Location": alice.uri})

    async def document(request: web.Request) -> web.Response:
        seen.append((request.path, request.headers.get("Signature", "")))
        return web.json_response(alice.document(), content_type=AS2_TYPE)

    node.peer.serve(f"{alice.base}/keys/alice", moved)
    node.peer.serve(alice.uri, document)
    response = await node.post(alice, alice.activity("Follow", bob.uri), key_id=f"{alice.base}/keys/alice")
    assert response.status == 401  # the actor does not list that key; what matters is how it was asked
    assert [path for path, _ in seen] == ["/keys/alice", "/users/alice"]
    for _, signature in seen:
        assert 'keyId="http://amity.test/actor#main-key"' in signature
    assert seen[0][1] != seen[1][1]  # each hop signed for its own target
