"""The inbox endpoints: which requests get in, and what they leave behind."""

from __future__ import annotations

import io
import json
from dataclasses import dataclass
from datetime import UTC, datetime

import pytest
from http_message_signatures import HTTPMessageSigner, MappingKeyResolver, algorithms

from storage import settings
from storage.models import Actor, DomainRule, InboxItem, Job
from tests.inbox.conftest import Node
from tests.inbox.fakes import AS2_TYPE, LOCAL_HOST, RemoteActor


@dataclass
class Message:
    """The request shape http-message-signatures signs."""

    method: str
    url: str
    headers: dict[str, str]


def rfc9421_headers(actor: RemoteActor, body: bytes, path: str = "/inbox") -> dict[str, str]:
    message = Message("POST", f"http://{LOCAL_HOST}{path}", {"Host": LOCAL_HOST, "Content-Type": AS2_TYPE})
    resolver = MappingKeyResolver(public_keys={}, private_keys={actor.key_id: actor.private_pem.encode()})
    signer = HTTPMessageSigner(signature_algorithm=algorithms.RSA_V1_5_SHA256, key_resolver=resolver)
    signer.sign(message, key_id=actor.key_id, created=datetime.now(UTC),
                covered_component_ids=("@method", "@target-uri", "content-type"), body=body)
    return message.headers


async def test_an_accepted_post_is_stored_queued_and_answered_202(node: Node) -> None:
    bob = await node.local("bob")
    alice = node.remote()
    activity = alice.activity("Follow", bob.uri)
    response = await node.post(alice, activity)
    assert response.status == 202
    item = await node.item(activity["id"])
    assert (item.actor_uri, item.signer_uri, item.body) == (alice.uri, alice.uri, activity)
    (job,) = await node.jobs()
    assert (job.kind, job.payload) == ("inbox.process", {"item_id": item.id})
    (stored,) = await node.rows(Actor, Actor.uri == alice.uri)
    assert stored.key_id == alice.key_id and stored.public_key_pem == alice.public_pem
    assert node.peer.hits == ["remote.test/users/alice"]


async def test_a_known_key_is_not_fetched_again(node: Node) -> None:
    bob = await node.local("bob")
    alice = node.remote()
    await node.seed(alice)
    assert (await node.post(alice, alice.activity("Follow", bob.uri))).status == 202
    assert node.peer.hits == [] and node.recorder.attempts == []


async def test_a_rotated_key_is_fetched_once_and_stored(node: Node) -> None:
    bob = await node.local("bob")
    alice = node.remote()
    await node.seed(alice)
    rotated = node.remote(key=1)  # the peer now serves alice with key 1
    assert (await node.post(rotated, alice.activity("Follow", bob.uri))).status == 202
    assert node.peer.hits == ["remote.test/users/alice"]
    (stored,) = await node.rows(Actor, Actor.uri == alice.uri)
    assert stored.public_key_pem == rotated.public_pem


async def test_the_personal_inbox_accepts_for_an_existing_account(node: Node) -> None:
    bob = await node.local("bob")
    alice = node.remote()
    response = await node.post(alice, alice.activity("Follow", bob.uri), path="/users/bob/inbox")
    assert response.status == 202


async def test_the_personal_inbox_of_an_unknown_account_is_404(node: Node) -> None:
    alice = node.remote()
    response = await node.post(alice, alice.activity("Follow", "x"), path="/users/nobody/inbox")
    assert response.status == 404 and "nobody" in (await response.json())["error"]
    assert await node.count(InboxItem) == 0 and node.peer.hits == []


async def test_the_instance_actor_inbox_accepts(node: Node) -> None:
    alice = node.remote()
    follow = alice.activity("Follow", f"http://{LOCAL_HOST}/actor")
    response = await node.post(alice, follow, path="/actor/inbox")
    assert response.status == 202


async def test_an_rfc9421_signed_post_is_accepted(node: Node) -> None:
    bob = await node.local("bob")
    alice = node.remote()
    body = json.dumps(alice.activity("Follow", bob.uri)).encode()
    response = await node.client.post("/inbox", data=body, headers=rfc9421_headers(alice, body))
    assert response.status == 202, await response.text()
    assert await node.count(InboxItem) == 1


async def test_an_rfc9421_signed_post_with_a_tampered_body_is_401(node: Node) -> None:
    bob = await node.local("bob")
    alice = node.remote()
    body = json.dumps(alice.activity("Follow", bob.uri)).encode()
    headers = rfc9421_headers(alice, body)
    response = await node.client.post("/inbox", data=body.replace(b"Follow", b"Block "), headers=headers)
    assert response.status == 401
    assert "Content-Digest" in (await response.json())["error"]
    assert await node.count(InboxItem) == 0 and await node.count(Job) == 0 and node.peer.hits == []


async def test_an_rfc9421_signature_for_another_path_is_401(node: Node) -> None:
    bob = await node.local("bob")
    alice = node.remote()
    body = json.dumps(alice.activity("Follow", bob.uri)).encode()
    response = await node.client.post("/users/bob/inbox", data=body, headers=rfc9421_headers(alice, body))
    assert response.status == 401
    assert await node.count(InboxItem) == 0


@pytest.mark.parametrize("rule_domain", ["remote.test", "test"])
async def test_a_suspended_signer_domain_is_403_before_any_fetch(node: Node, rule_domain: str) -> None:
    bob = await node.local("bob")
    alice = node.remote()
    async with node.services.sessions() as session, session.begin():
        session.add(DomainRule(domain=rule_domain, policy="suspend"))
    response = await node.post(alice, alice.activity("Follow", bob.uri))
    assert response.status == 403 and "suspended" in (await response.json())["error"]
    assert node.peer.hits == [] and await node.count(InboxItem) == 0


async def test_a_forwarded_activity_of_a_suspended_actor_is_403(node: Node) -> None:
    alice, charlie = node.remote(), node.remote("charlie", host="forwarder.test", key=1)
    async with node.services.sessions() as session, session.begin():
        session.add(DomainRule(domain="remote.test", policy="suspend"))
    response = await node.post(charlie, alice.activity("Create", alice.note(1)))
    assert response.status == 403
    assert node.peer.hits == [] and await node.count(InboxItem) == 0


@pytest.mark.parametrize(("partner", "status"), [(False, 403), (True, 202)])
async def test_allowlist_mode_accepts_partners_only(node: Node, partner: bool, status: int) -> None:
    bob = await node.local("bob")
    alice = node.remote()
    async with node.services.sessions() as session, session.begin():
        await settings.set_value(session, "federation_mode", "allowlist")
        if partner:
            session.add(DomainRule(domain=f"remote.test:{node.peer.port}", policy="allow"))
    response = await node.post(alice, alice.activity("Follow", bob.uri))
    assert response.status == status
    if not partner:
        assert "allowlist" in (await response.json())["error"] and node.peer.hits == []


async def test_an_activity_claiming_a_local_actor_is_401(node: Node) -> None:
    bob = await node.local("bob")
    alice = node.remote()
    activity = alice.activity("Follow", bob.uri, actor=bob.uri, id=f"{bob.uri}#follows/1")
    body = json.dumps(activity).encode()
    headers = {**alice.sign(body, key_id=bob.key_id), "Content-Type": AS2_TYPE}
    response = await node.client.post("/inbox", data=io.BytesIO(body), headers=headers)
    assert response.status == 401 and "own actors" in (await response.json())["error"]
    assert await node.count(InboxItem) == 0
