"""Polls on the wire: the fields a `Question` adds to a post, and a vote (Mastodon's shapes).

A poll is a `Question` whose options are `Note`s with a `name` and a `replies` collection
counting their votes, in `oneOf` (one choice) or `anyOf` (several). A vote is a `Create` of a
`Note` with the chosen option's `name` and `inReplyTo` the question, sent to its author only.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from federation.vocab import CONTEXT
from storage.models import Poll, utcnow


def _iso(when: datetime) -> str:  # as federation.render.iso (which imports this module)
    return when.strftime("%Y-%m-%dT%H:%M:%SZ")


def has_ended(poll: Poll, now: datetime | None = None) -> bool:
    if poll.closed_at is not None:
        return True
    return poll.expires_at is not None and poll.expires_at <= (now or utcnow())


def question_fields(poll: Poll, *, now: datetime | None = None) -> dict[str, Any]:
    """What a post with `poll` adds to its object (its `type` becomes `Question`).

    Counts are left out while a poll that hides its totals runs, as Mastodon does.
    """
    ended = has_ended(poll, now)
    show_counts = ended or not poll.hide_totals
    options = []
    for option in poll.options:
        item: dict[str, Any] = {"type": "Note", "name": option["title"]}
        if show_counts:
            item["replies"] = {"type": "Collection", "totalItems": int(option.get("votes", 0))}
        options.append(item)
    fields: dict[str, Any] = {"type": "Question", "anyOf" if poll.multiple else "oneOf": options,
                              "votersCount": poll.voters_count}
    if poll.expires_at is not None:
        fields["endTime"] = _iso(poll.expires_at)
    if ended:  # when it ended: its planned end, or when it was closed before that
        ends = [t for t in (poll.expires_at, poll.closed_at) if t is not None]
        fields["closed"] = _iso(min(ends))
    return fields


def vote_id(voter_uri: str, vote_row_id: int) -> str:
    return f"{voter_uri}#votes/{vote_row_id}"


def vote_create(*, voter_uri: str, vote_row_id: int, option_name: str, question_uri: str,
                poll_author_uri: str) -> dict[str, Any]:
    """Create(Note) of one chosen option, addressed to the poll's author only."""
    note_id = vote_id(voter_uri, vote_row_id)
    note = {"id": note_id, "type": "Note", "name": option_name, "attributedTo": voter_uri,
            "inReplyTo": question_uri, "to": [poll_author_uri]}
    return {"@context": CONTEXT, "id": f"{note_id}/activity", "type": "Create", "actor": voter_uri,
            "to": [poll_author_uri], "object": note}
