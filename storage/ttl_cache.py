"""Per-process memories that are trusted for a number of seconds, then read again.

- `Snapshot`: one value loaded from the database, reloaded when older than the caller's ttl
  (the domain rules, the failing hosts).

Each lives on an object the caller owns (`Services`, an app key); nothing here is global.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Generic, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

T = TypeVar("T")


class Snapshot(Generic[T]):
    """A value loaded from the database, reloaded when older than the caller's `ttl`."""

    def __init__(self, load: Callable[[AsyncSession], Awaitable[T]]) -> None:
        self._load = load
        self._lock = asyncio.Lock()
        self.value: T | None = None
        self._at = 0.0

    def _fresh(self, ttl: float) -> bool:
        return self.value is not None and time.monotonic() - self._at < ttl

    async def get(self, sessions: async_sessionmaker[AsyncSession], ttl: float) -> T:
        if not self._fresh(ttl):
            async with self._lock:  # one reload for everyone who found it stale
                if not self._fresh(ttl):
                    started = time.monotonic()
                    async with sessions() as session:
                        self.value = await self._load(session)
                    self._at = started
        assert self.value is not None
        return self.value

    def forget(self) -> None:
        """Load again at the next `get`."""
        self.value = None
