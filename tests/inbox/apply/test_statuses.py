"""Reading remote posts: sanitizing, languages, addressing, times (no database needed)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from inbox.apply.statuses import attributed_to, parse_datetime, parse_status, visibility_of
from storage.errors import Invalid
from storage.models import Actor

PUBLIC = "https://www.w3.org/ns/activitystreams#Public"
AUTHOR = Actor(uri="https://remote.example/users/alice", username="alice", domain="remote.example",
               followers_url="https://remote.example/users/alice/followers")


def note(**fields: Any) -> dict[str, Any]:
    return {"id": "https://remote.example/notes/1", "type": "Note", "attributedTo": AUTHOR.uri,
            "content": "<p>hi</p>", "to": [PUBLIC], **fields}


def test_content_falls_back_to_the_content_map_and_takes_its_language() -> None:
    parsed = parse_status(note(content=None, contentMap={"de": "<p>hallo<script>x</script></p>",
                                                         "en": "<p>hello</p>"}), AUTHOR)
    assert parsed.content == "<p>hallo</p>" and parsed.language == "de"
    assert parsed.content_map == {"de": "<p>hallo</p>", "en": "<p>hello</p>"}


def test_summary_map_is_sanitized_and_used_when_there_is_no_summary() -> None:
    parsed = parse_status(note(summaryMap={"en": "<b onclick=x>cw</b>"}), AUTHOR)
    assert parsed.summary == "cw" and parsed.summary_map == {"en": "cw"}


def test_a_published_time_in_the_future_is_clamped_to_now() -> None:
    future = (datetime.now(UTC) + timedelta(days=30)).isoformat()
    assert parse_status(note(published=future), AUTHOR).published <= datetime.now(UTC)


@pytest.mark.parametrize(("value", "expected"), [
    ("2025-01-02T03:04:05Z", datetime(2025, 1, 2, 3, 4, 5, tzinfo=UTC)),
    ("2025-01-02T04:04:05+01:00", datetime(2025, 1, 2, 3, 4, 5, tzinfo=UTC)),
    ("2025-01-02T03:04:05", datetime(2025, 1, 2, 3, 4, 5, tzinfo=UTC)),
    ("yesterday", None), (12, None), (None, None),
])
def test_times_are_read_as_utc(value: Any, expected: datetime | None) -> None:
    assert parse_datetime(value) == expected


@pytest.mark.parametrize(("to", "cc", "expected"), [
    (["as:Public"], [], "public"),
    ([AUTHOR.followers_url], ["Public"], "unlisted"),
    ([], [AUTHOR.followers_url], "private"),
    ("https://amity.test/users/bob", None, "direct"),
])
def test_visibility(to: Any, cc: Any, expected: str) -> None:
    assert visibility_of({"to": to, "cc": cc}, AUTHOR) == expected


def test_mentions_include_tags_and_addressed_actors_once() -> None:
    parsed = parse_status(note(to=["https://amity.test/users/bob"], cc=[AUTHOR.followers_url],
                               tag=[{"type": "Mention", "href": "https://amity.test/users/bob"},
                                    {"type": "Hashtag", "href": "https://remote.example/tags/x"}]), AUTHOR)
    assert parsed.mention_uris == ("https://amity.test/users/bob",)


@pytest.mark.parametrize("doc", [note(type="Person"), note(id=None), note(id="https://x/" + "a" * 3000)])
def test_what_is_not_a_post_is_invalid(doc: dict[str, Any]) -> None:
    with pytest.raises(Invalid):
        parse_status(doc, AUTHOR)


@pytest.mark.parametrize("value", [
    AUTHOR.uri, [AUTHOR.uri, "https://x/y"], {"id": AUTHOR.uri, "type": "Person"},
    [{"type": "Person", "id": AUTHOR.uri}],
])
def test_the_author_is_the_first_attributed_actor(value: Any) -> None:
    assert attributed_to({"attributedTo": value}) == AUTHOR.uri
