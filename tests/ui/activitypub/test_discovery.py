"""WebFinger, host-meta and NodeInfo."""

from __future__ import annotations

from datetime import timedelta
from xml.etree import ElementTree

import pytest

from storage.models import Status, utcnow
from tests.ui.activitypub.conftest import Node

JRD = "application/jrd+json"


async def test_webfinger_finds_a_member_by_acct(any_node: Node) -> None:
    await any_node.user("alice")
    response = await any_node.get("/.well-known/webfinger?resource=acct:alice@amity.test", accept=JRD)
    assert response.status == 200 and response.content_type == JRD
    assert await response.json() == {
        "subject": "acct:alice@amity.test",
        "aliases": ["http://amity.test/users/alice", "http://amity.test/@alice"],
        "links": [
            {"rel": "self", "type": "application/activity+json", "href": "http://amity.test/users/alice"},
            {"rel": "http://webfinger.net/rel/profile-page", "type": "text/html",
             "href": "http://amity.test/@alice"},
        ],
    }


async def test_webfinger_ignores_the_case_of_the_name(node: Node) -> None:
    await node.user("alice")
    body = await node.json("/.well-known/webfinger?resource=acct:ALICE@Amity.Test")
    assert body["subject"] == "acct:alice@amity.test"


@pytest.mark.parametrize("resource", ["http://amity.test/users/alice", "http://amity.test/@alice"])
async def test_webfinger_finds_a_member_by_url(node: Node, resource: str) -> None:
    await node.user("alice")
    body = await node.json(f"/.well-known/webfinger?resource={resource}")
    assert body["subject"] == "acct:alice@amity.test"


async def test_webfinger_finds_the_instance_actor(node: Node) -> None:
    body = await node.json("/.well-known/webfinger?resource=http://amity.test/actor")
    assert body["links"] == [
        {"rel": "self", "type": "application/activity+json", "href": "http://amity.test/actor"}]


@pytest.mark.parametrize("resource", ["acct:nobody@amity.test", "acct:alice@elsewhere.example",
                                      "https://elsewhere.example/users/alice",
                                      "http://amity.test/users/alice/outbox"])
async def test_webfinger_answers_404_for_no_such_local_account(node: Node, resource: str) -> None:
    await node.user("alice")
    response = await node.get(f"/.well-known/webfinger?resource={resource}")
    assert response.status == 404 and "error" in await response.json()


@pytest.mark.parametrize("query", ["", "?resource=", "?resource=acct:alice", "?resource=acct:@amity.test",
                                   "?resource=acct:al%20ice@amity.test"])
async def test_webfinger_answers_400_for_a_missing_or_garbled_resource(node: Node, query: str) -> None:
    response = await node.get(f"/.well-known/webfinger{query}")
    assert response.status == 400 and "error" in await response.json()


@pytest.mark.parametrize("query", ["?resource=acct:alice@amity.test", "?resource=acct:nobody@amity.test"])
async def test_webfinger_allows_any_origin(node: Node, query: str) -> None:
    await node.user("alice")
    response = await node.get(f"/.well-known/webfinger{query}")
    assert response.headers["Access-Control-Allow-Origin"] == "*"


async def test_host_meta_gives_the_webfinger_template_in_xml(node: Node) -> None:
    response = await node.get("/.well-known/host-meta", accept=None)
    assert response.status == 200 and response.content_type == "application/xrd+xml"
    root = ElementTree.fromstring(await response.text())
    [link] = root.findall("{http://docs.oasis-open.org/ns/xri/xrd-1.0}Link")
    assert link.get("rel") == "lrdd"
    assert link.get("template") == "http://amity.test/.well-known/webfinger?resource={uri}"


async def test_host_meta_json_gives_the_webfinger_template(node: Node) -> None:
    body = await node.json("/.well-known/host-meta.json")
    assert body["links"][0]["rel"] == "lrdd"
    assert body["links"][0]["template"] == "http://amity.test/.well-known/webfinger?resource={uri}"


async def test_nodeinfo_discovery_links_both_versions(node: Node) -> None:
    body = await node.json("/.well-known/nodeinfo")
    assert body["links"] == [
        {"rel": "http://nodeinfo.diaspora.software/ns/schema/2.0", "href": "http://amity.test/nodeinfo/2.0"},
        {"rel": "http://nodeinfo.diaspora.software/ns/schema/2.1", "href": "http://amity.test/nodeinfo/2.1"},
    ]


@pytest.mark.parametrize("version", ["2.0", "2.1"])
async def test_nodeinfo_describes_the_software(node: Node, version: str) -> None:
    response = await node.get(f"/nodeinfo/{version}")
    body = await response.json(content_type=None)
    assert response.headers["Content-Type"] == (
        f'application/json; profile="http://nodeinfo.diaspora.software/ns/schema/{version}#"')
    assert body["version"] == version
    assert body["software"] == {"name": "amity", "version": "0.1.0"}
    assert body["protocols"] == ["activitypub"]
    assert body["services"] == {"inbound": [], "outbound": []}
    assert body["metadata"]["nodeName"] == "Amity"


async def test_nodeinfo_counts_members_and_their_posts_not_boosts(any_node: Node) -> None:
    alice, bob = await any_node.user("alice"), await any_node.user("bob")
    first = await any_node.status(alice)
    await any_node.status(bob, visibility="direct")
    await any_node.status(bob, reblog_of_id=first.id, content="")
    remote = await any_node.remote("carol")
    async with any_node.services.sessions() as session, session.begin():  # remote posts don't count
        session.add(Status(uri="https://remote.example/s/1", actor_id=remote.actor.id, local=False))
    usage = (await any_node.json("/nodeinfo/2.0"))["usage"]
    assert usage == {"users": {"total": 2, "activeMonth": 2, "activeHalfyear": 2}, "localPosts": 2}


async def test_nodeinfo_counts_as_active_who_joined_or_posted_in_the_window(any_node: Node) -> None:
    long_ago = utcnow() - timedelta(days=400)
    await any_node.update_login(await any_node.user("old"), created_at=long_ago)
    poster = await any_node.user("poster")
    await any_node.update_login(poster, created_at=long_ago)
    await any_node.status(poster, published_at=utcnow() - timedelta(days=90))
    await any_node.user("fresh")
    users = (await any_node.json("/nodeinfo/2.1"))["usage"]["users"]
    assert users == {"total": 3, "activeMonth": 1, "activeHalfyear": 2}


async def test_nodeinfo_does_not_count_disabled_members(node: Node) -> None:
    await node.user("alice")
    await node.update_login(await node.user("gone"), disabled=True)
    assert (await node.json("/nodeinfo/2.0"))["usage"]["users"]["total"] == 1


@pytest.mark.parametrize(("mode", "expected"), [("open", True), ("approval", False), ("closed", False)])
async def test_nodeinfo_open_registrations_follow_the_setting(node: Node, mode: str, expected: bool) -> None:
    await node.setting("registration_mode", mode)
    assert (await node.json("/nodeinfo/2.0"))["openRegistrations"] is expected


async def test_nodeinfo_node_name_is_the_title_setting(node: Node) -> None:
    await node.setting("title", "Library Commons")
    assert (await node.json("/nodeinfo/2.1"))["metadata"]["nodeName"] == "Library Commons"
