"""The fields a poll adds to a post, and a vote's Create (pure rendering, no database)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from federation.question import question_fields, vote_create
from storage.models import Poll

NOW = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)


def poll(**fields: object) -> Poll:
    values: dict[str, object] = {
        "multiple": False, "hide_totals": False, "voters_count": 3, "closed_at": None,
        "expires_at": NOW + timedelta(hours=1),
        "options": [{"title": "Yes", "votes": 2}, {"title": "No", "votes": 1}]}
    values.update(fields)
    return Poll(**values)


def test_a_running_poll_has_one_of_with_counts_and_an_end_time() -> None:
    fields = question_fields(poll(), now=NOW)
    assert fields == {
        "type": "Question", "votersCount": 3, "endTime": "2026-05-01T13:00:00Z",
        "oneOf": [{"type": "Note", "name": "Yes", "replies": {"type": "Collection", "totalItems": 2}},
                  {"type": "Note", "name": "No", "replies": {"type": "Collection", "totalItems": 1}}]}


def test_hidden_totals_are_left_out_until_the_end_then_shown() -> None:
    hidden = question_fields(poll(hide_totals=True, multiple=True), now=NOW)
    assert hidden["anyOf"] == [{"type": "Note", "name": "Yes"}, {"type": "Note", "name": "No"}]
    ended = question_fields(poll(hide_totals=True), now=NOW + timedelta(hours=2))
    assert [o["replies"]["totalItems"] for o in ended["oneOf"]] == [2, 1]
    assert ended["closed"] == "2026-05-01T13:00:00Z"


def test_a_poll_closed_early_says_when() -> None:
    fields = question_fields(poll(closed_at=NOW - timedelta(minutes=5)), now=NOW)
    assert fields["closed"] == "2026-05-01T11:55:00Z" and fields["endTime"] == "2026-05-01T13:00:00Z"


def test_a_vote_is_a_create_of_a_named_note_to_the_author_only() -> None:
    created = vote_create(voter_uri="https://a.example/users/v", vote_row_id=7, option_name="Yes",
                          question_uri="https://b.example/q/1", poll_author_uri="https://b.example/users/p")
    assert created["id"] == "https://a.example/users/v#votes/7/activity"
    assert created["to"] == ["https://b.example/users/p"] and created["actor"] == "https://a.example/users/v"
    assert created["object"] == {"id": "https://a.example/users/v#votes/7", "type": "Note", "name": "Yes",
                                 "attributedTo": "https://a.example/users/v",
                                 "inReplyTo": "https://b.example/q/1", "to": ["https://b.example/users/p"]}
