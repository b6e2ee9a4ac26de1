"""Group commits for the inbox: concurrent verified POSTs share one write transaction.

Every POST is answered 202 only after its row is committed. Under load, requests that arrive
while a commit is in progress wait for the next one, which takes all of them at once: one
transaction for many items instead of one each (a SQLite commit per request caps an inbox
near a few thousand per second). When the inbox is quiet, a request commits alone, at once.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

from aiohttp import web
from sqlalchemy.exc import IntegrityError

from federation.services import Services
from inbox.body import Envelope
from inbox.store import PROCESS_KIND, dedupe_key, store_verified
from storage.batching import Coalescer
from storage.queries.inbox_items import NewInboxItem, insert_inbox_items

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
