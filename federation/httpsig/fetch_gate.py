"""What a process lets inbound requests make it fetch: the budget of verification fetches.

A signed request names its keyId, and an unknown key is fetched while the request waits. So
that forged requests cannot turn the node into a reflector (or stall it on a slow server),
every such fetch passes this gate, per process:

- a key that could not be fetched (or did not serve the key) is remembered for a while,
  and the same keyId is then refused at once, without a fetch (a negative cache, bounded);
- requests that need the same keyId at the same moment share one fetch;
- each remote host has a budget: so many fetches at once, so many per minute; a request
  over it is refused (`OverBudget`, which the inbox answers 429) and fetches nothing.
"""

from __future__ import annotations

import asyncio
import time
from collections import OrderedDict, deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from federation.urls import domain_of
from storage.config import Limits
from storage.errors import AmityError, Invalid, RemoteUnavailable
from storage.ttl_cache import TtlCache

T = TypeVar("T")
MAX_ENTRIES = 10_000  # remembered failures, and hosts with a budget window
WINDOW_SECONDS = 60.0


class RecentlyFailed(Invalid):
    """The keyId failed a moment ago; it is not fetched again until its failure is forgotten."""


class OverBudget(RemoteUnavailable):
    """The remote host has used its budget of verification fetches; try again later."""


@dataclass(frozen=True)
class Budget:
    per_origin: int = 4  # fetches at once, per remote host
    per_minute: int = 60  # fetches per minute, per remote host
    failure_ttl: float = 60.0  # seconds a failed keyId is refused without a fetch

    @classmethod
    def from_limits(cls, limits: Limits) -> Budget:
        return cls(limits.verify_fetches_per_origin, limits.verify_fetches_per_origin_per_minute,
                   float(limits.failed_key_memory_seconds))


class FetchGate(Generic[T]):
    """Admits, shares and remembers the fetches keyed by a URL (a keyId)."""

    def __init__(self, budget: Budget = Budget(), clock: Callable[[], float] = time.monotonic) -> None:
        self.budget = budget
        self._clock = clock
        self._failed: TtlCache[str, tuple[float, str]] = TtlCache(budget.failure_ttl, MAX_ENTRIES, clock)
        self._windows: OrderedDict[str, deque[float]] = OrderedDict()
        self._running: dict[str, int] = {}
        self._inflight: dict[str, asyncio.Task[T]] = {}

    async def fetch(self, url: str, run: Callable[[], Awaitable[T]]) -> T:
        """`run()`'s result, if `url` is admitted; a concurrent fetch of `url` is shared."""
        task = self._inflight.get(url)
        if task is None:
            self._admit(url)
            task = asyncio.ensure_future(self._run(url, run))
            self._inflight[url] = task
            task.add_done_callback(lambda done: self._finished(url, done))
        return await asyncio.shield(task)  # one waiter going away does not cancel the others' fetch

    def _admit(self, url: str) -> None:
        now = self._clock()
        failed = self._failed.get(url)
        if failed is not None:
            raise RecentlyFailed(f"{url} could not be used {now - failed[0]:.0f} s ago ({failed[1]}); "
                                 f"it is not fetched again for {self.budget.failure_ttl:g} s")
        host = domain_of(url)
        if self._running.get(host, 0) >= self.budget.per_origin:
            raise OverBudget(f"{self.budget.per_origin} key fetches from {host} are under way already; "
                             "try again shortly")
        window = self._windows.pop(host, None) or deque()
        self._windows[host] = window  # most recently used last
        while window and now - window[0] >= WINDOW_SECONDS:
            window.popleft()
        if len(window) >= self.budget.per_minute:
            raise OverBudget(f"{host} used its {self.budget.per_minute} key fetches of this minute; "
                             "try again later")
        window.append(now)
        _trim(self._windows)
        self._running[host] = self._running.get(host, 0) + 1  # counted now: _run starts later

    async def _run(self, url: str, run: Callable[[], Awaitable[T]]) -> T:
        host = domain_of(url)
        try:
            return await run()
        except AmityError as exc:
            failed_at = self._clock()
            self._failed.put(url, (failed_at, str(exc)), at=failed_at)
            raise
        finally:
            self._running[host] -= 1
            if not self._running[host]:
                del self._running[host]

    def _finished(self, url: str, task: asyncio.Task[T]) -> None:
        if self._inflight.get(url) is task:
            del self._inflight[url]
        if not task.cancelled():
            task.exception()  # retrieved here, so an error no waiter saw is not logged as lost


def _trim(entries: OrderedDict[str, Any]) -> None:
    while len(entries) > MAX_ENTRIES:
        entries.popitem(last=False)
