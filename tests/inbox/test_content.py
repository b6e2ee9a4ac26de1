"""Remote posts' text: Hashtag and Emoji tags and language versions stored; hostile HTML in
every field (content, summary, contentMap, summaryMap, names, profile notes, fields) inert."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from actors.reading.parts import load_parts
from federation.urls import domain_of
from storage.models import Actor, CustomEmoji, Status, StatusEmoji, StatusTag, Tag
from tests.content.xss_corpus import CORPUS, assert_inert
from tests.inbox.conftest import Node

EMOJI = {"id": "http://remote.test/emojis/7", "type": "Emoji", "name": ":blob:",
         "updated": "2025-01-01T00:00:00Z", "icon": {"type": "Image", "mediaType": "image/png", "url": "http://remote.test/files/blob.png"}}


async def test_hashtags_emoji_and_language_versions_are_stored(node: Node) -> None:
    alice = node.remote()
    await node.followed(alice)
    note = alice.note(1, content="<p>hi #Garden :blob:</p>", contentMap={"en": "<p>hi #Garden :blob:</p>",
                                                                        "pt": "<p>olá #Jardim :blob:</p>"},
                      summaryMap={"en": "cw", "pt": "aviso"}, tag=[
                          {"type": "Hashtag", "href": "http://remote.test/tags/garden", "name": "#Garden"},
                          {"type": "Hashtag", "name": "#Jardim"}, {"type": "Hashtag", "name": "#no space"},
                          {"type": "Hashtag", "name": "#<b>x</b>"}, EMOJI,
                          {**EMOJI, "name": ":bad name:"}, {**EMOJI, "name": ":js:", "icon": {
                              "type": "Image", "url": "javascript:alert(1)"}}])
    await node.deliver(alice, alice.activity("Create", note))
    (status,) = await node.rows(Status)
    assert status.content_map == {"en": "<p>hi #Garden :blob:</p>", "pt": "<p>olá #Jardim :blob:</p>"}
    assert status.summary_map == {"en": "cw", "pt": "aviso"} and status.language == "en"
    tags = await node.rows(Tag)
    assert sorted((t.name, t.display_name) for t in tags) == [("garden", "Garden"), ("jardim", "Jardim")]
    assert await node.count(StatusTag) == 2
    (blob,) = await node.rows(CustomEmoji)
    assert (blob.shortcode, blob.domain, blob.image_url, blob.uri) == (
        "blob", domain_of(alice.uri), "http://remote.test/files/blob.png", "http://remote.test/emojis/7")
    assert blob.updated_at == datetime(2025, 1, 1, tzinfo=UTC)
    assert await node.count(StatusEmoji) == 1
    async with node.services.sessions() as session:
        parts = (await load_parts(session, [status.id]))[status.id]
    assert [t.name for t in parts.hashtags] == ["garden", "jardim"]
    assert [e.shortcode for e in parts.emojis] == ["blob"]


async def test_an_edit_replaces_tags_and_refreshes_a_changed_emoji(node: Node) -> None:
    alice = node.remote()
    await node.followed(alice)
    await node.deliver(alice, alice.activity("Create", alice.note(1, tag=[
        {"type": "Hashtag", "name": "#old"}, EMOJI])))
    newer = {**EMOJI, "updated": "2025-02-01T00:00:00Z",
             "icon": {"type": "Image", "mediaType": "image/gif", "url": "http://remote.test/files/blob2.gif"}}
    update = alice.activity("Update", alice.note(1, content="<p>edited</p>", updated="2025-01-03T00:00:00Z",
                                                 tag=[{"type": "Hashtag", "name": "#new"}, newer]))
    await node.deliver(alice, update)
    await node.reprocess(update["id"])
    async with node.services.sessions() as session:
        names = (await session.scalars(select(Tag.name).join(StatusTag, StatusTag.tag_id == Tag.id))).all()
    assert names == ["new"]
    (blob,) = await node.rows(CustomEmoji)
    assert blob.image_url == "http://remote.test/files/blob2.gif" and blob.content_type == "image/gif"


@pytest.mark.parametrize("name", sorted(CORPUS))
async def test_hostile_html_in_a_remote_post_is_stored_inert(node: Node, name: str) -> None:
    alice = node.remote()
    await node.followed(alice)
    payload = CORPUS[name]
    note = alice.note(1, content=f"<p>{payload}</p>", summary=payload,
                      contentMap={"en": payload, "pt": payload}, summaryMap={"pt": payload}, name=payload)
    await node.deliver(alice, alice.activity("Create", note))
    (status,) = await node.rows(Status)
    for html in [status.content, *status.content_map.values()]:
        assert_inert(html)
    for text in [status.summary, *status.summary_map.values()]:  # content warnings are plain text
        assert name == "entity_tag" or "<" not in text, text  # (escaped text stays text: "&lt;" -> "<")
    response = await node.client.get(f"/api/v1/statuses/{status.id}")  # and as apps read it
    assert response.status == 200
    shown = await response.json()
    assert_inert(shown["content"])
    assert name == "entity_tag" or "<" not in shown["spoiler_text"], shown["spoiler_text"]


@pytest.mark.parametrize("name", sorted(CORPUS))
async def test_hostile_html_in_a_remote_profile_is_stored_inert(node: Node, name: str) -> None:
    alice = node.remote()
    await node.seed(alice)
    payload = CORPUS[name]
    profile = {**alice.document(), "name": payload, "summary": payload, "preferredUsername": "alice",
               "attachment": [{"type": "PropertyValue", "name": payload, "value": payload}]}
    await node.deliver(alice, alice.activity("Update", profile))
    (actor,) = await node.rows(Actor, Actor.uri == alice.uri)
    assert_inert(actor.note)
    assert_inert(actor.fields[0]["value"])
    for text in (actor.display_name, actor.fields[0]["name"]):  # names are text: no markup at all
        assert name == "entity_tag" or "<" not in text, text
    response = await node.client.get(f"/api/v1/accounts/{actor.id}")  # and as apps read it
    assert response.status == 200
    shown = await response.json()
    assert_inert(shown["note"])
    assert_inert(shown["fields"][0]["value"])
    for text in (shown["display_name"], shown["fields"][0]["name"]):
        assert name == "entity_tag" or "<" not in text, text
