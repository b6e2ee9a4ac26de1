"""Hostile signatures and key documents at the inbox: counterfeit key documents, what a
signature must cover, weak keys, and the fetch budget of verification. Each test checks the
answer, that nothing was stored or queued, and what (if anything) was fetched."""

from __future__ import annotations

from typing import Any

from storage.models import Actor, Status
from tests.inbox.conftest import Node
from tests.inbox.fakes import RemoteActor
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
