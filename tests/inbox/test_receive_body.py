"""Reading the body: the nesting check before the parser, and the activity's required fields."""

from __future__ import annotations

import json

import pytest

from inbox.errors import Refused
from inbox.receive import MAX_DEPTH, parse_activity


@pytest.mark.parametrize("depth", [MAX_DEPTH + 1, 1_000, 1_000_000])
def test_json_nested_deeper_than_the_limit_is_refused(depth: int) -> None:
    body = b'{"id": "https://a.example/1", "type": "Like", "actor": "https://a.example/u", "x": '
    body += b"[" * depth + b"]" * depth + b"}"
    with pytest.raises(Refused, match="nested deeper") as caught:
        parse_activity(body)
    assert caught.value.status == 400


def test_json_at_the_limit_is_accepted() -> None:
    body = b'{"id": "https://a.example/1", "type": "Like", "actor": "https://a.example/u", "x": '
    body += b"[" * (MAX_DEPTH - 1) + b"]" * (MAX_DEPTH - 1) + b"}"
    assert parse_activity(body).type == "Like"


def test_the_envelope_names_id_type_actor_and_object() -> None:
    envelope = parse_activity(json.dumps({"id": "https://a.example/1", "type": ["Like", "x:More"],
                                          "actor": {"id": "https://a.example/u"},
                                          "object": "https://b.example/n"}).encode())
    assert (envelope.id, envelope.type, envelope.actor, envelope.object_id) == (
        "https://a.example/1", "Like", "https://a.example/u", "https://b.example/n")


@pytest.mark.parametrize("doc", [
    {"id": "ftp://a.example/1", "type": "Like", "actor": "https://a.example/u"},
    {"id": "https://a.example/1", "type": "Like", "actor": "urn:x:y"},
    {"id": "https://a.example/" + "x" * 2048, "type": "Like", "actor": "https://a.example/u"},
    {"id": 5, "type": "Like", "actor": "https://a.example/u"},
])
def test_ids_must_be_short_absolute_http_urls(doc: dict[str, object]) -> None:
    with pytest.raises(Refused) as caught:
        parse_activity(json.dumps(doc).encode())
    assert caught.value.status == 400
