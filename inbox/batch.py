"""Group commits for the inbox: concurrent verified POSTs share one write transaction.

Every POST is answered 202 only after its row is committed. Under load, requests that arrive
while a commit is in progress wait for the next one, which takes all of them at once: one
transaction for many items instead of one each (a SQLite commit per request caps an inbox
near a few thousand per second). When the inbox is quiet, a request commits alone, at once.
"""

from __future__ import annotations

import functools
import sqlite3
from dataclasses import dataclass
from typing import Any, cast

from aiohttp import web
from sqlalchemy import Table, insert, select
from sqlalchemy.exc import IntegrityError

from federation.services import Services
from inbox.body import Envelope
from inbox.store import PROCESS_KIND, dedupe_key, store_verified
from storage import queue
from storage.batching import Coalescer
from storage.ids import new_id
from storage.models import InboxItem, utcnow
from storage.sqlite_direct import sqlite_datetime

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
    keys = [dedupe_key(p.envelope.id, actor_uri=p.envelope.actor, signer_uri=p.signer_uri) for p in batch]
    if services.direct is not None:  # SQLite: the whole transaction in one thread hop
        return await services.direct.transaction(functools.partial(_insert_sqlite, batch, keys))
    if services.engine.dialect.name == "postgresql":
        return await _insert_postgresql(services, batch, keys)
    async with services.engine.begin() as conn:  # Core: no ORM session for a hot path
        seen = set((await conn.execute(
            select(InboxItem.activity_id).where(InboxItem.activity_id.in_(set(keys))))).scalars().all())
        new, results = _new_items(batch, keys, seen)
        if new:
            await conn.execute(insert(cast(Table, InboxItem.__table__)), [
                {"id": item_id, "activity_id": key, "actor_uri": p.envelope.actor, "signer_uri": p.signer_uri,
                 "body": p.envelope.activity} for item_id, key, p in new])
            await queue.enqueue_many(conn, PROCESS_KIND, [{"item_id": item_id} for item_id, _, _ in new])
    return results


_POSTGRESQL_INSERT_ITEMS = (
    "INSERT INTO inbox_items (id, activity_id, actor_uri, signer_uri, body, received_at) "
    "SELECT id, activity_id, actor_uri, signer_uri, body, $6 FROM unnest($1::bigint[], $2::text[], "
    "$3::text[], $4::text[], $5::json[]) AS t(id, activity_id, actor_uri, signer_uri, body) "
    "ON CONFLICT (activity_id) DO NOTHING RETURNING id")


async def _insert_postgresql(services: Services, batch: list[_Pending], keys: list[str]) -> list[int | None]:
    """`_insert_batch` as two statements on the asyncpg connection: a repeat (stored before, by
    another process meanwhile, or twice in this batch) is skipped by ON CONFLICT, not looked up."""
    new, results = _new_items(batch, keys, set())
    async with services.engine.connect() as conn:
        raw: Any = (await conn.get_raw_connection()).driver_connection  # an asyncpg.Connection
        async with raw.transaction():
            stored = {row[0] for row in await raw.fetch(
                _POSTGRESQL_INSERT_ITEMS, [i for i, _, _ in new], [k for _, k, _ in new],
                [p.envelope.actor for _, _, p in new], [p.signer_uri for _, _, p in new],
                [p.envelope.text for _, _, p in new], utcnow())}
            jobs = [{"item_id": item_id} for item_id, _, _ in new if item_id in stored]
            await queue.enqueue_many_asyncpg(raw, PROCESS_KIND, jobs)
    return [r if r in stored else None for r in results]


def _new_items(batch: list[_Pending], keys: list[str], seen: set[str]
               ) -> tuple[list[tuple[int, str, _Pending]], list[int | None]]:
    """(id, key, item) of each item to insert, and each item's result: its new id, or None for a repeat."""
    new: list[tuple[int, str, _Pending]] = []
    results: list[int | None] = []
    for pending, key in zip(batch, keys, strict=True):
        if key in seen:  # stored before, or earlier in this very batch
            results.append(None)
            continue
        seen.add(key)
        item_id = new_id()
        new.append((item_id, key, pending))
        results.append(item_id)
    return new, results


_SQLITE_INSERT_ITEM = ("INSERT INTO inbox_items (id, activity_id, actor_uri, signer_uri, body, received_at) "
                       "VALUES (?, ?, ?, ?, ?, ?)")


def _insert_sqlite(batch: list[_Pending], keys: list[str], conn: sqlite3.Connection) -> list[int | None]:
    """`_insert_batch` as plain SQL, run on the direct connection's thread; the body is stored
    as received (it is valid JSON), not encoded again."""
    distinct = list(set(keys))
    placeholders = ",".join("?" * len(distinct))
    seen = {row[0] for row in conn.execute(
        f"SELECT activity_id FROM inbox_items WHERE activity_id IN ({placeholders})", distinct)}
    new, results = _new_items(batch, keys, seen)
    received_at = sqlite_datetime(utcnow())
    conn.executemany(_SQLITE_INSERT_ITEM, [(item_id, key, p.envelope.actor, p.signer_uri, p.envelope.text,
                                            received_at) for item_id, key, p in new])
    queue.enqueue_many_sqlite(conn, PROCESS_KIND, [{"item_id": item_id} for item_id, _, _ in new])
    return results


INBOX_WRITER = web.AppKey("inbox_writer", InboxWriter)
