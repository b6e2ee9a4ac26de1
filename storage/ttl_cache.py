"""Per-process memories that are trusted for a number of seconds, then read again.

- `TtlCache`: a map whose entries are forgotten `ttl` seconds after they were put, bounded
  (the oldest put goes first): verified keys, failed key fetches, remembered tokens, settings;
- `Snapshot`: one value loaded from the database, reloaded when older than the caller's ttl
  (the domain rules, the failing hosts).

Each lives on an object the caller owns (`Services`, an app key); nothing here is global.
"""

from __future__ import annotations

import asyncio
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from typing import Generic, TypeVar, overload

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

T = TypeVar("T")
K = TypeVar("K")
V = TypeVar("V")
D = TypeVar("D")


class TtlCache(Generic[K, V]):
    """A map whose entries are forgotten `ttl` seconds after they were put, with at most `size`
    entries (None: unbounded); when full, the entry put longest ago goes first. `clock` is an
    attribute so tests can move time without sleeping."""

    def __init__(self, ttl: float, size: int | None = None,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.ttl = ttl
        self.size = size
        self.clock = clock
        self._entries: OrderedDict[K, tuple[float, V]] = OrderedDict()

    @overload
    def get(self, key: K) -> V | None: ...

    @overload
    def get(self, key: K, default: D) -> V | D: ...

    def get(self, key: K, default: object = None) -> object:
        """The value put less than `ttl` seconds ago, else `default` (an older one is dropped)."""
        found = self._entries.get(key)
        if found is None:
            return default
        if self.clock() - found[0] >= self.ttl:
            del self._entries[key]
            return default
        return found[1]

    def put(self, key: K, value: V, *, at: float | None = None) -> None:
        """Remember `value`, as of `at` (default: now; a caller that loaded it passes when it
        started loading)."""
        self._entries[key] = (self.clock() if at is None else at, value)
        self._entries.move_to_end(key)
        if self.size is not None:
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)

    def pop(self, key: K) -> None:
        self._entries.pop(key, None)

    def clear(self) -> None:
        self._entries.clear()

    def __len__(self) -> int:
        return len(self._entries)


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
