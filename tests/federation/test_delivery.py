"""The delivery job against loopback inboxes: signatures, outcomes, host pauses, slow hosts.

Inboxes are aiohttp test servers on 127.0.0.1 (the node's config allows that host). Retries
are driven with the worker's injected clock and `drain`, never by sleeping; the one test
with a long-running worker synchronises on what the servers received, not on time.
"""

from __future__ import annotations

import asyncio
import json
import random
import socket
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer
from multidict import CIMultiDict
from pytest_aiohttp import AiohttpServer
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from actors.outbox import deliver
from federation.delivery import (
    DELIVERY_KIND,
    DELIVERY_POLICY,
    DELIVERY_QUEUE,
    DeliverySettings,
    delivery_handler,
    mark_host_alive,
    retry_after_seconds,
)
from federation.host_slots import HostSlots
from federation.hosts import HostPolicy, to_ms
from federation.services import Services
from federation.signatures import PublicKeyInfo, digest_header, verify_request
from federation.vocab import CONTEXT
from storage.db import create_engine, session_maker
from storage.ids import new_id
from storage.models import DEAD, Actor, DomainRule, Host, Job
from storage.queue import ClaimedJob
from storage.worker import Registry, Worker, drain
from tests.actors.factories import Clock, add, local_actor, make_services, seed, shared_database, wipe
from tests.conftest import make_config

FAST_HOSTS = HostPolicy(retry_base=10, retry_max=20, unreachable_after=60, min_failures=3,
                        probe_interval=100, probe_lease=5, jitter=0)


@dataclass
class Received:
    path: str
    headers: CIMultiDict[str]
    body: bytes

    @property
    def activity(self) -> dict[str, Any]:
        return dict(json.loads(self.body))


@dataclass
class Inbox:
    """A loopback server standing in for another node's inboxes."""

    status: int = 202
    headers: dict[str, str] = field(default_factory=dict)
    hang: bool = False
    release: asyncio.Event = field(default_factory=asyncio.Event)
    received: list[Received] = field(default_factory=list)
    server: TestServer | None = None

    async def handle(self, request: web.Request) -> web.Response:
        self.received.append(Received(request.raw_path, CIMultiDict(request.headers), await request.read()))
        if self.hang:
            await self.release.wait()
        return web.Response(status=self.status, headers=self.headers)

    async def start(self, aiohttp_server: AiohttpServer, port: int | None = None) -> Inbox:
        app = web.Application()
        app.router.add_post("/{tail:.*}", self.handle)
        self.server = await aiohttp_server(app, host="127.0.0.1", port=port)
        return self

    def url(self, path: str = "/inbox") -> str:
        assert self.server is not None
        return f"http://127.0.0.1:{self.server.port}{path}"

    def paths(self) -> list[str]:
        return [r.path for r in self.received]


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def module_db(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    yield from shared_database(request, tmp_path_factory)


@pytest.fixture
async def engine(module_db: str) -> AsyncIterator[AsyncEngine]:
    made = create_engine(module_db)
    await wipe(made)
    yield made
    await made.dispose()


@pytest.fixture
async def services(module_db: str, engine: AsyncEngine, tmp_path: Path) -> AsyncIterator[Services]:
    config = make_config(module_db, tmp_path, allowed_private_hosts=["127.0.0.1"])
    made = make_services(config, engine)
    yield made
    await made.client.close()


@pytest.fixture
async def author(engine: AsyncEngine) -> Actor:
    ana = local_actor("ana")
    await seed(engine, ana)
    return ana


@pytest.fixture
def clock() -> Clock:
    return Clock()


def worker(services: Services, clock: Clock, **settings: Any) -> Worker:
    """A worker for deliveries on `clock`, which it first moves to now (jobs queued so far are due)."""
    clock.catch_up()
    registry = Registry()
    handler = delivery_handler(DeliverySettings(clock=clock, busy_wait=10, rng=random.Random(7), **settings))
    registry.register(DELIVERY_KIND, handler, policy=DELIVERY_POLICY)
    return Worker(services.engine, registry, deps=services, queues=(DELIVERY_QUEUE,), clock=clock)


async def send(engine: AsyncEngine, author: Actor, inboxes: list[str], n: int = 1) -> list[dict[str, Any]]:
    """Queue `n` activities by `author`, each to every inbox; returns them in order."""
    sent = []
    for i in range(n):
        activity = {"@context": CONTEXT, "id": f"http://amity.test/activities/{new_id()}", "type": "Create",
                    "actor": author.uri, "object": {"type": "Note", "content": f"<p>{i}</p>"}}
        async with session_maker(engine)() as session, session.begin():
            await deliver(session, author, activity, inboxes)
        sent.append(activity)
    return sent


async def job_rows(engine: AsyncEngine) -> list[Job]:
    async with session_maker(engine)() as session:
        return list((await session.scalars(select(Job).order_by(Job.id))).all())


async def host_row(engine: AsyncEngine, inbox: Inbox) -> Host:
    assert inbox.server is not None
    async with session_maker(engine)() as session:
        host = await session.get(Host, f"127.0.0.1:{inbox.server.port}")
    assert host is not None
    return host


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def until(condition: Callable[[], bool | Awaitable[bool]], what: str, seconds: float = 20) -> None:
    """Wait for an event (bounded); the timing is never asserted."""
    deadline = asyncio.get_running_loop().time() + seconds
    while True:
        result = condition()
        if result if isinstance(result, bool) else await result:
            return
        if asyncio.get_running_loop().time() > deadline:
            pytest.fail(f"gave up waiting for {what}")
        await asyncio.sleep(0.01)


# -- what is sent --------------------------------------------------------------------------

async def test_a_delivery_is_signed_as_its_author_with_digest_and_content_type(
        aiohttp_server: AiohttpServer, services: Services, engine: AsyncEngine, author: Actor,
        clock: Clock) -> None:
    inbox = await Inbox().start(aiohttp_server)
    [activity] = await send(engine, author, [inbox.url()])
    await drain(worker(services, clock))
    [got] = inbox.received
    assert got.activity == activity
    assert got.headers["Content-Type"] == "application/activity+json"
    assert got.headers["Digest"] == digest_header(got.body)

    async def lookup(key_id: str, refresh: bool) -> PublicKeyInfo:
        assert key_id == f"{author.uri}#main-key"
        return PublicKeyInfo(public_key_pem=author.public_key_pem or "", owner=author.uri)

    verified = await verify_request("POST", got.path, got.headers, got.body, lookup)
    assert verified.owner == author.uri
    assert {"(request-target)", "host", "date", "digest", "content-type"} <= set(verified.signed_headers)


async def test_a_2xx_answer_finishes_the_job_and_writes_nothing_about_a_healthy_host(
        aiohttp_server: AiohttpServer, services: Services, engine: AsyncEngine, author: Actor,
        clock: Clock) -> None:
    inbox = await Inbox(status=200).start(aiohttp_server)
    await send(engine, author, [inbox.url()])
    assert await drain(worker(services, clock)) == 1
    assert await job_rows(engine) == []
    async with session_maker(engine)() as session:
        assert (await session.scalars(select(Host))).all() == []


# -- answers that end a delivery -----------------------------------------------------------

@pytest.mark.parametrize(("status", "reason"), [(410, "gone"), (403, "refused"), (301, "refused")])
async def test_410_and_other_final_answers_are_not_retried(
        aiohttp_server: AiohttpServer, services: Services, engine: AsyncEngine, author: Actor,
        clock: Clock, status: int, reason: str) -> None:
    inbox = await Inbox(status=status).start(aiohttp_server)
    await send(engine, author, [inbox.url()])
    await drain(worker(services, clock))
    [job] = await job_rows(engine)
    assert job.state == DEAD and f"HTTP {status}: {reason}" in (job.last_error or "")
    assert len(inbox.received) == 1


async def test_a_domain_suspended_after_queueing_is_dropped(
        aiohttp_server: AiohttpServer, services: Services, engine: AsyncEngine, author: Actor,
        clock: Clock) -> None:
    inbox = await Inbox().start(aiohttp_server)
    assert inbox.server is not None
    await send(engine, author, [inbox.url()])
    await add(engine, DomainRule(domain=f"127.0.0.1:{inbox.server.port}", policy="suspend"))
    await drain(worker(services, clock))
    [job] = await job_rows(engine)
    assert job.state == DEAD and "suspended" in (job.last_error or "")
    assert inbox.received == []


# -- answers that mean: later --------------------------------------------------------------

async def test_429_with_retry_after_is_retried_at_that_time(
        aiohttp_server: AiohttpServer, services: Services, engine: AsyncEngine, author: Actor,
        clock: Clock) -> None:
    inbox = await Inbox(status=429, headers={"Retry-After": "120"}).start(aiohttp_server)
    await send(engine, author, [inbox.url()])
    await drain(worker(services, clock))
    [job] = await job_rows(engine)
    assert job.state == "queued" and job.run_after == clock.ms + 120_000
    async with session_maker(engine)() as session:  # rate limited is not down
        assert (await session.scalars(select(Host))).all() == []


async def test_401_is_retried_with_the_delivery_backoff(
        aiohttp_server: AiohttpServer, services: Services, engine: AsyncEngine, author: Actor,
        clock: Clock) -> None:
    inbox = await Inbox(status=401).start(aiohttp_server)
    await send(engine, author, [inbox.url()])
    await drain(worker(services, clock))
    [job] = await job_rows(engine)
    assert job.state == "queued" and 24_000 <= job.run_after - clock.ms <= 36_000
    assert "DeliveryRejected" in (job.last_error or "")


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


# -- peers that are down or slow -----------------------------------------------------------

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


# -- the parts on their own ----------------------------------------------------------------

def test_retry_after_is_read_as_seconds_or_an_http_date_and_bounded() -> None:
    now = datetime(2025, 1, 1, tzinfo=UTC)
    assert retry_after_seconds({"Retry-After": "120"}) == 120
    assert retry_after_seconds({"Retry-After": format_datetime(now + timedelta(minutes=5), usegmt=True)},
                               now=now) == 300
    assert retry_after_seconds({"Retry-After": "0"}) == 1
    assert retry_after_seconds({"Retry-After": str(10**9)}) == 6 * 3600
    assert retry_after_seconds({"Retry-After": "soon"}) is None
    assert retry_after_seconds({}) is None


def test_a_failing_delivery_is_tried_about_sixteen_times_over_three_days() -> None:
    start = 1_700_000_000_000
    job, now, tries = ClaimedJob(1, DELIVERY_KIND, {}, 1, start), start, 1
    while (retry_at := DELIVERY_POLICY.next_run(job, now, rng=random.Random(tries))) is not None:
        now, tries = retry_at, tries + 1
        job = ClaimedJob(1, DELIVERY_KIND, {}, job.attempts + 1, start)
    assert 14 <= tries <= 18
    assert 2 * 86400_000 <= now - start <= 3 * 86400_000


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
