"""Oversized remote posts and profiles are capped (federation/limits.py), never stored whole."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from federation import limits
from federation.resolve import parse_actor
from inbox.apply import statuses
from inbox.apply.statuses import apply_edit, parse_status, store_status
from storage.db import session_maker
from storage.models import Actor, StatusEdit
from tests.actors.factories import remote_actor, seed

PUBLIC = "https://www.w3.org/ns/activitystreams#Public"
AUTHOR = Actor(uri="https://remote.example/users/alice", username="alice", domain="remote.example",
               followers_url="https://remote.example/users/alice/followers")
BIG = 300_000


def note(**fields: Any) -> dict[str, Any]:
    return {"id": "https://remote.example/notes/1", "type": "Note", "attributedTo": AUTHOR.uri,
            "content": "<p>hi</p>", "to": [PUBLIC], **fields}


def test_content_summary_and_language_versions_are_capped() -> None:
    parsed = parse_status(note(content="a" * BIG, summary="b" * BIG, type="Article", name="n" * BIG,
                               contentMap={f"l{i}": "c" * BIG for i in range(100)},
                               summaryMap={f"l{i}": "s" * BIG for i in range(100)}), AUTHOR)
    assert len(parsed.content) <= limits.MAX_CONTENT_CHARS + limits.MAX_ARTICLE_NAME_CHARS + 7
    assert len(parsed.summary) == limits.MAX_SUMMARY_CHARS
    assert len(parsed.content_map) == len(parsed.summary_map) == limits.MAX_LANGUAGES
    assert all(len(v) == limits.MAX_CONTENT_CHARS for v in parsed.content_map.values())
    assert all(len(v) == limits.MAX_SUMMARY_CHARS for v in parsed.summary_map.values())


def test_tags_mentions_emoji_and_attachments_per_post_are_capped() -> None:
    many = range(1000)
    parsed = parse_status(note(
        tag=[{"type": "Hashtag", "name": f"#tag{i}"} for i in many]
        + [{"type": "Mention", "href": f"https://remote.example/users/u{i}"} for i in many]
        + [{"type": "Emoji", "name": f":e{i}:", "icon": {"type": "Image", "url": f"https://r.example/{i}.png"}}
           for i in many],
        attachment=[{"type": "Image", "url": f"https://r.example/{i}.png"} for i in many]), AUTHOR)
    assert len(parsed.hashtags) == limits.MAX_TAGS
    assert len(parsed.mention_uris) == limits.MAX_MENTIONS
    assert len(parsed.emojis) == limits.MAX_EMOJIS
    assert len(parsed.attachments) == limits.MAX_ATTACHMENTS


def test_poll_options_are_capped_in_number_and_length() -> None:
    parsed = parse_status(note(type="Question", oneOf=[
        {"type": "Note", "name": f"{i} " + "o" * BIG} for i in range(1000)]), AUTHOR)
    assert parsed.poll is not None
    assert len(parsed.poll.options) == limits.MAX_POLL_OPTIONS
    assert all(len(title) <= limits.MAX_POLL_OPTION_CHARS for title, _votes in parsed.poll.options)


@pytest.mark.timeout(20)
def test_a_huge_hashtag_name_is_skipped_without_backtracking() -> None:
    parsed = parse_status(note(tag=[{"type": "Hashtag", "name": "#" + "a" * 100_000 + "!"},
                                    {"type": "Hashtag", "name": "#ok"}]), AUTHOR)
    assert parsed.hashtags == ("ok",)


def test_profile_names_notes_fields_and_aliases_are_capped() -> None:
    uri = "https://remote.example/users/alice"
    fields = parse_actor({
        "id": uri, "type": "Person", "inbox": f"{uri}/inbox", "preferredUsername": "alice",
        "name": "n" * BIG, "summary": "s" * BIG,
        "attachment": [{"type": "PropertyValue", "name": "k" * BIG, "value": "v" * BIG} for _ in range(1000)],
        "alsoKnownAs": [f"https://old{i}.example/users/alice" for i in range(10_000)] + ["javascript:x"],
    }, fetched_from=uri).values
    assert len(fields["display_name"]) == limits.MAX_NAME_CHARS  # a long username is refused instead
    assert len(fields["note"]) == limits.MAX_NOTE_CHARS
    assert len(fields["fields"]) == limits.MAX_FIELDS
    assert all(len(f["name"]) == limits.MAX_NAME_CHARS and len(f["value"]) == limits.MAX_FIELD_VALUE_CHARS
               for f in fields["fields"])
    assert fields["also_known_as"] == [f"https://old{i}.example/users/alice"
                                       for i in range(limits.MAX_ALSO_KNOWN_AS)]


async def test_a_post_edited_again_and_again_keeps_only_its_newest_versions(
        engine: AsyncEngine, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(statuses, "MAX_EDITS", 3)
    alice = remote_actor("alice", "remote.example")
    await seed(engine, alice)
    async with session_maker(engine)() as session, session.begin():
        original = note(published="2024-12-31T00:00:00Z")  # each edit below is newer, so none is stale
        status = await store_status(session, parse_status(original, alice), alice, announce=False)
        assert status is not None
        for n in range(6):
            edited = parse_status(note(content=f"<p>v{n}</p>", updated=f"2025-01-0{n + 1}T00:00:00Z"), alice)
            assert await apply_edit(session, status, edited)
    async with session_maker(engine)() as session:
        kept = (await session.scalars(select(StatusEdit.content).order_by(StatusEdit.id))).all()
        assert await session.scalar(select(func.count()).select_from(StatusEdit)) == 3
    assert kept == ["<p>v2</p>", "<p>v3</p>", "<p>v4</p>"]  # the version before each of the last 3 edits
