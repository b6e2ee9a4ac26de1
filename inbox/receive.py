"""An inbox POST received, before any processing: read, stored with its job, group-committed.

*Reading*: the body under a size cap, then JSON that is an activity.

Nesting is limited to `MAX_DEPTH` by `federation.client.parse_json`: `json.loads` stops a
very deep document at the interpreter's recursion guard (about 1,000 levels, in about a
millisecond), and the depth of what it did parse is then checked without recursion. A
pre-scan of the raw bytes in Python was measured at 60-500 ms per MiB: dearer than parsing.

*Storing*: verified activities into `inbox_items`: the activity id is unique, a repeat is a no-op.

The row and its `inbox.process` job are written in one transaction, so an activity is
either stored and queued, or neither.

A forwarded activity (signed by someone other than its actor) is keyed by its id *and* its
forwarder: otherwise a third server could forward a made-up activity under the predictable
id of one the actor has yet to send (Mastodon's `…/activity`, `…#delete`), have it refused
when the origin is asked, and so make the genuine one a "duplicate" when it arrives.

*Group commits*: concurrent verified POSTs share one write transaction.

Every POST is answered 202 only after its row is committed. Under load, requests that arrive
while a commit is in progress wait for the next one, which takes all of them at once: one
transaction for many items instead of one each (a SQLite commit per request caps an inbox
near a few thousand per second). When the inbox is quiet, a request commits alone, at once.
"""

from __future__ import annotations

import functools
import hashlib
from dataclasses import dataclass
from typing import Any

from aiohttp import web
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from federation.client import FetchError, InvalidJSON, origin, parse_json
from federation.services import Services
from federation.urls import require_canonical
from federation.vocab import id_of, type_of
from inbox.errors import Refused, bad_request
from storage import queue
from storage.errors import Invalid
from storage.models import InboxItem
from storage.queries import NewInboxItem, insert_inbox_items
from storage.round_trips import Coalescer

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


PROCESS_KIND = "inbox.process"
MAX_KEY_CHARS = 2048


def dedupe_key(activity_id: str, *, actor_uri: str, signer_uri: str) -> str:
    """What `inbox_items.activity_id` holds: the id, or the id and its forwarder."""
    if signer_uri == actor_uri:
        return activity_id
    key = f"{activity_id} forwarded by {signer_uri}"
    if len(key) <= MAX_KEY_CHARS:
        return key
    return "forwarded " + hashlib.sha256(key.encode()).hexdigest()


async def store(session: AsyncSession, envelope: Envelope, *, signer_uri: str) -> int | None:
    """Insert the item and queue its processing; None if this activity was seen before."""
    key = dedupe_key(envelope.id, actor_uri=envelope.actor, signer_uri=signer_uri)
    seen = await session.scalar(select(InboxItem.id).where(InboxItem.activity_id == key))
    if seen is not None:
        return None
    item = InboxItem(activity_id=key, actor_uri=envelope.actor, signer_uri=signer_uri,
                     body=envelope.activity)
    session.add(item)
    await session.flush()
    await queue.enqueue(session, PROCESS_KIND, {"item_id": item.id})
    return item.id


async def store_verified(services: Services, envelope: Envelope, *, signer_uri: str) -> int | None:
    """`store` in its own transaction; a concurrent insert of the same id is a no-op too."""
    try:
        async with services.sessions() as session, session.begin():
            return await store(session, envelope, signer_uri=signer_uri)
    except IntegrityError:
        return None


MAX_BATCH = 500


@dataclass(frozen=True)
class _Pending:
    envelope: Envelope
    signer_uri: str


class InboxWriter:
    """One per process (kept on the app); `store` returns the item id, or None for a repeat."""

    def __init__(self) -> None:
        self._batches: Coalescer[_Pending, int | None] | None = None

    async def store(self, services: Services, envelope: Envelope, *, signer_uri: str) -> int | None:
        if self._batches is None:  # the app's services exist only once it has started
            self._batches = Coalescer(functools.partial(_commit, services), max_batch=MAX_BATCH)
        return await self._batches.submit(_Pending(envelope, signer_uri))


async def _commit(services: Services, batch: list[_Pending]) -> list[int | None]:
    try:
        results = await _insert_batch(services, batch)
    except IntegrityError:  # another process stored one of them meanwhile: one by one
        results = [await store_verified(services, p.envelope, signer_uri=p.signer_uri) for p in batch]
    services.wake_workers()  # committed: process them now, not at the next poll
    return results


async def _insert_batch(services: Services, batch: list[_Pending]) -> list[int | None]:
    items = [NewInboxItem(activity_id=dedupe_key(p.envelope.id, actor_uri=p.envelope.actor,
                                                 signer_uri=p.signer_uri),
                          actor_uri=p.envelope.actor, signer_uri=p.signer_uri, body=p.envelope.activity,
                          text=p.envelope.text) for p in batch]
    return await insert_inbox_items(services.engine, services.direct, items, job_kind=PROCESS_KIND)


INBOX_WRITER = web.AppKey("inbox_writer", InboxWriter)
