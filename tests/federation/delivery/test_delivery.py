"""The delivery job against loopback inboxes: the signed request, and what each answer does to
the job (done, dropped, retried with its backoff or at Retry-After).

Inboxes are aiohttp test servers on 127.0.0.1 (the node's config allows that host). Retries
are driven with the worker's injected clock and `drain`, never by sleeping.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest
from pytest_aiohttp import AiohttpServer
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from federation.delivery.job import (
    DELIVERY_KIND,
    DELIVERY_POLICY,
    retry_after_seconds,
)
from federation.httpsig.signatures import PublicKeyInfo, digest_header, verify_request
from federation.services import Services
from storage.db import session_maker
from storage.models import DEAD, Actor, DomainRule, Host
from storage.queue import ClaimedJob
from storage.worker import drain
from tests.actors.factories import Clock, add
from tests.federation.delivery.delivery_inboxes import (
    Inbox,
    author,
    clock,
    engine,
    job_rows,
    module_db,
    send,
    services,
    worker,
)

__all__ = ["author", "clock", "engine", "module_db", "services"]  # fixtures from delivery_inboxes


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
