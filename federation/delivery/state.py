"""What the deliveries of one process share, so that a delivery to a healthy host reads nothing.

- `slots`: per-host admission (`slots.py`).
- prepared activities: an activity's JSON bytes and its author's signer, loaded once per
  process (an `OutboxActivity` never changes), in a small LRU.
- `failing`: a snapshot of the hosts that are failing (`hosts.FailingHosts`).
Lives on `Services` (one per process); nothing here is global.
"""

from __future__ import annotations

import asyncio
import json
from collections import OrderedDict
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from federation.client import Signer
from federation.delivery.hosts import FailingHosts
from federation.delivery.slots import HostSlots
from federation.httpsig.signatures import signer_for
from storage.models import Actor, OutboxActivity

ACTIVITY_CACHE_SIZE = 256


@dataclass(frozen=True)
class PreparedActivity:
    """An activity ready to send: its bytes and its author's signer."""

    uri: str
    body: bytes
    signer: Signer


async def _prepare(sessions: async_sessionmaker[AsyncSession], activity_id: int) -> PreparedActivity | None:
    async with sessions() as session:
        row = (await session.execute(
            select(OutboxActivity.uri, OutboxActivity.body, Actor)
            .join(Actor, Actor.id == OutboxActivity.actor_id)
            .where(OutboxActivity.id == activity_id))).first()
    if row is None:
        return None
    uri, body, actor = row
    if not actor.private_key_pem:
        return None
    return PreparedActivity(uri, json.dumps(body, separators=(",", ":")).encode(), signer_for(actor))


class DeliveryState:
    def __init__(self) -> None:
        self.slots = HostSlots()
        self.failing = FailingHosts()
        self._prepared: OrderedDict[int, PreparedActivity] = OrderedDict()
        self._loading: dict[int, asyncio.Future[PreparedActivity | None]] = {}

    async def prepared(self, sessions: async_sessionmaker[AsyncSession], activity_id: int
                       ) -> PreparedActivity | None:
        """The activity ready to send; loaded once however many deliveries ask at the same time."""
        found = self._prepared.get(activity_id)
        if found is not None:
            self._prepared.move_to_end(activity_id)
            return found
        loading = self._loading.get(activity_id)
        if loading is None:
            loading = asyncio.ensure_future(_prepare(sessions, activity_id))
            self._loading[activity_id] = loading
            loading.add_done_callback(lambda _: self._loading.pop(activity_id, None))
        found = await asyncio.shield(loading)  # one caller cancelled must not cancel the others
        if found is not None:
            self._prepared[activity_id] = found
            while len(self._prepared) > ACTIVITY_CACHE_SIZE:
                self._prepared.popitem(last=False)
        return found
