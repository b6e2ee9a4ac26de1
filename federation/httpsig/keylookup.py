"""Signing keys for verification: a per-process cache, and a lookup that stores nothing.

A key fetched for a request is kept in memory until the request's signature has verified;
only then is its owner stored (`remember_key_owner`), so a forged request leaves no row.
Fetches go through the cache's `FetchGate` (failed keys remembered, a budget per remote
host) and the client's VERIFY lane (own connections, short deadline); one verification
fetches a key at most once (a key fetched for this request is not refetched for rotation).
"""

from __future__ import annotations

import functools
import sqlite3

from aiohttp import web
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from federation.httpsig.fetch_gate import Budget, FetchGate
from federation.httpsig.signatures import PublicKeyInfo
from federation.resolve import ActorFields, fetch_key_owner, upsert_actor
from federation.services import Services
from storage.models import Actor
from storage.round_trips import Coalescer
from storage.ttl_cache import TtlCache

KEY_CACHE_TTL = 600.0  # seconds a verified key is trusted without reading the database
KEY_CACHE_SIZE = 10_000
MAX_KEYS_PER_READ = 200


class KeyCache:
    """Keys that verified recently, per process: most signed requests need no key query at all.

    An entry is dropped when a signature fails with it (the lookup then asks again, and
    refetches for rotation), and trusted for `KEY_CACHE_TTL` seconds at most.
    """

    def __init__(self, budget: Budget | None = None) -> None:
        self._keys: TtlCache[str, PublicKeyInfo] = TtlCache(KEY_CACHE_TTL, KEY_CACHE_SIZE)
        self._reads: Coalescer[str, PublicKeyInfo | None] | None = None
        self.fetches: FetchGate[ActorFields] = FetchGate(budget or Budget())

    async def stored(self, services: Services, key_id: str) -> PublicKeyInfo | None:
        """The key as stored with its owner, or None; concurrent misses share one query."""
        if self._reads is None:
            self._reads = Coalescer(functools.partial(_read_keys, services), max_batch=MAX_KEYS_PER_READ)
        return await self._reads.submit(key_id)

    def get(self, key_id: str) -> PublicKeyInfo | None:
        return self._keys.get(key_id)

    def put(self, key_id: str, info: PublicKeyInfo) -> None:
        self._keys.put(key_id, info)

    def drop(self, key_id: str) -> None:
        self._keys.pop(key_id)


class KeyLookup:
    """A `KeyLookup` that fetches without storing: the caller stores after verification."""

    def __init__(self, services: Services, cache: KeyCache) -> None:
        self.services = services
        self.cache = cache
        self.fetched: ActorFields | None = None
        self.last: PublicKeyInfo | None = None  # the key handed out last (the one that verified)

    async def __call__(self, key_id: str, refresh: bool) -> PublicKeyInfo:
        if self.fetched is not None and self.last is not None and key_id in self.fetched.keys:
            return self.last  # fetched for this very request: a refetch would bring the same key
        if not refresh:
            self.last = self.cache.get(key_id)
            if self.last is not None:
                return self.last
            self.last = await self.cache.stored(self.services, key_id)
            if self.last is not None:
                return self.last
        self.cache.drop(key_id)
        fields = await self.cache.fetches.fetch(key_id, lambda: fetch_key_owner(self.services, key_id))
        self.fetched = fields
        self.last = PublicKeyInfo(fields.keys[key_id], fields.uri)
        return self.last


async def _read_keys(services: Services, key_ids: list[str]) -> list[PublicKeyInfo | None]:
    distinct = list(set(key_ids))
    rows: list[tuple[str, str | None, str]]
    if services.direct is not None:  # SQLite: one thread hop
        rows = await services.direct.read(functools.partial(_read_keys_sqlite, distinct))
    else:
        query = select(Actor.key_id, Actor.public_key_pem, Actor.uri).where(Actor.key_id.in_(distinct))
        async with services.engine.connect() as conn:  # Core: no ORM session on the inbox's hot path
            rows = [(row.key_id or "", row.public_key_pem, row.uri) for row in await conn.execute(query)]
    found = {key_id: PublicKeyInfo(pem, uri) for key_id, pem, uri in rows if pem}
    return [found.get(key_id) for key_id in key_ids]


def _read_keys_sqlite(key_ids: list[str], conn: sqlite3.Connection) -> list[tuple[str, str | None, str]]:
    placeholders = ",".join("?" * len(key_ids))
    return conn.execute(f"SELECT key_id, public_key_pem, uri FROM actors WHERE key_id IN ({placeholders})",
                        key_ids).fetchall()


async def remember_key_owner(services: Services, key_id: str, fields: ActorFields) -> None:
    """Store the owner of a key that has just verified a request (new actor, or rotated key)."""
    try:
        async with services.sessions() as session, session.begin():
            actor = await upsert_actor(session, fields)
            actor.key_id, actor.public_key_pem = key_id, fields.keys[key_id]
    except IntegrityError:  # a concurrent request stored the same actor first
        return


KEY_CACHE = web.AppKey("key_cache", KeyCache)
