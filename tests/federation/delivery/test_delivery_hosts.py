"""The delivery job and the health of hosts: pauses after errors, unreachable hosts probed not
hammered, catching up when a host is back, slow hosts that do not hold up others, host slots.

Retries are driven with the worker's injected clock and `drain`, never by sleeping; the one test
with a long-running worker synchronises on what the servers received, not on time.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from pytest_aiohttp import AiohttpServer
from sqlalchemy.ext.asyncio import AsyncEngine

from federation.delivery.hosts import mark_host_alive, to_ms
from federation.delivery.job import (
    DELIVERY_KIND,
    DELIVERY_POLICY,
    DELIVERY_QUEUE,
    DeliverySettings,
    delivery_handler,
)
from federation.delivery.state import HostSlots
from federation.services import Services
from storage.db import session_maker
from storage.models import Actor
from storage.worker import Registry, Worker, drain
from tests.actors.factories import Clock
from tests.federation.delivery.delivery_inboxes import (
    FAST_HOSTS,
    Inbox,
    author,
    clock,
    closed_port,
    engine,
    host_row,
    job_rows,
    module_db,
    send,
    services,
    until,
    worker,
)

__all__ = ["author", "clock", "engine", "module_db", "services"]  # fixtures from delivery_inboxes


async def test_500_backs_off_and_pauses_every_delivery_to_the_host(
        aiohttp_server: AiohttpServer, services: Services, engine: AsyncEngine, author: Actor,
        clock: Clock) -> None:
    inbox = await Inbox(status=500).start(aiohttp_server)
    await send(engine, author, [inbox.url("/a")])
    runner = worker(services, clock)
    await drain(runner)
    [job] = await job_rows(engine)
    host = await host_row(engine, inbox)
    assert 24_000 <= job.run_after - clock.ms <= 36_000
    assert host.consecutive_failures == 1 and host.next_probe_at is not None
    assert to_ms(host.next_probe_at) == job.run_after
    assert host.last_error is not None and "500" in host.last_error  # kept: the job is retried
    await send(engine, author, [inbox.url("/b")])  # a new delivery waits for the same time
    clock.catch_up()
    await drain(runner)
    assert [j.run_after for j in await job_rows(engine)] == [job.run_after] * 2
    assert inbox.paths() == ["/a"]


async def test_503_with_retry_after_pauses_the_host_until_then(
        aiohttp_server: AiohttpServer, services: Services, engine: AsyncEngine, author: Actor,
        clock: Clock) -> None:
    inbox = await Inbox(status=503, headers={"Retry-After": "600"}).start(aiohttp_server)
    await send(engine, author, [inbox.url()])
    await drain(worker(services, clock))
    [job] = await job_rows(engine)
    assert job.run_after == clock.ms + 600_000
    assert (await host_row(engine, inbox)).consecutive_failures == 1


async def test_a_failing_host_is_marked_unreachable_after_the_threshold_and_probed_not_hammered(
        aiohttp_server: AiohttpServer, services: Services, engine: AsyncEngine, author: Actor,
        clock: Clock) -> None:
    inbox = await Inbox(status=500).start(aiohttp_server)
    await send(engine, author, [inbox.url(f"/users/u{i}/inbox") for i in range(3)])
    runner = worker(services, clock, hosts=FAST_HOSTS)
    await drain(runner)
    first = len(inbox.received)  # deliveries that found the host paused did not try it
    assert 1 <= first <= 3
    rounds = 0
    while not (host := await host_row(engine, inbox)).unreachable:
        assert host.next_probe_at is not None
        clock.advance_to(to_ms(host.next_probe_at))
        await drain(runner)
        rounds += 1
        assert len(inbox.received) == first + rounds  # one probe per round, the others wait
    assert clock.ms - to_ms(host.failing_since or datetime.now(UTC)) >= FAST_HOSTS.unreachable_after * 1000
    assert host.next_probe_at is not None
    next_probe = to_ms(host.next_probe_at)
    assert next_probe - clock.ms == FAST_HOSTS.probe_interval * 1000
    clock.advance_to(next_probe - 1)
    await drain(runner)
    assert len(inbox.received) == first + rounds  # not before the probe is due
    inbox.status = 202
    clock.advance_to(next_probe)
    await drain(runner)
    assert len(inbox.received) == first + rounds + 3  # the probe got through, then the rest
    host = await host_row(engine, inbox)
    assert not host.unreachable and host.failing_since is None and host.next_probe_at is None
    assert await job_rows(engine) == []


async def test_a_host_that_contacts_us_gets_its_waiting_deliveries_at_once(
        aiohttp_server: AiohttpServer, services: Services, engine: AsyncEngine, author: Actor,
        clock: Clock) -> None:
    inbox = await Inbox(status=500).start(aiohttp_server)
    assert inbox.server is not None
    await send(engine, author, [inbox.url()])
    runner = worker(services, clock)
    await drain(runner)
    inbox.status = 202
    async with session_maker(engine)() as session, session.begin():
        assert await mark_host_alive(session, f"127.0.0.1:{inbox.server.port}", now=clock.ms)
    await drain(runner)
    assert len(inbox.received) == 2 and await job_rows(engine) == []


async def test_a_peer_that_was_down_receives_everything_in_order_once_back(
        aiohttp_server: AiohttpServer, services: Services, engine: AsyncEngine, author: Actor,
        clock: Clock) -> None:
    port = closed_port()
    inboxes = [f"http://127.0.0.1:{port}/users/{name}/inbox" for name in ("a", "b")]
    sent = await send(engine, author, inboxes, n=3)
    runner = worker(services, clock)
    await drain(runner)  # connection refused; the host is paused, its six deliveries wait
    rows = await job_rows(engine)
    assert "could not be reached" in (rows[0].last_error or "")
    assert len(rows) == 6 and len({r.run_after for r in rows}) == 1
    inbox = await Inbox().start(aiohttp_server, port=port)
    clock.advance_to(max(r.run_after for r in rows))
    await drain(runner)
    for path in ("/users/a/inbox", "/users/b/inbox"):
        got = [r.activity["id"] for r in inbox.received if r.path == path]
        assert got == [a["id"] for a in sent]
    assert await job_rows(engine) == []


async def test_a_hanging_host_does_not_delay_deliveries_to_a_live_host(
        aiohttp_server: AiohttpServer, services: Services, engine: AsyncEngine, author: Actor) -> None:
    hanging = await Inbox(hang=True).start(aiohttp_server)
    live = await Inbox().start(aiohttp_server)
    await send(engine, author, [hanging.url(f"/users/u{i}/inbox") for i in range(5)])  # queued first
    await send(engine, author, [live.url(f"/users/u{i}/inbox") for i in range(3)])
    registry = Registry()
    registry.register(DELIVERY_KIND, delivery_handler(DeliverySettings(per_host=2, busy_wait=0.05)),
                      policy=DELIVERY_POLICY)
    runner = Worker(engine, registry, deps=services, queues=(DELIVERY_QUEUE,), concurrency=4)
    stop = asyncio.Event()
    task = asyncio.create_task(runner.run_forever(stop))
    try:
        await until(lambda: len(live.received) == 3, "the live host's deliveries")
        # ...all arrived while the hanging host holds its two slots, and only two
        assert len(hanging.received) == 2 and not hanging.release.is_set()
    finally:
        hanging.release.set()
        stop.set()
        await asyncio.wait_for(task, 30)


async def test_host_slots_admit_the_oldest_job_first_within_the_limit() -> None:
    slots = HostSlots()
    admitted: list[int] = []
    first_done = asyncio.Event()

    async def delivery(job_id: int, wait: float = 5) -> None:
        with slots.ticket("peer.example", job_id) as ticket:
            await asyncio.sleep(0)  # every delivery has taken its place before any is admitted
            if await ticket.admit(1, wait=wait):
                admitted.append(job_id)
                if job_id == 1:
                    await first_done.wait()
            else:
                admitted.append(-job_id)

    tasks = [asyncio.create_task(delivery(n)) for n in (3, 1, 2)]
    await until(lambda: admitted == [1], "job 1 to be admitted")
    await delivery(4, wait=0.01)  # the one slot is taken: a newcomer gives up
    assert admitted == [1, -4] and slots.in_flight("peer.example") == 1
    first_done.set()
    await asyncio.wait_for(asyncio.gather(*tasks), 5)
    assert admitted == [1, -4, 2, 3]
