"""URLs from remote JSON: page URLs (`url` of posts and actors) only on the object's own host,
media URLs (avatar, header, attachments, emoji) http(s) only; otherwise dropped (the `id`
stands in for a page URL), as stored and as apps see them."""

from __future__ import annotations

from typing import Any

import pytest

from federation.attachments import parse_attachments
from federation.resolve import parse_actor
from federation.urls import media_url, page_url
from inbox.apply.statuses import parse_status
from storage.models import ACCEPTED, Actor, CustomEmoji, Follow, MediaAttachment, Status
from tests.inbox.conftest import Node
from tests.inbox.fakes import RemoteActor

ID = "https://remote.example/users/alice/statuses/1"
HOSTILE = ["javascript:alert(1)", "JavaScript:alert(1)", "data:text/html,<script>alert(1)</script>",
           "data:image/png;base64,iVBORw0KGgo=", "vbscript:x", "//remote.example/x", "/relative",
           "https://user:pass@remote.example/x", "https://remote.example/a b", "https://remote.example/\x00"]


@pytest.mark.parametrize("url", HOSTILE)
def test_a_page_url_that_is_not_http_is_dropped(url: str) -> None:
    assert page_url(url, ID) is None
    assert media_url(url) is None


@pytest.mark.parametrize("url", ["https://victim.example/@alice", "https://remote.example.evil/@a",
                                 "https://evil.remote.example/@alice", "https://remote.example:8443/@a"])
def test_a_page_url_on_another_host_is_dropped(url: str) -> None:
    assert page_url(url, ID) is None


def test_a_page_url_on_the_object_host_is_kept_and_an_html_link_preferred() -> None:
    assert page_url("https://REMOTE.example/@alice/1", ID) == "https://REMOTE.example/@alice/1"
    links = [{"type": "Link", "href": "https://victim.example/@alice/1", "mediaType": "text/html"},
             {"type": "Link", "href": "https://remote.example/notes/1.json", "mediaType": "application/json"},
             {"type": "Link", "href": "https://remote.example/@alice/1", "mediaType": "text/html"}]
    assert page_url(links, ID) == "https://remote.example/@alice/1"


def test_media_urls_may_live_on_another_host() -> None:
    assert media_url("https://cdn.example/files/a.png") == "https://cdn.example/files/a.png"


def _actor_doc(**extra: Any) -> dict[str, Any]:
    uri = "https://remote.example/users/alice"
    return {"id": uri, "type": "Person", "inbox": f"{uri}/inbox", "preferredUsername": "alice", **extra}


@pytest.mark.parametrize("url", [*HOSTILE, "https://victim.example/@alice"])
def test_an_actor_url_avatar_and_header_that_are_not_safe_are_dropped(url: str) -> None:
    fields = parse_actor(_actor_doc(url=url, icon={"type": "Image", "url": url},
                                    image={"type": "Image", "url": url}),
                         fetched_from="https://remote.example/users/alice")
    assert fields.values["url"] == "https://remote.example/users/alice"  # the id stands in
    if url.startswith("https://victim"):  # media may live elsewhere
        assert fields.values["avatar_url"] == fields.values["header_url"] == url
    else:
        assert fields.values["avatar_url"] is None and fields.values["header_url"] is None


@pytest.mark.parametrize("url", [*HOSTILE, "https://victim.example/@alice/1"])
def test_a_status_url_that_is_not_on_its_host_is_dropped(url: str) -> None:
    author = Actor(uri="https://remote.example/users/alice", followers_url=None)
    doc = {"id": ID, "type": "Note", "attributedTo": author.uri, "content": "hi", "url": url,
           "attachment": [{"type": "Image", "url": url}],
           "tag": [{"type": "Emoji", "name": ":ee:", "icon": {"type": "Image", "url": url}}]}
    parsed = parse_status(doc, author)
    assert parsed.url is None
    assert [a.url for a in parsed.attachments] == ([url] if url.startswith("https://victim") else [])
    assert [e.image_url for e in parsed.emojis] == ([url] if url.startswith("https://victim") else [])


def test_attachments_keep_only_http_urls() -> None:
    found = parse_attachments({"attachment": [{"type": "Image", "url": u} for u in HOSTILE]})
    assert found == ()


async def _followed(node: Node, alice: RemoteActor) -> None:
    bob = await node.local("bob")
    remote = await node.seed(alice)
    async with node.services.sessions() as session, session.begin():
        session.add(Follow(follower_id=bob.id, followee_id=remote.id, state=ACCEPTED, uri=f"{bob.uri}#f"))


async def test_a_hostile_post_is_served_to_apps_with_its_id_as_url_and_no_unsafe_media(node: Node) -> None:
    alice = node.remote()
    await _followed(node, alice)
    victim = "https://victim.example/@alice/1"
    note = alice.note(1, url=victim, attachment=[{"type": "Image", "url": "javascript:alert(1)"}],
                      tag=[{"type": "Emoji", "name": ":xx:", "icon": {"type": "Image", "url": "data:,x"}}])
    await node.deliver(alice, alice.activity("Create", note))
    (status,) = await node.rows(Status)
    assert status.url is None
    assert await node.count(MediaAttachment) == 0 and await node.count(CustomEmoji) == 0
    shown = await (await node.client.get(f"/api/v1/statuses/{status.id}")).json()
    assert shown["url"] == note["id"] and shown["media_attachments"] == [] and shown["emojis"] == []


async def test_an_actor_claiming_another_host_page_is_stored_with_its_id_as_url(node: Node) -> None:
    alice = node.remote(url="https://victim.example/@alice", icon={"type": "Image", "url": "javascript:x"})
    bob = await node.local("bob")
    follow = alice.activity("Follow", bob.uri)
    await node.deliver(alice, follow)  # the key lookup fetches and stores alice's document
    (stored,) = await node.rows(Actor, Actor.uri == alice.uri)
    assert stored.url == alice.uri and stored.avatar_url is None
    shown = await (await node.client.get(f"/api/v1/accounts/{stored.id}")).json()
    assert shown["url"] == alice.uri and not shown["avatar"].startswith("javascript")


async def test_rows_stored_before_the_checks_are_still_shown_safely(node: Node) -> None:
    alice = node.remote()
    stored = await node.seed(alice, url="https://victim.example/@alice", avatar_url="javascript:alert(1)",
                             header_url="data:image/png;base64,AAAA")
    async with node.services.sessions() as session, session.begin():
        row = Status(uri=f"{alice.uri}/statuses/9", url="javascript:alert(1)", actor_id=stored.id,
                     local=False, visibility="public", content="<p>old</p>")
        session.add(row)
    shown = await (await node.client.get(f"/api/v1/statuses/{row.id}")).json()
    assert shown["url"] == row.uri
    assert shown["account"]["url"] == alice.uri
    for field in ("avatar", "avatar_static", "header", "header_static"):
        assert shown["account"][field].startswith(f"http://{node.services.domain}/"), shown["account"][field]
