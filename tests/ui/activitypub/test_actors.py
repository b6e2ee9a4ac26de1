"""Actor documents, their content negotiation, and the profile page."""

from __future__ import annotations

import pytest

from federation.vocab import CONTEXT
from tests.ui.activitypub.conftest import AS2, BROWSER, Node

AS2_ACCEPTS = [
    "application/activity+json",
    'application/ld+json; profile="https://www.w3.org/ns/activitystreams"',
    "application/ld+json",
    "application/json",
    "application/activity+json, application/ld+json",  # what Fedify sends for key fetches
]


@pytest.mark.parametrize("accept", AS2_ACCEPTS)
async def test_fetchers_get_the_actor_document_as_activity_json(node: Node, accept: str) -> None:
    await node.user("alice")
    response = await node.get("/users/alice", accept=accept)
    assert response.status == 200
    assert response.content_type == "application/activity+json"
    assert response.headers["Vary"] == "Accept"
    assert (await response.json(content_type=None))["id"] == "http://amity.test/users/alice"


async def test_the_actor_document_names_its_key_collections_and_inboxes(node: Node) -> None:
    alice = await node.user("alice", display_name="Alice", locked=True, discoverable=True)
    doc = await node.json("/users/alice")
    assert doc["@context"] == CONTEXT
    assert doc["type"] == "Person" and doc["preferredUsername"] == "alice" and doc["name"] == "Alice"
    assert doc["publicKey"] == {"id": "http://amity.test/users/alice#main-key",
                                "owner": "http://amity.test/users/alice",
                                "publicKeyPem": alice.public_key_pem}
    assert doc["inbox"] == "http://amity.test/users/alice/inbox"
    assert doc["endpoints"] == {"sharedInbox": "http://amity.test/inbox"}
    assert doc["outbox"] == "http://amity.test/users/alice/outbox"
    assert doc["followers"] == "http://amity.test/users/alice/followers"
    assert doc["following"] == "http://amity.test/users/alice/following"
    assert doc["featured"] == "http://amity.test/users/alice/collections/featured"
    assert doc["manuallyApprovesFollowers"] is True and doc["discoverable"] is True


async def test_profile_fields_are_property_values(node: Node) -> None:
    await node.user("alice", fields=[{"name": "Pronouns", "value": "she/her"}])
    doc = await node.json("/users/alice")
    assert doc["attachment"] == [{"type": "PropertyValue", "name": "Pronouns", "value": "she/her"}]


async def test_the_actor_document_is_found_by_any_case_of_the_name(node: Node) -> None:
    await node.user("alice")
    assert (await node.json("/users/ALICE"))["id"] == "http://amity.test/users/alice"


async def test_browsers_are_sent_from_the_actor_to_the_profile_page(node: Node) -> None:
    await node.user("alice")
    response = await node.get("/users/alice", accept=BROWSER)
    assert response.status == 302 and response.headers["Location"] == "http://amity.test/@alice"
    assert response.headers["Vary"] == "Accept"


@pytest.mark.parametrize("accept", [BROWSER, "*/*", None])
async def test_the_profile_page_is_html_for_browsers(node: Node, accept: str | None) -> None:
    await node.user("alice", display_name="Alice A.", note="<p>Librarian</p>")
    response = await node.get("/@alice", accept=accept)
    text = await response.text()
    assert response.status == 200 and response.content_type == "text/html"
    assert '<html lang="en">' in text and "Alice A." in text and "@alice@amity.test" in text
    assert "<p>Librarian</p>" in text
    assert response.headers["Vary"] == "Accept"


async def test_the_profile_page_escapes_the_display_name(node: Node) -> None:
    await node.user("mallory", display_name="<script>alert(1)</script>")
    text = await (await node.get("/@mallory", accept=BROWSER)).text()
    assert "<script>" not in text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text


async def test_the_profile_page_uses_the_members_language(node: Node) -> None:
    alice = await node.user("alice")
    await node.update_login(alice, locale="fr")
    assert '<html lang="fr">' in await (await node.get("/@alice", accept=BROWSER)).text()


async def test_the_profile_url_gives_fetchers_the_actor_document(node: Node) -> None:
    await node.user("alice")
    response = await node.get("/@alice", accept=AS2)
    assert response.content_type == "application/activity+json"
    assert (await response.json(content_type=None))["id"] == "http://amity.test/users/alice"


async def test_a_client_accepting_neither_gets_406(node: Node) -> None:
    await node.user("alice")
    assert (await node.get("/users/alice", accept="image/png")).status == 406


@pytest.mark.parametrize("path", ["/users/nobody", "/users/actor"])
async def test_no_such_member_is_a_json_404(node: Node, path: str) -> None:
    response = await node.get(path)
    assert response.status == 404 and "error" in await response.json()


async def test_a_disabled_member_has_no_actor_document(node: Node) -> None:
    alice = await node.user("alice")
    await node.update_login(alice, disabled=True)
    assert (await node.get("/users/alice")).status == 404


async def test_the_instance_actor_is_an_application(node: Node) -> None:
    doc = await node.json("/actor")
    assert doc["type"] == "Application" and doc["id"] == "http://amity.test/actor"
    assert doc["publicKey"]["owner"] == "http://amity.test/actor"
    assert doc["publicKey"]["id"] == "http://amity.test/actor#main-key"


async def test_actor_documents_stay_public_when_signatures_are_required(node: Node) -> None:
    await node.user("alice")
    await node.setting("authorized_fetch", True)
    assert (await node.get("/users/alice")).status == 200
    assert (await node.get("/actor")).status == 200
