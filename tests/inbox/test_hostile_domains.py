"""Hostile domain spellings at the inbox: ids and keyIds not written in their canonical form
are refused before anything is fetched or stored; a domain rule in any spelling blocks every
spelling; a legitimate internationalised domain, written in A-labels, federates."""

from __future__ import annotations

from pathlib import Path

import pytest

from storage.config import NodeConfig
from storage.models import Actor, DomainRule, Status
from tests.conftest import make_config
from tests.federation.test_domains import full_width
from tests.inbox.conftest import PEER_HOSTS, Node
from tests.inbox.fakes import RemoteActor
from tests.inbox.test_hostile import assert_untouched, refused, signed, snapshot

IDN = "xn--bcher-kva.test"  # bücher.test


@pytest.fixture
def node_config(db_url: str, tmp_path: Path) -> NodeConfig:
    return make_config(db_url, tmp_path, allowed_private_hosts=[*PEER_HOSTS, IDN])


@pytest.fixture
async def bob(node: Node) -> Actor:
    return await node.local("bob")


def spellings(port: int) -> list[str]:
    """Other ways to write `http://remote.test:{port}`: each names the same server."""
    return [f"http://REMOTE.test:{port}", f"http://remote.test.:{port}", f"http://{full_width('remote')}.test:{port}",
            f"HTTP://remote.test:{port}", f"http://remote.test:0{port}"]


@pytest.mark.parametrize("spelling", range(5))
async def test_a_key_id_not_written_canonically_is_401_without_fetching(node: Node, bob: Actor,
                                                                        spelling: int) -> None:
    alice = node.remote()
    before = await snapshot(node)
    base = spellings(node.peer.port)[spelling]
    body, headers = signed(alice, alice.activity("Follow", bob.uri), key_id=f"{base}/users/alice#main-key")
    assert "canonical" in await refused(node, 401, body, headers)
    await assert_untouched(node, before)


@pytest.mark.parametrize("field", ["actor", "id"])
@pytest.mark.parametrize("spelling", range(5))
async def test_an_activity_whose_actor_or_id_is_not_canonical_is_400(node: Node, bob: Actor, field: str,
                                                                     spelling: int) -> None:
    alice = node.remote()
    before = await snapshot(node)
    activity = alice.activity("Follow", bob.uri)
    activity[field] = activity[field].replace(alice.base, spellings(node.peer.port)[spelling])
    body, headers = signed(alice, activity)
    assert "canonical" in await refused(node, 400, body, headers) or spelling == 3  # HTTP://: not http(s)
    await assert_untouched(node, before)


async def test_a_default_port_or_a_unicode_host_in_an_id_is_400(node: Node, bob: Actor) -> None:
    alice = node.remote()
    before = await snapshot(node)
    for actor in ("https://evil.test:443/users/a", "https://bücher.test/users/a", "https://Evil.Test./users/a"):
        body, headers = signed(alice, {**alice.activity("Follow", bob.uri), "actor": actor})
        assert "canonical" in await refused(node, 400, body, headers)
    await assert_untouched(node, before)


async def test_a_created_object_whose_id_is_not_canonical_is_400(node: Node) -> None:
    alice = node.remote()
    before = await snapshot(node)
    note = alice.note(1, id=f"http://REMOTE.test:{node.peer.port}/users/alice/statuses/1")
    body, headers = signed(alice, alice.activity("Create", note))
    assert "canonical" in await refused(node, 400, body, headers)
    await assert_untouched(node, before)


async def test_a_key_document_whose_id_is_not_canonical_is_not_stored(node: Node, bob: Actor) -> None:
    alice = node.remote()
    document = alice.document()
    document["id"] = document["publicKey"]["owner"] = alice.uri.replace("remote.test", "Remote.Test")
    node.peer.serve(alice.uri, document)
    before = await snapshot(node)
    body, headers = signed(alice, alice.activity("Follow", bob.uri))
    assert "canonical" in await refused(node, 401, body, headers)
    await assert_untouched(node, before, fetched=["remote.test/users/alice"])


@pytest.mark.parametrize("rule", ["REMOTE.test.", full_width("remote.test"), "Remote.Test:443"])
async def test_a_rule_in_any_spelling_refuses_the_domain_at_the_inbox(node: Node, bob: Actor,
                                                                     rule: str) -> None:
    alice = node.remote()
    async with node.services.sessions() as session, session.begin():
        session.add(DomainRule(domain=rule, policy="suspend"))
    before = await snapshot(node)
    body, headers = signed(alice, alice.activity("Follow", bob.uri))
    assert "suspended" in await refused(node, 403, body, headers)
    await assert_untouched(node, before)


async def test_an_internationalised_domain_in_a_labels_federates(node: Node, bob: Actor) -> None:
    node.resolver.table[IDN] = ["127.0.0.1"]
    private, public = node.keys[1]
    hans = RemoteActor(f"http://{IDN}:{node.peer.port}", "hans", private, public)
    node.peer.serve(hans.uri, hans.document())
    await node.deliver(hans, hans.activity("Follow", bob.uri))
    [stored] = await node.rows(Actor, Actor.uri == hans.uri)
    assert stored.domain == f"{IDN}:{node.peer.port}"
    assert len(await node.rows(Actor, Actor.domain.is_not(None))) == 1


# --- actor documents ---------------------------------------------------------------------------

@pytest.mark.parametrize("username", ["alice@good.test", "alice good", "", ".alice", "alice\n",
                                      full_width("a") + "lice", "x" * 65])
async def test_an_actor_with_an_invalid_preferred_username_is_refused(node: Node, bob: Actor,
                                                                      username: str) -> None:
    alice = node.remote(preferredUsername=username)
    if not username:  # then the id's last segment is the name: make that one invalid too
        alice = node.remote("-alice", preferredUsername=username)
    before = await snapshot(node)
    body, headers = signed(alice, alice.activity("Follow", bob.uri))
    assert "preferredUsername" in await refused(node, 401, body, headers)
    await assert_untouched(node, before, fetched=[f"remote.test/users/{alice.name}"])


async def test_an_actor_whose_inbox_is_on_another_server_is_refused(node: Node, bob: Actor) -> None:
    alice = node.remote(inbox=f"http://third.test:{node.peer.port}/inbox")
    before = await snapshot(node)
    body, headers = signed(alice, alice.activity("Follow", bob.uri))
    assert "inbox on another server" in await refused(node, 401, body, headers)
    await assert_untouched(node, before, fetched=["remote.test/users/alice"])


async def test_a_shared_inbox_on_another_server_is_dropped(node: Node, bob: Actor) -> None:
    alice = node.remote(endpoints={"sharedInbox": f"http://third.test:{node.peer.port}/inbox"})
    await node.deliver(alice, alice.activity("Follow", bob.uri))
    [stored] = await node.rows(Actor, Actor.uri == alice.uri)
    assert stored.inbox_url == alice.inbox and stored.shared_inbox_url is None


async def test_a_fetched_post_whose_id_is_not_canonical_is_not_stored(node: Node) -> None:
    alice = node.remote()
    await node.followed(alice)  # so that her post is wanted here
    parent = alice.note(0)
    node.peer.serve(parent["id"], {**parent, "id": parent["id"].replace("remote.test", "REMOTE.test")})
    await node.deliver(alice, alice.activity("Create", alice.note(1, inReplyTo=parent["id"])))
    [reply] = await node.rows(Status)
    assert reply.uri == alice.note(1)["id"] and reply.in_reply_to_id is None
    assert node.peer.hits == ["remote.test/users/alice/statuses/0"]
