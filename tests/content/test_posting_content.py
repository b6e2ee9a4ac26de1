"""Posting with composed text: mentions, hashtags, emoji, languages, edits, and the Note sent."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from aiohttp import web
from pytest_aiohttp import AiohttpServer
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from actors.posts import emoji, post_content, posting
from actors.reading.parts import load_parts
from federation.services import Services
from storage import settings
from storage.blobs import BlobStore
from storage.errors import Invalid
from storage.models import Actor, Mention, Status, StatusEmoji, StatusTag, Tag, User
from tests.actors.factories import add, delivered, follows, local_actor, post, remote_actor, run_fanouts, seed
from tests.content.emoji_images import png

SOURCE = ("# Hello\n\nHi @cy and @bo@b.example and @ghost@nowhere.example #Garden #garden :party: "
          "`#notatag @cy :party:`\n\nsee https://example.org/a/rather/long/path/to/a/page")


async def _emoji(services: Services, tmp_path: Path, code: str = "party") -> None:
    async with services.sessions() as session, session.begin():
        await emoji.add_local(session, BlobStore(tmp_path / "media"), base_url=services.base_url,
                              shortcode=code, data=png())


async def _rows(services: Services, status_id: int) -> tuple[list[str], list[int], list[str]]:
    async with services.sessions() as session:
        tags = (await session.scalars(select(Tag.name).join(StatusTag, StatusTag.tag_id == Tag.id)
                                      .where(StatusTag.status_id == status_id).order_by(Tag.name))).all()
        mentioned = (await session.scalars(select(Mention.actor_id).where(Mention.status_id == status_id)
                                           .order_by(Mention.actor_id))).all()
        emojis = (await session.scalars(select(StatusEmoji.emoji_id).where(StatusEmoji.status_id == status_id)
                                        )).all()
        codes = [e.shortcode for e in [await session.get(emoji.CustomEmoji, i) for i in emojis] if e]
    return list(tags), list(mentioned), codes


async def test_a_markdown_post_gets_mentions_tags_and_emoji_rows(
        services: Services, engine: AsyncEngine, author: Actor, tmp_path: Path) -> None:
    cy, bo = local_actor("cy", keyed=False), remote_actor("bo", "b.example")
    await seed(engine, cy, bo)
    await _emoji(services, tmp_path)
    status = await post(services, author, text=SOURCE, content_type="text/markdown")
    assert status.source_text == SOURCE and status.source_type == "text/markdown"
    assert status.content.startswith("<p><strong>Hello</strong></p>")
    assert 'class="u-url mention"' in status.content and "@ghost@nowhere.example" in status.content
    assert "<code>#notatag @cy :party:</code>" in status.content
    assert '<span class="ellipsis">example.org/a/rather/long/path</span>' in status.content
    tags, mentioned, codes = await _rows(services, status.id)
    assert tags == ["garden"] and mentioned == sorted([cy.id, bo.id]) and codes == ["party"]


async def test_the_default_format_and_language_come_from_the_member_then_the_node(
        services: Services, engine: AsyncEngine, author: Actor) -> None:
    await add(engine, User(actor_id=author.id, email="ana@example.org", password_hash="x",
                           default_format="text/markdown", default_language="pt"))
    status = await post(services, author, text="**forte**")
    assert status.content == "<p><strong>forte</strong></p>" and status.language == "pt"
    plain = await post(services, author, text="**x**", content_type="text/plain", language="EN")
    assert plain.content == "<p>**x**</p>" and plain.language == "en"
    async with services.sessions() as session, session.begin():
        await session.execute(update(User).values(default_language=None))
        await settings.set_value(session, "default_language", "de")
    assert (await post(services, author, text="hallo")).language == "de"


async def test_language_versions_are_composed_and_sent_as_content_and_summary_maps(
        services: Services, engine: AsyncEngine, author: Actor) -> None:
    fan = remote_actor("fan", "a.example")
    await seed(engine, fan)
    await add(engine, *follows([fan], author))
    status = await post(services, author, text="Our mural #art", language="en", content_type="text/plain",
                        content_map={"pt": "Nosso mural #arte"}, summary="Photo", summary_map={"pt": "Foto"})
    assert status.content_map == {"en": "<p>Our mural " + status.content.split("Our mural ")[1],
                                  "pt": status.content_map["pt"]}
    assert "Nosso mural" in status.content_map["pt"] and status.source_map == {"pt": "Nosso mural #arte"}
    assert status.summary_map == {"en": "Photo", "pt": "Foto"} and status.sensitive
    assert (await _rows(services, status.id))[0] == ["art", "arte"]
    await run_fanouts(services)
    [create] = (await delivered(engine))["https://a.example/inbox"]
    note = create["object"]
    assert note["content"] == status.content and note["contentMap"] == status.content_map
    assert note["summary"] == "Photo" and note["summaryMap"] == {"en": "Photo", "pt": "Foto"}
    assert {t["name"] for t in note["tag"] if t["type"] == "Hashtag"} == {"#art", "#arte"}


async def test_one_content_warning_for_all_versions_sends_no_summary_map(
        services: Services, author: Actor) -> None:
    status = await post(services, author, text="a", language="en", content_map={"pt": "b"}, summary="cw")
    assert status.summary_map == {} and set(status.content_map) == {"en", "pt"}


async def test_bad_versions_are_refused_with_a_clear_message(services: Services, author: Actor) -> None:
    cases: list[tuple[dict[str, Any], str]] = [
        ({"content_map": {"pt": " "}}, "pt version is empty"),
        ({"content_map": {"not a language": "x"}}, "not a language code"),
        ({"summary_map": {"fr": "x"}}, "has no version"),
        ({"content_type": "text/html"}, "content_type must be one of"),
    ]
    for kwargs, message in cases:
        try:
            await post(services, author, text="x", language="en", **kwargs)
        except Invalid as exc:
            assert message in str(exc)
        else:
            raise AssertionError(f"{kwargs} was accepted")
    async with services.sessions() as session:
        assert (await session.scalars(select(Status))).all() == []


async def test_the_note_carries_mention_hashtag_and_emoji_tags(
        services: Services, engine: AsyncEngine, author: Actor, tmp_path: Path) -> None:
    bo = remote_actor("bo", "b.example")
    await seed(engine, bo)
    await _emoji(services, tmp_path)
    status = await post(services, author, text="@bo@b.example #Garden :party:")
    async with services.sessions() as session:
        parts = (await load_parts(session, [status.id]))[status.id]
        assert [t.name for t in parts.hashtags] == ["garden"]
        assert [e.shortcode for e in parts.emojis] == ["party"]
    await run_fanouts(services)
    [create] = (await delivered(engine))["https://b.example/inbox"]
    tags = {t["type"]: t for t in create["object"]["tag"]}
    assert tags["Mention"] == {"type": "Mention", "href": bo.uri, "name": "@bo@b.example"}
    assert tags["Hashtag"] == {"type": "Hashtag", "href": "http://amity.test/tags/garden", "name": "#Garden"}
    party = tags["Emoji"]
    assert party["name"] == ":party:" and party["id"].startswith("http://amity.test/emojis/")
    assert party["icon"]["type"] == "Image" and party["icon"]["mediaType"] == "image/png"
    assert party["icon"]["url"].startswith("http://amity.test/media/") and party["updated"].endswith("Z")


async def test_an_edit_composes_again_and_replaces_tags_and_mentions(
        services: Services, engine: AsyncEngine, author: Actor) -> None:
    cy, dee = local_actor("cy", keyed=False), local_actor("dee", keyed=False)
    await seed(engine, cy, dee)
    status = await post(services, author, text="@cy #old", language="en", content_map={"pt": "@cy #velho"})
    async with services.sessions() as session, session.begin():
        mine = await session.get(Status, status.id)
        assert mine is not None
        await posting.edit_status(session, services, author, mine, text="@dee #new")
    tags, mentioned, _ = await _rows(services, status.id)
    assert tags == ["new", "velho"] and mentioned == sorted([cy.id, dee.id])
    async with services.sessions() as session, session.begin():
        mine = await session.get(Status, status.id)
        assert mine is not None
        await posting.edit_status(session, services, author, mine, text="**bold** #new", content_map={},
                                  content_type="text/markdown")
        assert mine.content == ('<p><strong>bold</strong> <a href="http://amity.test/tags/new" '
                                'class="mention hashtag" rel="nofollow noopener noreferrer" target="_blank">'
                                '#<span>new</span></a></p>')
        assert mine.content_map == {} and mine.source_map == {} and mine.source_type == "text/markdown"
    assert (await _rows(services, status.id))[0] == ["new"]


# --- mentions resolved before the transaction -------------------------------------------------

def _webfinger_app(port_holder: dict[str, int], *, delay: float = 0.0) -> web.Application:
    async def webfinger(request: web.Request) -> web.Response:
        await asyncio.sleep(delay)
        resource = request.query["resource"]
        user = resource.split(":", 1)[1].split("@", 1)[0]
        href = f"http://127.0.0.1:{port_holder['port']}/users/{user}"
        return web.json_response({"subject": resource, "links": [
            {"rel": "self", "type": "application/activity+json", "href": href}]},
            content_type="application/jrd+json")

    async def actor(request: web.Request) -> web.Response:
        uri = f"http://127.0.0.1:{port_holder['port']}/users/{request.match_info['name']}"
        doc: dict[str, Any] = {"id": uri, "type": "Person", "preferredUsername": request.match_info["name"],
                               "inbox": f"{uri}/inbox", "url": f"{uri}/page"}
        return web.json_response(doc, content_type="application/activity+json")

    app = web.Application()
    app.router.add_get("/.well-known/webfinger", webfinger)
    app.router.add_get("/users/{name}", actor)
    return app


async def test_prepare_resolves_remote_mentions_through_webfinger(
        services: Services, author: Actor, aiohttp_server: AiohttpServer) -> None:
    holder: dict[str, int] = {}
    server = await aiohttp_server(_webfinger_app(holder))
    holder["port"] = int(server.port or 0)
    remote = f"127.0.0.1:{server.port}"
    text = f"hello @zed@{remote} `@code@{remote}`"
    prepared = await post_content.prepare_mentions(services, [(text, "text/markdown")])
    assert list(prepared.targets) == [f"zed@{remote}"]
    status = await post(services, author, text=text, prepared=prepared, content_type="text/markdown")
    assert f'href="http://{remote}/users/zed/page" class="u-url mention"' in status.content
    async with services.sessions() as session:
        zed = await session.scalar(select(Actor).where(Actor.username == "zed"))
        assert zed is not None and zed.domain == remote
        assert (await session.scalars(select(Mention.actor_id))).all() == [zed.id]


async def test_a_slow_webfinger_leaves_the_mention_as_text(
        services: Services, author: Actor, aiohttp_server: AiohttpServer) -> None:
    holder: dict[str, int] = {}
    server = await aiohttp_server(_webfinger_app(holder, delay=2.0))
    holder["port"] = int(server.port or 0)
    text = f"hello @slow@127.0.0.1:{server.port}"
    prepared = await post_content.prepare_mentions(services, [(text, "text/plain")], lookup_seconds=0.2)
    assert prepared.targets == {}
    status = await post(services, author, text=text, prepared=prepared)
    assert "<a" not in status.content
    async with services.sessions() as session:
        assert (await session.scalars(select(Actor).where(Actor.username == "slow"))).all() == []
        assert (await session.scalars(select(Mention))).all() == []
