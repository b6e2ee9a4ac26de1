"""The per-process memories (`storage.ttl_cache`): an entry is used for its ttl only, a full
cache forgets the entry put longest ago, and a stale snapshot is reloaded once however many
callers find it stale."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from storage.ttl_cache import Snapshot, TtlCache


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_an_entry_is_used_for_its_ttl_only() -> None:
    clock = Clock()
    cache: TtlCache[str, int] = TtlCache(2.0, clock=clock)
    cache.put("a", 1)
    clock.now += 1.9
    assert cache.get("a") == 1
    clock.now += 0.1
    assert cache.get("a") is None
    assert len(cache) == 0  # an expired entry is dropped when it is asked for


def test_a_missing_entry_is_the_default_so_falsy_values_can_be_cached() -> None:
    cache: TtlCache[str, bool | None] = TtlCache(2.0, clock=Clock())
    cache.put("off", False)
    cache.put("unset", None)
    missing = object()
    assert cache.get("off", missing) is False
    assert cache.get("unset", missing) is None
    assert cache.get("other", missing) is missing


def test_a_value_loaded_earlier_ages_from_when_its_load_started() -> None:
    clock = Clock()
    cache: TtlCache[str, int] = TtlCache(3.0, clock=clock)
    started = clock.now
    clock.now += 1.0  # the load took a second
    cache.put("a", 1, at=started)
    clock.now += 1.9
    assert cache.get("a") == 1
    clock.now += 0.1
    assert cache.get("a") is None


def test_a_full_cache_forgets_the_entry_put_longest_ago() -> None:
    cache: TtlCache[str, int] = TtlCache(60.0, size=2, clock=Clock())
    cache.put("a", 1)
    cache.put("b", 2)
    cache.put("a", 3)  # put again: now the newest
    cache.put("c", 4)
    assert (cache.get("a"), cache.get("b"), cache.get("c")) == (3, None, 4)


def test_pop_and_clear_forget_entries() -> None:
    cache: TtlCache[str, int] = TtlCache(60.0, clock=Clock())
    cache.put("a", 1)
    cache.put("b", 2)
    cache.pop("a")
    cache.pop("missing")
    assert (cache.get("a"), cache.get("b")) == (None, 2)
    cache.clear()
    assert cache.get("b") is None


def test_a_changed_clock_applies_to_entries_already_put() -> None:
    cache: TtlCache[str, int] = TtlCache(2.0)
    clock = Clock()
    cache.clock = clock
    cache.put("a", 1)
    clock.now += 5
    assert cache.get("a") is None


class Sessions:
    """Stands in for an async_sessionmaker: counts the sessions opened."""

    def __init__(self) -> None:
        self.opened = 0

    @asynccontextmanager
    async def __call__(self) -> AsyncIterator[Any]:
        self.opened += 1
        yield object()


async def test_a_snapshot_is_loaded_once_by_concurrent_callers_and_kept_for_the_ttl() -> None:
    loads: list[int] = []

    async def load(session: Any) -> int:
        await asyncio.sleep(0)
        loads.append(1)
        return len(loads)

    snapshot = Snapshot(load)
    sessions: Any = Sessions()
    assert await asyncio.gather(*(snapshot.get(sessions, 60.0) for _ in range(5))) == [1] * 5
    assert await snapshot.get(sessions, 60.0) == 1
    assert await snapshot.get(sessions, 0.0) == 2  # stale for a caller with no patience
    snapshot.forget()
    assert await snapshot.get(sessions, 60.0) == 3
    assert sessions.opened == 3
