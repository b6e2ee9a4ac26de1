"""`Idempotency-Key` on `POST /api/v1/statuses`: the same key with the same token within an hour
answers with the status the first request posted, and posts nothing more (apps resend a post
when a connection drops). Kept in the process's memory, as a retry reaches the same process in
Amity's deployment (one web process); a restart forgets the keys, which only re-allows a post.
"""

from __future__ import annotations

import asyncio
import time
from collections import OrderedDict
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

from aiohttp import web

KEEP_SECONDS = 3600.0
MAX_KEYS = 10_000  # oldest forgotten first: memory stays bounded whatever clients send
MAX_KEY_LENGTH = 200


@dataclass
class IdempotencyKeys:
    posted: OrderedDict[tuple[int, str], tuple[float, int]] = field(default_factory=OrderedDict)
    locks: dict[tuple[int, str], tuple[asyncio.Lock, int]] = field(default_factory=dict)  # lock, users

    def find(self, token_id: int, key: str) -> int | None:
        found = self.posted.get((token_id, key))
        if found is None or time.monotonic() - found[0] > KEEP_SECONDS:
            return None
        return found[1]

    def remember(self, token_id: int, key: str, status_id: int) -> None:
        self.posted[(token_id, key)] = (time.monotonic(), status_id)
        self.posted.move_to_end((token_id, key))
        while len(self.posted) > MAX_KEYS:
            self.posted.popitem(last=False)

    @asynccontextmanager
    async def held(self, token_id: int, key: str) -> AsyncIterator[None]:
        """One request per key at a time, so a quick retry waits for the first to finish."""
        name = (token_id, key)
        lock, users = self.locks.get(name, (asyncio.Lock(), 0))
        self.locks[name] = (lock, users + 1)
        try:
            async with lock:
                yield
        finally:
            lock, users = self.locks[name]
            if users <= 1:
                del self.locks[name]
            else:
                self.locks[name] = (lock, users - 1)


IDEMPOTENCY_KEY = web.AppKey("idempotency_keys", IdempotencyKeys)


def key_of(request: web.Request) -> str | None:
    value = request.headers.get("Idempotency-Key", "").strip()
    return value[:MAX_KEY_LENGTH] or None


def setup(app: web.Application) -> None:
    app[IDEMPOTENCY_KEY] = IdempotencyKeys()
