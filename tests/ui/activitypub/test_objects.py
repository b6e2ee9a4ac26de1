"""Statuses as Notes, their Create activities, tombstones and HTML pages."""

from __future__ import annotations

from federation.vocab import CONTEXT, PUBLIC
from storage.models import Tombstone
from tests.ui.activitypub.conftest import AS2, BROWSER, Node


async def test_a_public_status_is_a_note_addressed_to_the_public(node: Node) -> None:
    alice = await node.user("alice")
    status = await node.status(alice, content="<p>Hi all</p>", language="en")
    response = await node.get(f"/users/alice/statuses/{status.id}")
    note = await response.json(content_type=None)
    assert response.status == 200 and response.content_type == "application/activity+json"
    assert note["@context"] == CONTEXT
    assert note["id"] == status.uri and note["type"] == "Note"
    assert note["attributedTo"] == "http://amity.test/users/alice"
    assert note["to"] == [PUBLIC] and note["cc"] == ["http://amity.test/users/alice/followers"]
    assert note["content"] == "<p>Hi all</p>" and note["contentMap"] == {"en": "<p>Hi all</p>"}
    assert note["url"] == f"http://amity.test/@alice/{status.id}"


async def test_an_unlisted_status_puts_the_public_in_cc(node: Node) -> None:
    alice = await node.user("alice")
    status = await node.status(alice, visibility="unlisted")
    note = await node.json(f"/users/alice/statuses/{status.id}")
    assert note["to"] == ["http://amity.test/users/alice/followers"] and note["cc"] == [PUBLIC]


async def test_a_note_tags_and_addresses_the_mentioned_actors(node: Node) -> None:
    alice = await node.user("alice")
    carol = await node.remote("carol")
    status = await node.status(alice, mentions=(carol.actor,))
    note = await node.json(f"/users/alice/statuses/{status.id}")
    assert note["tag"] == [{"type": "Mention", "href": "https://remote.example/users/carol",
                            "name": "@carol@remote.example"}]
    assert "https://remote.example/users/carol" in note["cc"]


async def test_a_reply_names_its_parent_by_row(node: Node) -> None:
    alice = await node.user("alice")
    parent = await node.status(alice)
    reply = await node.status(alice, in_reply_to_id=parent.id)
    assert (await node.json(f"/users/alice/statuses/{reply.id}"))["inReplyTo"] == parent.uri


async def test_a_reply_names_its_parent_by_stored_uri(node: Node) -> None:
    alice = await node.user("alice")
    reply = await node.status(alice, in_reply_to_uri="https://remote.example/notes/7")
    note = await node.json(f"/users/alice/statuses/{reply.id}")
    assert note["inReplyTo"] == "https://remote.example/notes/7"


async def test_the_create_activity_wraps_the_note(node: Node) -> None:
    alice = await node.user("alice")
    status = await node.status(alice)
    create = await node.json(f"/users/alice/statuses/{status.id}/activity")
    assert create["@context"] == CONTEXT
    assert create["id"] == f"{status.uri}/activity" and create["type"] == "Create"
    assert create["actor"] == alice.uri
    assert create["to"] == [PUBLIC] and create["cc"] == [alice.followers_url]
    assert create["object"]["id"] == status.uri and "@context" not in create["object"]


async def test_a_deleted_status_is_gone_with_a_tombstone(node: Node) -> None:
    alice = await node.user("alice")
    uri = "http://amity.test/users/alice/statuses/12345"
    async with node.services.sessions() as session, session.begin():
        session.add(Tombstone(uri=uri, actor_uri=alice.uri))
    response = await node.get("/users/alice/statuses/12345")
    body = await response.json(content_type=None)
    assert response.status == 410 and response.content_type == "application/activity+json"
    assert body["id"] == uri and body["type"] == "Tombstone" and "deleted" in body


async def test_a_boost_is_not_served_as_a_note(node: Node) -> None:
    alice = await node.user("alice")
    original = await node.status(alice)
    boost = await node.status(alice, reblog_of_id=original.id, content="")
    assert (await node.get(f"/users/alice/statuses/{boost.id}")).status == 404


async def test_an_unknown_status_is_a_json_404(node: Node) -> None:
    await node.user("alice")
    response = await node.get("/users/alice/statuses/999")
    assert response.status == 404 and "error" in await response.json()


async def test_a_status_is_only_found_under_its_author(node: Node) -> None:
    alice = await node.user("alice")
    await node.user("bob")
    status = await node.status(alice)
    assert (await node.get(f"/users/bob/statuses/{status.id}")).status == 404


async def test_an_id_beyond_64_bits_is_a_404(node: Node) -> None:
    await node.user("alice")
    assert (await node.get("/users/alice/statuses/99999999999999999999")).status == 404


async def test_browsers_are_sent_from_the_note_to_its_page(node: Node) -> None:
    alice = await node.user("alice")
    status = await node.status(alice)
    response = await node.get(f"/users/alice/statuses/{status.id}", accept=BROWSER)
    assert response.status == 302 and response.headers["Location"] == status.url


async def test_the_status_page_is_html_for_browsers(node: Node) -> None:
    alice = await node.user("alice", display_name="<b>Alice</b>")
    status = await node.status(alice, content="<p>Story time</p>", summary="<spoiler>")
    response = await node.get(f"/@alice/{status.id}", accept=BROWSER)
    text = await response.text()
    assert response.status == 200 and response.content_type == "text/html"
    assert "<p>Story time</p>" in text
    assert "&lt;b&gt;Alice&lt;/b&gt;" in text and "&lt;spoiler&gt;" in text
    assert response.headers["Vary"] == "Accept, Accept-Language"  # the language version shown


async def test_the_status_page_gives_fetchers_the_note(node: Node) -> None:
    alice = await node.user("alice")
    status = await node.status(alice)
    response = await node.get(f"/@alice/{status.id}", accept=AS2)
    assert response.content_type == "application/activity+json"
    assert (await response.json(content_type=None))["id"] == status.uri


async def test_the_page_of_a_followers_only_status_is_not_shown(node: Node) -> None:
    alice = await node.user("alice")
    status = await node.status(alice, visibility="private")
    response = await node.get(f"/@alice/{status.id}", accept=BROWSER)
    assert response.status == 404 and response.content_type == "text/html"


async def test_a_missing_status_page_is_json_for_fetchers_and_html_for_browsers(node: Node) -> None:
    await node.user("alice")
    fetched = await node.get("/@alice/999", accept=AS2)
    assert fetched.status == 404 and "error" in await fetched.json()
    browsed = await node.get("/@alice/999", accept=BROWSER)
    assert browsed.status == 404 and browsed.content_type == "text/html"


async def test_the_page_of_a_deleted_status_is_gone(node: Node) -> None:
    alice = await node.user("alice")
    async with node.services.sessions() as session, session.begin():
        session.add(Tombstone(uri="http://amity.test/users/alice/statuses/77", actor_uri=alice.uri))
    response = await node.get("/@alice/77", accept=BROWSER)
    assert response.status == 410 and response.content_type == "text/html"


async def test_pages_sanitize_stored_html_again(node: Node) -> None:
    """Rows are sanitized when written; pages do it once more, whatever the database holds."""
    ana = await node.user("ana", note='<p>hi</p><script>alert("note")</script>')
    status = await node.status(ana, content='<p onclick="x()">text</p><img src=x onerror=alert(1)>'
                                            '<a href="javascript:alert(2)">link</a>')
    page = await (await node.get(f"/@ana/{status.id}", accept="text/html")).text()
    profile = await (await node.get("/@ana", accept="text/html")).text()
    for html in (page, profile):
        assert "<script" not in html and "onclick" not in html and "onerror" not in html
        assert "javascript:" not in html and "<img" not in html
    assert "<p>text</p>" in page
