"""The Fedify peer works on its own, against a tiny ActivityPub stand-in written here.

The stand-in (aiohttp, 127.0.0.1) serves one actor, `bob`, with an RSA key, records what its
inboxes receive, and signs with its own draft-cavage code (independent of Amity's).
"""

from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import dataclass, field
from email.utils import formatdate
from typing import Any
from urllib.parse import urlsplit

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey
from multidict import CIMultiDictProxy

from tests.interop.fedify_peer import PUBLIC, DeliveryFailed, FedifyPeer

AS2 = "application/activity+json"
AS_CONTEXT = ["https://www.w3.org/ns/activitystreams", "https://w3id.org/security/v1"]


@dataclass
class Received:
    method: str
    path: str
    headers: CIMultiDictProxy[str]
    body: bytes

    @property
    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class StandIn:
    """A minimal ActivityPub server: one actor with an RSA key, inboxes that record and answer 202."""

    base_url: str
    key: rsa.RSAPrivateKey
    received: list[Received] = field(default_factory=list)
    fetches: list[Received] = field(default_factory=list)

    @property
    def actor_url(self) -> str:
        return f"{self.base_url}/users/bob"

    @property
    def key_id(self) -> str:
        return f"{self.actor_url}#main-key"

    @property
    def inbox_url(self) -> str:
        return f"{self.actor_url}/inbox"

    @property
    def shared_inbox_url(self) -> str:
        return f"{self.base_url}/inbox"

    def actor_document(self, name: str = "bob") -> dict[str, Any]:
        actor_url = f"{self.base_url}/users/{name}"
        pem = self.key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        ).decode("ascii")
        return {
            "@context": AS_CONTEXT,
            "id": actor_url,
            "type": "Person",
            "preferredUsername": name,
            "name": f"{name.title()} Stand-in",
            "inbox": f"{actor_url}/inbox",
            "outbox": f"{actor_url}/outbox",
            "followers": f"{actor_url}/followers",
            "endpoints": {"sharedInbox": self.shared_inbox_url},
            "publicKey": {"id": f"{actor_url}#main-key", "owner": actor_url, "publicKeyPem": pem},
        }

    def posts(self, type_: str | None = None) -> list[Received]:
        posts = [r for r in self.received if r.method == "POST"]
        return [r for r in posts if type_ is None or r.json.get("type") == type_]

    async def post_signed(self, session: aiohttp.ClientSession, url: str, activity: dict[str, Any],
                          *, sign: bool = True) -> int:
        """POST `activity` signed by bob's key (whatever its `actor`), or unsigned."""
        body = json.dumps(activity).encode()
        headers = sign_post(url, body, self.key, self.key_id) if sign else {"Content-Type": AS2}
        async with session.post(url, data=body, headers=headers) as resp:
            await resp.read()
            return resp.status


def sign_post(url: str, body: bytes, key: rsa.RSAPrivateKey, key_id: str) -> dict[str, str]:
    """draft-cavage rsa-sha256 over (request-target) host date digest content-type."""
    parts = urlsplit(url)
    headers = {
        "Host": parts.netloc,
        "Date": formatdate(usegmt=True),
        "Digest": "SHA-256=" + base64.b64encode(hashlib.sha256(body).digest()).decode(),
        "Content-Type": AS2,
    }
    signed = ["(request-target)", "host", "date", "digest", "content-type"]
    lines = [f"(request-target): post {parts.path}"] + [f"{h}: {headers[h.title()]}" for h in signed[1:]]
    signature = key.sign("\n".join(lines).encode(), padding.PKCS1v15(), hashes.SHA256())
    headers["Signature"] = (
        f'keyId="{key_id}",algorithm="rsa-sha256",headers="{" ".join(signed)}",'
        f'signature="{base64.b64encode(signature).decode()}"'
    )
    return headers


def parse_signature(value: str) -> dict[str, str]:
    params: dict[str, str] = {}
    for part in value.split(","):
        name, _, raw = part.strip().partition("=")
        params[name] = raw.strip('"')
    return params


def verify_cavage(received: Received, public_key: RSAPublicKey) -> list[str]:
    """Check a draft-cavage rsa-sha256 signature; return the signed header names."""
    params = parse_signature(received.headers["Signature"])
    names = params["headers"].split()
    lines = []
    for name in names:
        if name == "(request-target)":
            lines.append(f"(request-target): {received.method.lower()} {urlsplit(received.path).path}")
        else:
            lines.append(f"{name}: {received.headers[name]}")
    public_key.verify(base64.b64decode(params["signature"]), "\n".join(lines).encode(),
                      padding.PKCS1v15(), hashes.SHA256())
    return names


async def alice_public_key(session: aiohttp.ClientSession, peer: FedifyPeer) -> RSAPublicKey:
    async with session.get(peer.actor_url, headers={"Accept": AS2}) as resp:
        doc = await resp.json(content_type=None)
    key = serialization.load_pem_public_key(doc["publicKey"]["publicKeyPem"].encode())
    assert isinstance(key, RSAPublicKey)
    return key


@pytest.fixture(scope="module")
def bob_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture
async def stand_in(bob_key: rsa.RSAPrivateKey) -> Any:
    app = web.Application()
    standin = StandIn(base_url="", key=bob_key)  # base_url is known once the server listens

    async def actor(request: web.Request) -> web.Response:
        standin.fetches.append(Received(request.method, request.path_qs, request.headers, b""))
        return web.json_response(standin.actor_document(request.match_info["name"]), content_type=AS2)

    async def webfinger(request: web.Request) -> web.Response:
        name = request.query.get("resource", "").removeprefix("acct:").partition("@")[0]
        return web.json_response({
            "subject": request.query["resource"],
            "links": [{"rel": "self", "type": AS2, "href": f"{standin.base_url}/users/{name}"}],
        }, content_type="application/jrd+json")

    async def refuse(request: web.Request) -> web.Response:
        await request.read()
        return web.Response(status=403, text="no thanks")

    async def inbox(request: web.Request) -> web.Response:
        body = await request.read()
        standin.received.append(Received(request.method, request.path_qs, request.headers, body))
        return web.Response(status=202)

    async def note(request: web.Request) -> web.Response:
        return web.json_response({
            "@context": AS_CONTEXT, "id": f"{standin.base_url}{request.path}", "type": "Note",
            "attributedTo": standin.actor_url, "content": "<p>hello</p>", "to": [PUBLIC],
        }, content_type=AS2)

    app.router.add_get("/users/{name}", actor)
    app.router.add_get("/.well-known/webfinger", webfinger)
    app.router.add_post("/users/carol/inbox", refuse)
    app.router.add_post("/users/bob/inbox", inbox)
    app.router.add_post("/inbox", inbox)
    app.router.add_get("/users/bob/notes/{id}", note)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    standin.base_url = str(server.make_url("")).rstrip("/")
    try:
        yield standin
    finally:
        await server.close()


@pytest.fixture
async def session() -> Any:
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=15)) as s:
        yield s


async def test_webfinger_answers_for_alice_over_http(fedify_peer: FedifyPeer,
                                                     session: aiohttp.ClientSession) -> None:
    url = f"{fedify_peer.base_url}/.well-known/webfinger"
    async with session.get(url, params={"resource": f"acct:{fedify_peer.handle}"}) as resp:
        assert resp.status == 200
        jrd = await resp.json(content_type=None)
    assert jrd["subject"] == f"acct:{fedify_peer.handle}"
    self_links = [link for link in jrd["links"] if link["rel"] == "self"]
    assert self_links == [{"rel": "self", "href": fedify_peer.actor_url, "type": AS2}]


async def test_actor_document_is_activity_json_with_key_and_inboxes(fedify_peer: FedifyPeer,
                                                                    session: aiohttp.ClientSession) -> None:
    async with session.get(fedify_peer.actor_url, headers={"Accept": AS2}) as resp:
        assert resp.status == 200
        assert resp.content_type == AS2
        doc = await resp.json(content_type=None)
    assert doc["id"] == fedify_peer.actor_url
    assert doc["type"] == "Person"
    assert doc["inbox"] == fedify_peer.inbox_url
    assert doc["endpoints"]["sharedInbox"] == fedify_peer.shared_inbox_url
    assert doc["followers"] == fedify_peer.followers_url
    assert doc["publicKey"]["id"] == fedify_peer.key_id
    assert doc["publicKey"]["owner"] == fedify_peer.actor_url
    assert doc["publicKey"]["publicKeyPem"].startswith("-----BEGIN PUBLIC KEY-----")
    assert {m["id"] for m in doc["assertionMethod"]} == {fedify_peer.key_id, f"{fedify_peer.actor_url}#key-2"}


async def test_follow_reaches_stand_in_signed_with_digest(fedify_peer: FedifyPeer, stand_in: StandIn,
                                                          session: aiohttp.ClientSession) -> None:
    sent = await fedify_peer.follow(stand_in.actor_url)

    assert sent["ok"] is True
    assert [d["inbox"] for d in sent["deliveries"]] == [stand_in.inbox_url]
    [post] = stand_in.posts("Follow")
    assert post.path == "/users/bob/inbox"
    assert post.json["id"] == sent["id"]
    assert post.json["actor"] == fedify_peer.actor_url
    assert post.json["object"] == stand_in.actor_url
    params = parse_signature(post.headers["Signature"])
    assert params["keyId"] == fedify_peer.key_id
    assert params["algorithm"] == "rsa-sha256"
    digest = base64.b64encode(hashlib.sha256(post.body).digest()).decode()
    assert post.headers["Digest"] == f"SHA-256={digest}"
    signed = verify_cavage(post, await alice_public_key(session, fedify_peer))
    assert {"(request-target)", "host", "date", "digest", "content-type"} <= set(signed)
    assert (await fedify_peer.state())["following"] == [
        {"id": stand_in.actor_url, "follow": sent["id"], "state": "pending"}
    ]


async def test_signed_follow_is_recorded_and_accepted(fedify_peer: FedifyPeer, stand_in: StandIn,
                                                      session: aiohttp.ClientSession) -> None:
    follow = {
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": f"{stand_in.actor_url}/follows/1",
        "type": "Follow",
        "actor": stand_in.actor_url,
        "object": fedify_peer.actor_url,
    }
    status = await stand_in.post_signed(session, fedify_peer.inbox_url, follow)

    assert status == 202
    [entry] = await fedify_peer.log()
    assert entry["type"] == "Follow"
    assert entry["id"] == follow["id"]
    assert entry["actor"] == stand_in.actor_url
    assert entry["signer"] == stand_in.key_id
    assert entry["recipient"] == "alice"
    assert entry["raw"] == follow
    assert entry["reply"]["ok"] is True
    # No queue: the Accept was delivered before the inbox answered 202.
    [accept] = stand_in.posts("Accept")
    assert accept.path == "/users/bob/inbox"
    assert accept.json["actor"] == fedify_peer.actor_url
    assert accept.json["object"]["id"] == follow["id"]
    verify_cavage(accept, await alice_public_key(session, fedify_peer))
    followers = (await fedify_peer.state())["followers"]
    assert [f["id"] for f in followers] == [stand_in.actor_url]


async def test_unsigned_post_is_refused_and_not_recorded(fedify_peer: FedifyPeer, stand_in: StandIn,
                                                         session: aiohttp.ClientSession) -> None:
    follow = {
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": f"{stand_in.actor_url}/follows/unsigned",
        "type": "Follow",
        "actor": stand_in.actor_url,
        "object": fedify_peer.actor_url,
    }
    assert await stand_in.post_signed(session, fedify_peer.inbox_url, follow, sign=False) == 401
    assert await stand_in.post_signed(session, fedify_peer.shared_inbox_url, follow, sign=False) == 401
    assert await fedify_peer.log() == []
    assert stand_in.posts() == []


async def test_post_to_followers_goes_to_the_shared_inbox(fedify_peer: FedifyPeer, stand_in: StandIn,
                                                          session: aiohttp.ClientSession) -> None:
    follow = {"@context": "https://www.w3.org/ns/activitystreams", "id": f"{stand_in.actor_url}/follows/2",
              "type": "Follow", "actor": stand_in.actor_url, "object": fedify_peer.actor_url}
    assert await stand_in.post_signed(session, fedify_peer.shared_inbox_url, follow) == 202

    sent = await fedify_peer.post("<p>Hello followers</p>")

    [create] = stand_in.posts("Create")
    assert create.path == "/inbox"
    note = create.json["object"]
    assert note["id"] == sent["note_id"]
    assert note["content"] == "<p>Hello followers</p>"
    assert note["attributedTo"] == fedify_peer.actor_url
    assert create.json["to"] == "as:Public"  # compacted JSON-LD: a single value is a plain string
    assert create.json["cc"] == fedify_peer.followers_url
    assert "proof" in create.json
    async with session.get(sent["note_id"], headers={"Accept": AS2}) as resp:
        assert resp.status == 200
        assert (await resp.json(content_type=None))["id"] == sent["note_id"]


async def test_like_then_undo_go_to_the_author(fedify_peer: FedifyPeer, stand_in: StandIn) -> None:
    note_url = f"{stand_in.actor_url}/notes/1"

    like = await fedify_peer.like(note_url)
    await fedify_peer.undo(like["id"])

    assert [p.json["type"] for p in stand_in.posts()] == ["Like", "Undo"]
    assert stand_in.posts("Undo")[0].json["object"]["id"] == like["id"]


async def test_delivery_errors_are_reported(fedify_peer: FedifyPeer, stand_in: StandIn) -> None:
    carol = f"{stand_in.base_url}/users/carol"  # her inbox answers 403

    sent = await fedify_peer.follow(carol, check=False)

    assert sent["ok"] is False
    [delivery] = sent["deliveries"]
    assert delivery["inbox"] == f"{carol}/inbox"
    assert "403" in delivery["error"]
    with pytest.raises(DeliveryFailed, match="403"):
        await fedify_peer.follow(carol)


async def test_signed_and_unsigned_fetch(fedify_peer: FedifyPeer, stand_in: StandIn,
                                         session: aiohttp.ClientSession) -> None:
    unsigned = await fedify_peer.fetch(stand_in.actor_url, signed=False)
    signed = await fedify_peer.fetch(stand_in.actor_url, signed=True)

    assert unsigned["status"] == signed["status"] == 200
    assert signed["body"]["id"] == stand_in.actor_url
    first, second = stand_in.fetches[-2:]
    assert "Signature" not in first.headers
    assert parse_signature(second.headers["Signature"])["keyId"] == fedify_peer.key_id
    verify_cavage(second, await alice_public_key(session, fedify_peer))


def follow_from(actor: str, object_: str, suffix: str) -> dict[str, Any]:
    return {"@context": "https://www.w3.org/ns/activitystreams", "id": f"{actor}/follows/{suffix}",
            "type": "Follow", "actor": actor, "object": object_}


async def test_key_owner_must_be_the_actor(fedify_peer: FedifyPeer, stand_in: StandIn,
                                           session: aiohttp.ClientSession) -> None:
    forged = follow_from(f"{stand_in.base_url}/users/carol", fedify_peer.actor_url, "forged")

    assert await stand_in.post_signed(session, fedify_peer.inbox_url, forged) == 401  # signed by bob's key
    assert await fedify_peer.log() == []


async def test_key_fetch_is_signed_for_the_personal_inbox_only(fedify_peer: FedifyPeer, stand_in: StandIn,
                                                               session: aiohttp.ClientSession) -> None:
    follow = follow_from(stand_in.actor_url, fedify_peer.actor_url, "shared")
    assert await stand_in.post_signed(session, fedify_peer.shared_inbox_url, follow) == 202
    key_fetch_shared = stand_in.fetches[0]
    await fedify_peer.reset()  # forget the cached key
    stand_in.fetches.clear()
    follow = follow_from(stand_in.actor_url, fedify_peer.actor_url, "personal")
    assert await stand_in.post_signed(session, fedify_peer.inbox_url, follow) == 202
    key_fetch_personal = stand_in.fetches[0]

    assert "Signature" not in key_fetch_shared.headers
    assert key_fetch_shared.headers["Accept"] == "application/activity+json, application/ld+json"
    params = parse_signature(key_fetch_personal.headers["Signature"])
    assert params["keyId"] == fedify_peer.key_id
    assert params["headers"] == "(request-target) accept date host user-agent"
    verify_cavage(key_fetch_personal, await alice_public_key(session, fedify_peer))


async def test_follow_by_handle_uses_webfinger_over_http(fedify_peer: FedifyPeer, stand_in: StandIn) -> None:
    handle = f"bob@{urlsplit(stand_in.base_url).netloc}"

    sent = await fedify_peer.follow(handle)

    assert sent["activity"]["object"] == stand_in.actor_url
    assert [p.json["id"] for p in stand_in.posts("Follow")] == [sent["id"]]


async def test_received_activities_can_be_awaited(fedify_peer: FedifyPeer, stand_in: StandIn,
                                                  session: aiohttp.ClientSession) -> None:
    like = {"@context": "https://www.w3.org/ns/activitystreams", "id": f"{stand_in.actor_url}/likes/1",
            "type": "Like", "actor": stand_in.actor_url, "object": f"{fedify_peer.actor_url}/notes/x"}
    assert await stand_in.post_signed(session, fedify_peer.shared_inbox_url, like) == 202

    entry = await fedify_peer.wait_for_activity("Like", predicate=lambda e: e["actor"] == stand_in.actor_url)

    assert entry["recipient"] is None
    assert entry["object"] == like["object"]
    with pytest.raises(TimeoutError):
        await fedify_peer.wait_for_activity("Block", seconds=0.2)


async def test_amity_verifier_accepts_fedify_signatures(fedify_peer: FedifyPeer, stand_in: StandIn,
                                                        session: aiohttp.ClientSession) -> None:
    from federation.httpsig.signatures import PublicKeyInfo, verify_request

    await fedify_peer.follow(stand_in.actor_url)
    [post] = stand_in.posts("Follow")
    async with session.get(fedify_peer.actor_url, headers={"Accept": AS2}) as resp:
        key = (await resp.json(content_type=None))["publicKey"]

    async def lookup(key_id: str, refresh: bool) -> PublicKeyInfo:
        assert key_id == key["id"]
        return PublicKeyInfo(public_key_pem=key["publicKeyPem"], owner=key["owner"])

    verified = await verify_request("POST", post.path, post.headers, post.body, lookup, scheme="http")

    assert verified.owner == fedify_peer.actor_url


async def test_a_second_peer_can_be_started_and_stopped(fedify_peer: FedifyPeer, stand_in: StandIn) -> None:
    async with await FedifyPeer.start() as other:
        assert other.base_url != fedify_peer.base_url
        sent = await other.follow(fedify_peer.actor_url)
        assert sent["ok"] is True
        entry = await fedify_peer.wait_for_activity("Follow")
        assert entry["signer"] == other.key_id
        assert (await other.state())["following"][0]["state"] == "accepted"
    assert not other.process.running


async def test_follows_can_be_rejected_or_left_pending(fedify_peer: FedifyPeer, stand_in: StandIn,
                                                       session: aiohttp.ClientSession) -> None:
    await fedify_peer.configure(auto_accept="reject")
    rejected = follow_from(stand_in.actor_url, fedify_peer.actor_url, "rejected")
    assert await stand_in.post_signed(session, fedify_peer.inbox_url, rejected) == 202
    await fedify_peer.configure(auto_accept="none")
    pending = follow_from(stand_in.actor_url, fedify_peer.actor_url, "pending")
    assert await stand_in.post_signed(session, fedify_peer.inbox_url, pending) == 202

    [reject] = stand_in.posts()
    assert reject.json["type"] == "Reject"
    assert reject.json["object"]["id"] == rejected["id"]
    assert [e["id"] for e in await fedify_peer.log()] == [rejected["id"], pending["id"]]
    assert (await fedify_peer.state())["followers"] == []
