"""What the deliveries of one process share, so that a delivery to a healthy host reads nothing.

- `slots`: per-host admission (`HostSlots`, below).
- prepared activities: an activity's JSON bytes and its author's signer, loaded once per
  process (an `OutboxActivity` never changes), in a small LRU.
- `failing`: a snapshot of the hosts that are failing (`hosts.FailingHosts`).
Lives on `Services` (one per process); nothing here is global.

*Slots*: in-process admission of deliveries per host: a few requests in flight, oldest job first.

A slow or hanging server must not hold every worker slot: a delivery that cannot get one of
its host's slots within a short wait gives its worker slot back (the caller reschedules
it). Deliveries to one host are admitted in job-id order, so a host that comes back after
an outage receives what was queued for it in the order it was written (within a process).
State is a few counters per host with deliveries in flight, kept on `Services`; nothing
here touches the database or the network.
"""

from __future__ import annotations

import asyncio
import bisect
import json
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from federation.client import Signer
from federation.delivery.hosts import FailingHosts
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


@dataclass
class _Gate:
    waiting: list[int] = field(default_factory=list)  # job ids registered, not yet admitted (sorted)
    in_flight: int = 0
    changed: asyncio.Event = field(default_factory=asyncio.Event)

    def notify(self) -> None:
        event, self.changed = self.changed, asyncio.Event()
        event.set()


class Ticket:
    """One delivery's place in its host's line; `admit` waits for a slot."""

    def __init__(self, gate: _Gate, order: int) -> None:
        self._gate = gate
        self._order = order
        self.admitted = False
        self.waited = False  # another delivery to the host went first: what we read may be stale

    async def admit(self, limit: int, *, wait: float) -> bool:
        """Wait up to `wait` seconds for a slot (at most `limit` in flight, older jobs first)."""
        gate = self._gate
        loop = asyncio.get_running_loop()
        deadline = loop.time() + wait
        while not (gate.in_flight < limit and gate.waiting[0] == self._order):
            remaining = deadline - loop.time()
            if remaining <= 0:
                return False
            self.waited = True
            try:
                await asyncio.wait_for(gate.changed.wait(), remaining)
            except TimeoutError:
                continue  # the loop condition is checked once more, then gives up
        gate.waiting.remove(self._order)
        gate.in_flight += 1
        self.admitted = True
        return True

    def _leave(self) -> None:
        if self.admitted:
            self._gate.in_flight -= 1
        else:
            self._gate.waiting.remove(self._order)
        self._gate.notify()


class HostSlots:
    """Per-domain gates for the deliveries running in this process."""

    def __init__(self) -> None:
        self._gates: dict[str, _Gate] = {}

    @contextmanager
    def ticket(self, domain: str, order: int) -> Iterator[Ticket]:
        """Take a place in `domain`'s line (by `order`, the job id) for the block's duration."""
        gate = self._gates.setdefault(domain, _Gate())
        bisect.insort(gate.waiting, order)
        ticket = Ticket(gate, order)
        try:
            yield ticket
        finally:
            ticket._leave()
            if not gate.waiting and not gate.in_flight:
                self._gates.pop(domain, None)

    def in_flight(self, domain: str) -> int:
        gate = self._gates.get(domain)
        return 0 if gate is None else gate.in_flight
