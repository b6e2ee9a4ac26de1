"""Reading an inbox POST: the body under a size cap, then JSON that is an activity.

Nesting is limited to `MAX_DEPTH` by `federation.client.parse_json`: `json.loads` stops a
very deep document at the interpreter's recursion guard (about 1,000 levels, in about a
millisecond), and the depth of what it did parse is then checked without recursion. A
pre-scan of the raw bytes in Python was measured at 60-500 ms per MiB: dearer than parsing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from aiohttp import web

from federation.client import FetchError, InvalidJSON, origin, parse_json
from federation.urls import require_canonical
from federation.vocab import id_of, type_of
from inbox.errors import Refused, bad_request
from storage.errors import Invalid

MAX_DEPTH = 32  # a Mastodon activity nests about 5 deep
MAX_URI_CHARS = 2048
_CHUNK = 65_536


async def read_capped(request: web.Request, limit: int) -> bytes:
    """The request body; 413 as soon as it is known to exceed `limit` (nothing more is read)."""
    declared = request.content_length
    if declared is not None and declared > limit:
        raise Refused(413, f"the body is larger than the limit of {limit} bytes")
    chunks: list[bytes] = []
    total = 0
    while chunk := await request.content.read(min(_CHUNK, limit + 1 - total)):
        total += len(chunk)
        if total > limit:
            raise Refused(413, f"the body is larger than the limit of {limit} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


@dataclass(frozen=True)
class Envelope:
    """The parts of an activity the inbox checks before believing anything in it."""

    activity: dict[str, Any]
    id: str
    type: str
    actor: str
    object_id: str | None
    text: str  # the body as received (valid UTF-8 JSON), stored as is instead of re-encoded


def parse_activity(body: bytes) -> Envelope:
    """The body as an activity with an id, a type and an actor; 400 otherwise."""
    try:
        doc = parse_json(body, max_depth=MAX_DEPTH)
    except InvalidJSON as exc:
        raise bad_request(str(exc)) from None
    if not isinstance(doc, dict):
        raise bad_request("the body must be a JSON object (an activity)")
    activity_id = doc.get("id") if isinstance(doc.get("id"), str) else None
    kind, actor = type_of(doc), id_of(doc.get("actor"))
    if not activity_id:
        raise bad_request("the activity has no id")
    if not kind:
        raise bad_request("the activity has no type")
    if not actor:
        raise bad_request("the activity has no actor")
    _check_uri("id", activity_id)
    _check_uri("actor", actor)
    return Envelope(doc, activity_id, kind, actor, id_of(doc.get("object")), body.decode("utf-8"))


def _check_uri(name: str, uri: str) -> None:
    if len(uri) > MAX_URI_CHARS:
        raise bad_request(f"the activity's {name} is longer than {MAX_URI_CHARS} characters")
    try:
        origin(uri)
    except FetchError:
        raise bad_request(f"the activity's {name} is not an absolute http(s) URL") from None
    if not uri.startswith(("https://", "http://")):
        raise bad_request(f"the activity's {name} is not an absolute http(s) URL")
    try:
        require_canonical(uri, f"activity's {name}")
    except Invalid as exc:
        raise bad_request(str(exc)) from None
