"""Short-lived per-process memories of what every home page reads but rarely changes.

A warm home page is a few short queries; the bearer token lookup (three joined rows) and the
domain rules were two of them on every request. Each is kept here for a few seconds per web
process (one memory per app object, so test apps never share one):

- `tokens`: a valid token's `Auth`, for TOKEN_MAX_AGE_S. A token revoked by another process,
  or a member disabled or suspended, is refused within that many seconds (by
  `POST /oauth/revoke` in this process: at once). Only routes that opt in use it
  (`ui.api.auth.scoped(..., remembered=True)`: the home timeline): their handlers only read the
  member's id and language settings, never change the shared objects. Unknown and revoked
  tokens are never kept, so each of them is looked up every time.
- `rules`: the suspended and silenced domains, for RULES_MAX_AGE_S (a new domain block applies
  to timelines within that time).

The clock is an attribute so tests can move time without sleeping.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Generic, TypeVar
from weakref import WeakKeyDictionary

from aiohttp import web

from storage.ttl_cache import TtlCache

TOKEN_MAX_AGE_S = 2.0
RULES_MAX_AGE_S = 2.0
MAX_TOKENS = 10_000

T = TypeVar("T")


class PerApp(Generic[T]):
    """One `factory()` object per app object, made on first use (test apps never share one). Not
    kept in the app's own state: a started aiohttp app may no longer be changed."""

    def __init__(self, factory: Callable[[], T]) -> None:
        self.factory = factory
        self.objects: WeakKeyDictionary[web.Application, T] = WeakKeyDictionary()

    def __call__(self, app: web.Application) -> T:
        found = self.objects.get(app)
        if found is None:
            found = self.objects[app] = self.factory()
        return found


class RecentMemory:
    def __init__(self) -> None:
        self.tokens: TtlCache[str, Any] = TtlCache(TOKEN_MAX_AGE_S, MAX_TOKENS)
        self.rules: TtlCache[None, Any] = TtlCache(RULES_MAX_AGE_S, 1)

    def set_clock(self, clock: Callable[[], float]) -> None:
        self.tokens.clock = self.rules.clock = clock


recent_of = PerApp(RecentMemory)
