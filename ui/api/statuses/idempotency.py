"""`Idempotency-Key` on `POST /api/v1/statuses`: the same key with the same token within an hour
answers with the status the first request posted, and posts nothing more (apps resend a post
when a connection drops). Kept in the database (`idempotency_keys`), so every web process, on
every host, sees the same keys.

A request with a key first *claims* it: it inserts the key's row, with no status yet, in a
transaction of its own; the unique (token, key) constraint lets exactly one request win. The
winner posts and fills in the row's `status_id` in the post's own transaction, so a committed
post always has its key. A request that loses waits (polling, bounded) for the winner's post
and answers with it. When the winner fails (a 422, say), it deletes its claim, so a retry can
post; a claim left by a process that died is taken over once it is `STALE` old. Keys older
than an hour are deleted when a new key is claimed.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import timedelta

from aiohttp import web
from sqlalchemy import delete, select, update
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage.models import IdempotencyKey, utcnow
from storage.models.base import new_id
from ui.api.responses import api_error

KEEP = timedelta(hours=1)
STALE = timedelta(minutes=2)  # longer than any post takes (mention lookups included)
WAIT_SECONDS = 30.0  # how long a concurrent request waits for the first one's post
POLL_SECONDS = 0.05
MAX_KEY_LENGTH = 200  # the column's size

log = logging.getLogger("amity.api.idempotency")


@dataclass(frozen=True)
class Claim:
    """Either ours to post with (`row_id`), or an earlier post to answer with (`status_id`)."""

    row_id: int | None = None
    status_id: int | None = None


def key_of(request: web.Request) -> str | None:
    value = request.headers.get("Idempotency-Key", "").strip()
    return value[:MAX_KEY_LENGTH] or None


async def claim(sessions: async_sessionmaker[AsyncSession], token_id: int, key: str, *,
                wait_seconds: float | None = None) -> Claim:
    """Claim `key` for a new post, or find the post an earlier request with it made."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + (WAIT_SECONDS if wait_seconds is None else wait_seconds)
    while True:
        row_id = await _insert(sessions, token_id, key)
        if row_id is not None:
            await _forget_expired(sessions)
            return Claim(row_id=row_id)
        async with sessions() as db:
            found = (await db.execute(select(IdempotencyKey.id, IdempotencyKey.status_id,
                                             IdempotencyKey.created_at).where(
                IdempotencyKey.token_id == token_id, IdempotencyKey.key == key))).first()
        if found is not None and found.status_id is not None:
            return Claim(status_id=found.status_id)
        if found is not None and utcnow() - found.created_at > STALE:  # its process died mid-post
            await release(sessions, found.id)
            continue
        if loop.time() > deadline:
            api_error(409, "a post with this Idempotency-Key is still being made; try again in a moment")
        await asyncio.sleep(POLL_SECONDS)  # still being posted, or given up by a failed post: look again


async def _insert(sessions: async_sessionmaker[AsyncSession], token_id: int, key: str) -> int | None:
    """The new claim's row id, or None when the key is taken (an expired row is replaced)."""
    row_id = new_id()
    try:
        async with sessions() as db, db.begin():
            await db.execute(delete(IdempotencyKey).where(
                IdempotencyKey.token_id == token_id, IdempotencyKey.key == key,
                IdempotencyKey.created_at < utcnow() - KEEP))
            db.add(IdempotencyKey(id=row_id, token_id=token_id, key=key, status_id=None))
    except IntegrityError:
        return None
    return row_id


async def record(db: AsyncSession, claim_row_id: int, status_id: int) -> None:
    """Fill in the claim with its post, in the post's transaction."""
    await db.execute(update(IdempotencyKey).where(IdempotencyKey.id == claim_row_id)
                     .values(status_id=status_id))


async def release(sessions: async_sessionmaker[AsyncSession], claim_row_id: int) -> None:
    """Give a claim up (its post failed), so that a retry with the key can post."""
    async with sessions() as db, db.begin():
        await db.execute(delete(IdempotencyKey).where(IdempotencyKey.id == claim_row_id,
                                                      IdempotencyKey.status_id.is_(None)))


async def _forget_expired(sessions: async_sessionmaker[AsyncSession]) -> None:
    """Delete keys older than an hour. Best effort: two processes cleaning at once may clash
    (a deadlock on PostgreSQL); the next claim cleans up what this one did not."""
    try:
        async with sessions() as db, db.begin():
            await db.execute(delete(IdempotencyKey).where(IdempotencyKey.created_at < utcnow() - KEEP))
    except DBAPIError as error:
        log.info("idempotency.cleanup_skipped", extra={"error": type(error).__name__})
