"""A member's featured tags as Mastodon's `featuredTags` Collection, linked from the actor."""

from __future__ import annotations

from actors.social.tag_choices import feature_tag
from tests.ui.activitypub.conftest import Node


async def test_the_actor_links_its_featured_tags_as_hashtags(any_node: Node) -> None:
    alice = await any_node.user("alice")
    async with any_node.services.sessions() as session, session.begin():
        await feature_tag(session, alice.id, "Garden")
        await feature_tag(session, alice.id, "compost")
    actor = await any_node.json("/users/alice")
    assert actor["featuredTags"] == "http://amity.test/users/alice/collections/tags"
    term = {"@id": "toot:featuredTags", "@type": "@id"}
    assert any(isinstance(terms, dict) and terms.get("featuredTags") == term for terms in actor["@context"])
    doc = await any_node.json("/users/alice/collections/tags")
    assert (doc["type"], doc["id"], doc["totalItems"]) == ("Collection", actor["featuredTags"], 2)
    assert doc["items"] == [
        {"type": "Hashtag", "href": "http://amity.test/tags/garden", "name": "#Garden"},
        {"type": "Hashtag", "href": "http://amity.test/tags/compost", "name": "#compost"}]


async def test_an_unknown_account_has_no_featured_tags(node: Node) -> None:
    response = await node.get("/users/nobody/collections/tags")
    assert response.status == 404
