"""What an inbox handler knows about the activity it handles, and its one write transaction.

`Incoming.transaction()` opens the handler's transaction and, inside it, marks the inbox
item processed. The handler's rows and the mark commit together, so a job that runs again
after a crash finds the item processed and does nothing; a second run that races the first
waits on the row (PostgreSQL) or the write lock (SQLite) and then sees the mark.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from federation.services import Services
from federation.urls import is_local
from storage.models import InboxItem, utcnow

MAX_ERROR_CHARS = 2000


class AlreadyProcessed(Exception):
    """Another run of the same item committed first; this run's work is rolled back."""


@dataclass
class Incoming:
    services: Services
    item_id: int
    activity_id: str
    actor_uri: str
    signer_uri: str
    done: bool = False

    @property
    def forwarded(self) -> bool:
        """Relayed by a third server: nothing in the body is believed, objects are refetched."""
        return self.signer_uri != self.actor_uri

    @property
    def base_url(self) -> str:
        return self.services.base_url

    def is_local(self, uri: str) -> bool:
        return is_local(uri, self.services.domain)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        """The handler's write transaction; the item is marked processed in it."""
        async with self.services.sessions() as session, session.begin():
            await self._mark(session, error=None)
            yield session
        self.done = True

    async def finish(self, error: str | None = None) -> None:
        """Mark the item processed without other writes (ignored, refused or nothing to do)."""
        async with self.services.sessions() as session, session.begin():
            await self._mark(session, error=error)
        self.done = True

    async def _mark(self, session: AsyncSession, *, error: str | None) -> None:
        result = await session.execute(
            update(InboxItem).where(InboxItem.id == self.item_id, InboxItem.processed_at.is_(None))
            .values(processed_at=utcnow(), error=error[:MAX_ERROR_CHARS] if error else None))
        if not getattr(result, "rowcount", 0):
            raise AlreadyProcessed(f"inbox item {self.item_id} was processed by another run")
