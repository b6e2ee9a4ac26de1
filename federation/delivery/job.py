"""Delivering an activity: queued with the write that caused it, then POSTed by a job.

Queueing (`deliver`): the rendered activity is stored once (an `OutboxActivity`) and one
`federation.deliver` job is queued per distinct inbox, inside the caller's transaction, so an
activity and its deliveries are committed together with the write that caused them (or not at
all). Idempotent per activity id: a job that runs again after a crash queues nothing twice.

Running (`run_delivery`, payload `{"activity_id": ..., "inbox": <url>}`): POST the activity
to the inbox, signed as its author. Outcomes:

- 2xx: done. 410 and other 4xx (but 401, 408, 429), 3xx: given up, final.
- 401, 408, 429 without `Retry-After`: retried with `DELIVERY_POLICY` (the host is up).
- 429 with `Retry-After` (seconds or HTTP-date, bounded): retried at that time.
- network errors, timeouts, 5xx (503 honours `Retry-After`): the *host* is failing; every
  delivery to it waits until its `next_probe_at`, when one delivery probes it (`hosts.py`).
- the domain suspended, or not a partner in allowlist mode, since the job was queued: dropped.
- older than `horizon`: given up (about three days, as Mastodon).

A host gets at most `per_host` requests in flight from a process (one while it is failing),
each bounded by `timeout`; see `state.py`. A delivery to a healthy host reads nothing
from the database (`state.py` keeps the activity and the failing hosts, `Services.domain_rules`
the domain rules) and writes nothing; no transaction is open during the POST.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from federation.client import BlockedAddress, RemoteError, Unreachable, UnsupportedURL
from federation.delivery import DELIVERY_KIND, DELIVERY_QUEUE
from federation.delivery.hosts import (
    HOST_POLICY,
    HostPolicy,
    HostState,
    claim_probe,
    host_state,
    record_failure,
    record_success,
)
from federation.delivery.state import PreparedActivity
from federation.urls import domain_of
from federation.vocab import AS2_CONTENT_TYPE
from storage import queue
from storage.models import Actor, OutboxActivity, utcnow
from storage.queue import ClaimedJob, RetryPolicy
from storage.worker import GiveUp, Handler, JobContext, RetryLater

if TYPE_CHECKING:
    from federation.services import Services

__all__ = ["DELIVERY_KIND", "DELIVERY_POLICY", "DELIVERY_QUEUE", "AgeBackoff", "DeliveryRejected",
           "DeliverySettings", "deliver", "delivery_handler", "inbox_of", "retry_after_seconds",
           "run_delivery"]

log = logging.getLogger("amity.delivery")

RETRY_AFTER_BOUNDS = (1.0, 6 * 3600.0)  # a peer's Retry-After is clamped to this (seconds)
STALE_SUCCESS_MS = 3600 * 1000  # a healthy host's last_success_at is refreshed this often


@dataclass(frozen=True)
class AgeBackoff(RetryPolicy):
    """Backoff from the job's age rather than its attempt count: waiting for a busy or paused
    host (RetryLater) uses up attempts without stretching the next delay. From `base_delay`
    the gaps double (each about the job's age) up to `max_delay`: about 16 tries in 3 days."""

    def next_run(self, job: ClaimedJob, now: int, *, rng: random.Random | None = None) -> int | None:
        if job.attempts >= self.max_attempts:
            return None
        age = max(now - job.created_at, 0) / 1000
        delay = min(max(age, self.base_delay), self.max_delay) * (rng or random).uniform(0.8, 1.2)
        retry_at = now + int(delay * 1000)
        return None if retry_at - job.created_at > self.horizon * 1000 else retry_at


# max_attempts only guards against a loop: waits for a paused host are attempts too.
DELIVERY_POLICY = AgeBackoff(max_attempts=1000, base_delay=30.0, max_delay=12 * 3600.0,
                             horizon=3 * 86400.0)


class DeliveryRejected(Exception):
    """The inbox answered with a status worth retrying later (401, 408, 429)."""


@dataclass(frozen=True)
class DeliverySettings:
    hosts: HostPolicy = HOST_POLICY
    per_host: int = 4  # requests in flight to one host from one process (1 while it fails)
    timeout: float = 20.0  # seconds for one POST, connection included
    busy_wait: float = 2.0  # seconds to wait for a host slot before giving the worker slot back
    horizon: float = DELIVERY_POLICY.horizon  # seconds after which a delivery is given up
    snapshot_ttl: float = 5.0  # seconds before domain rules and failing hosts are read again
    clock: Callable[[], int] = queue.now_ms  # the worker's clock (tests inject theirs)
    rng: random.Random = field(default_factory=random.Random)


def delivery_handler(settings: DeliverySettings | None = None) -> Handler:
    """The job handler, with its limits; `deliver` is the one the node registers."""
    chosen = settings or DeliverySettings()

    async def handle(ctx: JobContext) -> None:
        await _deliver(ctx.deps, ctx.job, chosen)

    return handle


async def _deliver(services: Services, job: ClaimedJob, settings: DeliverySettings) -> None:
    activity_id, inbox = _parse(job.payload)
    domain = domain_of(inbox)
    if settings.clock() - job.created_at > settings.horizon * 1000:
        raise GiveUp(f"not delivered to {inbox} within {settings.horizon / 86400:g} days")
    state = services.deliveries
    with state.slots.ticket(domain, job.id) as ticket:
        policy = await services.domain_rules.policy(services.sessions, settings.snapshot_ttl)
        refused = policy.refusal(domain)
        if refused:
            raise GiveUp(f"dropped: {refused}")
        prepared = await state.prepared(services.sessions, activity_id)
        if prepared is None:
            raise GiveUp(f"outbox activity {activity_id} (or its author's key) no longer exists")
        host = await _known_failing(services, domain, settings)
        if not state.slots.in_flight(domain):  # else: maybe a probe; wait for its outcome
            _wait_for(host, settings.clock())
        failing = host is not None and host.failing
        if not await ticket.admit(1 if failing else settings.per_host, wait=settings.busy_wait):
            raise RetryLater(f"{domain} is busy", delay_seconds=_busy_delay(job, settings.rng))
        if failing or ticket.waited:
            host = await _probe_or_wait(services, domain, settings)
        await _post(services, inbox, domain, prepared, host, settings)


def _parse(payload: Any) -> tuple[int, str]:
    if not isinstance(payload, dict) or not isinstance(payload.get("inbox"), str):
        raise GiveUp(f"malformed delivery payload: {payload!r}")
    try:
        return int(payload["activity_id"]), payload["inbox"]
    except (KeyError, TypeError, ValueError):
        raise GiveUp(f"malformed delivery payload: {payload!r}") from None


async def _known_failing(services: Services, domain: str, settings: DeliverySettings) -> HostState | None:
    """The host's state if it is failing (read afresh), None for a healthy host (no query)."""
    failing = await services.deliveries.failing.get(services.sessions, settings.snapshot_ttl)
    if domain not in failing:
        return None
    async with services.sessions() as session:
        host = await host_state(session, domain)
    if host is not None:
        services.deliveries.failing.note(host)
    return host


def _wait_for(host: HostState | None, now: int) -> None:
    until = None if host is None else host.paused_until(now)
    if host is not None and until is not None:
        what = "unreachable" if host.unreachable else "failing"
        raise RetryLater(f"{host.domain} is {what}: waiting for its next probe",
                         delay_seconds=(until - now) / 1000)


async def _probe_or_wait(services: Services, domain: str, settings: DeliverySettings) -> HostState | None:
    """The host was failing, or others went first: it may have recovered or failed meanwhile.
    If it is still failing and its pause is over, probe it (one delivery at a time)."""
    now = settings.clock()
    async with services.sessions() as session, session.begin():
        host = await host_state(session, domain)
        _wait_for(host, now)
        if host is None or not host.failing:
            return host
        if not await claim_probe(session, domain, now=now, policy=settings.hosts):
            raise RetryLater(f"{domain} is being probed", delay_seconds=settings.hosts.probe_lease)
    log.info("delivery.probe", extra={"domain": domain, "unreachable": host.unreachable})
    return host


def _busy_delay(job: ClaimedJob, rng: random.Random) -> float:
    return min(2.0 * job.attempts, 60.0) * rng.uniform(0.5, 1.5)


async def _post(services: Services, inbox: str, domain: str, prepared: PreparedActivity,
                host: HostState | None, settings: DeliverySettings) -> None:
    started = settings.clock()
    try:
        async with asyncio.timeout(settings.timeout):
            await services.client.post(inbox, prepared.body, content_type=AS2_CONTENT_TYPE,
                                       signer=prepared.signer)
    except RemoteError as exc:
        await _answered(services, domain, host, exc, started, settings)
    except (BlockedAddress, UnsupportedURL) as exc:
        raise GiveUp(str(exc)) from exc
    except (Unreachable, TimeoutError) as exc:
        reason = str(exc) or f"no answer from {inbox} within {settings.timeout:g}s"
        await _host_failed(services, domain, reason, started, settings)
    else:
        await _host_answered(services, domain, host, settings)
        if log.isEnabledFor(logging.DEBUG):
            log.debug("delivery.sent", extra={"inbox": inbox, "activity": prepared.uri})


async def _answered(services: Services, domain: str, host: HostState | None, exc: RemoteError,
                    started: int, settings: DeliverySettings) -> None:
    status = exc.status
    if status >= 500:
        delay = retry_after_seconds(exc.headers) if status == 503 else None
        await _host_failed(services, domain, str(exc), started, settings, retry_after=delay)
    await _host_answered(services, domain, host, settings)
    if status == 429:
        delay = retry_after_seconds(exc.headers)
        if delay is not None:
            raise RetryLater(f"{exc} (rate limited)", delay_seconds=delay)
    if status in (401, 408, 429):
        raise DeliveryRejected(str(exc))
    raise GiveUp(f"{exc}: {'gone' if status == 410 else 'refused'}")


async def _host_failed(services: Services, domain: str, reason: str, started: int,
                       settings: DeliverySettings, *, retry_after: float | None = None) -> None:
    now = settings.clock()
    async with services.sessions() as session, session.begin():
        host = await record_failure(session, domain, now=now, started=started, policy=settings.hosts,
                                    retry_after=retry_after, rng=settings.rng, error=reason)
    services.deliveries.failing.note(host)
    until = host.next_probe_at or now
    if host.unreachable:
        log.warning("delivery.host_unreachable", extra={"domain": domain, "reason": reason})
    raise RetryLater(f"{reason}; {domain} paused", delay_seconds=max(until - now, 0) / 1000)


async def _host_answered(services: Services, domain: str, before: HostState | None,
                         settings: DeliverySettings) -> None:
    """The host answered (whatever the status): if it was failing, it is not any more.
    Nothing is written for a host that was healthy."""
    if before is None or not before.failing:
        return
    async with services.sessions() as session, session.begin():
        healthy = await record_success(session, domain, now=settings.clock())
    services.deliveries.failing.note(healthy)


def retry_after_seconds(headers: Mapping[str, str], *, now: datetime | None = None) -> float | None:
    """A `Retry-After` header (delay-seconds or HTTP-date) as seconds from now, clamped to
    RETRY_AFTER_BOUNDS; None when missing or unreadable."""
    value = (headers.get("Retry-After") or "").strip()
    if not value:
        return None
    if value.isdigit():
        seconds = float(value)
    else:
        try:
            when = parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
        if when.tzinfo is None:
            return None
        seconds = (when - (now or utcnow())).total_seconds()
    low, high = RETRY_AFTER_BOUNDS
    return min(max(seconds, low), high)


run_delivery = delivery_handler()  # the job handler (ui/jobs.py); `deliver` below queues one


async def deliver(session: AsyncSession, actor: Actor, activity: dict[str, Any],
                  inboxes: Iterable[str | None]) -> int:
    """Queue `activity` (signed later as `actor`) for each distinct inbox; returns how many."""
    targets = sorted({inbox for inbox in inboxes if inbox})
    if not targets:
        return 0
    uri = str(activity["id"])
    if await session.scalar(select(OutboxActivity.id).where(OutboxActivity.uri == uri)) is not None:
        return 0
    row = OutboxActivity(uri=uri, actor_id=actor.id, body=activity)
    session.add(row)
    await session.flush()
    return await queue.enqueue_many(
        session, DELIVERY_KIND, ({"activity_id": row.id, "inbox": inbox} for inbox in targets),
        queue=DELIVERY_QUEUE)


def inbox_of(actor: Actor, *, shared: bool = True) -> str | None:
    """Where to deliver to an actor: its server's shared inbox when it has one."""
    return (actor.shared_inbox_url if shared else None) or actor.inbox_url
