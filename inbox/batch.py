"""Group commits for the inbox: concurrent verified POSTs share one write transaction.

Every POST is answered 202 only after its row is committed. Under load, requests that arrive
while a commit is in progress wait for the next one, which takes all of them at once: one
transaction for many items instead of one each (a SQLite commit per request caps an inbox
near a few thousand per second). When the inbox is quiet, a request commits alone, at once.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any, cast

from aiohttp import web
from sqlalchemy import Table, insert, select
from sqlalchemy.exc import IntegrityError

from federation.services import Services
from inbox.body import Envelope
from inbox.store import PROCESS_KIND, dedupe_key, store_verified
from storage import queue
from storage.ids import new_id
from storage.models import InboxItem

MAX_BATCH = 500


@dataclass
class _Pending:
    envelope: Envelope
    signer_uri: str
    done: asyncio.Future[int | None]


class InboxWriter:
    """One per process (kept on the app); `store` returns the item id, or None for a repeat."""

    def __init__(self) -> None:
        self._pending: list[_Pending] = []
        self._committer: asyncio.Task[None] | None = None

    async def store(self, services: Services, envelope: Envelope, *, signer_uri: str) -> int | None:
        done: asyncio.Future[int | None] = asyncio.get_running_loop().create_future()
        self._pending.append(_Pending(envelope, signer_uri, done))
        if self._committer is None or self._committer.done():
            self._committer = asyncio.create_task(self._commit_all(services))
        return await done

    async def _commit_all(self, services: Services) -> None:
        while self._pending:
            batch, self._pending = self._pending[:MAX_BATCH], self._pending[MAX_BATCH:]
            try:
                results = await _insert_batch(services, batch)
            except IntegrityError:  # another process stored one of them meanwhile: one by one
                results = [await store_verified(services, p.envelope, signer_uri=p.signer_uri)
                           for p in batch]
            except BaseException as exc:
                for pending in batch:
                    if not pending.done.done():
                        pending.done.set_exception(exc)
                continue
            services.wake_workers()  # committed: process them now, not at the next poll
            for pending, result in zip(batch, results, strict=True):
                if not pending.done.done():
                    pending.done.set_result(result)


async def _insert_batch(services: Services, batch: list[_Pending]) -> list[int | None]:
    keys = [dedupe_key(p.envelope.id, actor_uri=p.envelope.actor, signer_uri=p.signer_uri) for p in batch]
    rows: list[dict[str, Any]] = []
    results: list[int | None] = []
    async with services.engine.begin() as conn:  # Core: no ORM session for a hot path
        seen = set((await conn.execute(
            select(InboxItem.activity_id).where(InboxItem.activity_id.in_(set(keys))))).scalars().all())
        for pending, key in zip(batch, keys, strict=True):
            if key in seen:  # stored before, or earlier in this very batch
                results.append(None)
                continue
            seen.add(key)
            item_id = new_id()
            rows.append({"id": item_id, "activity_id": key, "actor_uri": pending.envelope.actor,
                         "signer_uri": pending.signer_uri, "body": pending.envelope.activity})
            results.append(item_id)
        if rows:
            await conn.execute(insert(cast(Table, InboxItem.__table__)), rows)
            await queue.enqueue_many(conn, PROCESS_KIND, [{"item_id": r["id"]} for r in rows])
    return results


INBOX_WRITER = web.AppKey("inbox_writer", InboxWriter)
