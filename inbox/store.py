"""Verified activities into `inbox_items`: the activity id is unique, a repeat is a no-op.

The row and its `inbox.process` job are written in one transaction, so an activity is
either stored and queued, or neither.

A forwarded activity (signed by someone other than its actor) is keyed by its id *and* its
forwarder: otherwise a third server could forward a made-up activity under the predictable
id of one the actor has yet to send (Mastodon's `…/activity`, `…#delete`), have it refused
when the origin is asked, and so make the genuine one a "duplicate" when it arrives.
"""

from __future__ import annotations

import hashlib

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from federation.services import Services
from inbox.body import Envelope
from storage import queue
from storage.models import InboxItem

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
