"""Other servers as deliveries see them: failing since when, paused until when, unreachable.

One row per domain in `hosts`. A delivery that fails for a reason on the host's side
(network error, timeout, 5xx) pauses every delivery to that domain until `next_probe_at`,
backing off from 30 s to an hour; when that time comes, one delivery at a time (the
*probe*, see `claim_probe`) makes a real POST, and its success clears the state. A host
failing continuously for longer than `unreachable_after` is marked unreachable and probed
every few hours only. Deliveries never wait on a row lock here: every function is one or two
short statements in the caller's transaction. Times are integer Unix milliseconds, as the
job kernel's, so tests drive them with the worker's clock.

A host that signs a request to our inbox has answered again: `host_answered_again` clears its
failing state and releases its waiting deliveries. `FailingHosts` is a process's view of the
failing hosts (on `DeliveryState`), so that a healthy host costs no query.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from federation.delivery import DELIVERY_KIND
from storage import queue
from storage.models import QUEUED, Host, Job
from storage.ttl_cache import Snapshot

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MS = timedelta(milliseconds=1)


@dataclass(frozen=True)
class HostPolicy:
    retry_base: float = 30.0  # seconds a host is paused after its first failure...
    retry_max: float = 3600.0  # ...doubling with each failed round, up to this
    unreachable_after: float = 2 * 86400.0  # failing continuously this long: unreachable
    min_failures: int = 5  # ...and at least this many failed rounds
    probe_interval: float = 6 * 3600.0  # an unreachable host is probed this often
    probe_lease: float = 60.0  # other deliveries stay away while a probe is in flight
    jitter: float = 0.2  # +-20 % on every pause, so hosts do not all retry at once


HOST_POLICY = HostPolicy()


@dataclass(frozen=True)
class HostState:
    """A snapshot of a host's row, times in Unix milliseconds."""

    domain: str
    failing_since: int | None
    consecutive_failures: int
    unreachable: bool
    next_probe_at: int | None
    last_success_at: int | None

    @property
    def failing(self) -> bool:
        return self.failing_since is not None or self.next_probe_at is not None

    def paused_until(self, now: int) -> int | None:
        """When deliveries may try this host again, if not now."""
        if self.next_probe_at is not None and self.next_probe_at > now:
            return self.next_probe_at
        return None


MAX_ERROR_CHARS = 500


def to_ms(when: datetime) -> int:
    return (when - _EPOCH) // _MS


def from_ms(ms: int) -> datetime:
    return _EPOCH + timedelta(milliseconds=ms)


def _ms_or_none(when: datetime | None) -> int | None:
    return None if when is None else to_ms(when)


def snapshot(host: Host) -> HostState:
    return HostState(host.domain, _ms_or_none(host.failing_since), host.consecutive_failures,
                     host.unreachable, _ms_or_none(host.next_probe_at), _ms_or_none(host.last_success_at))


async def host_state(session: AsyncSession, domain: str) -> HostState | None:
    host = await session.get(Host, domain, populate_existing=True)
    return None if host is None else snapshot(host)


async def _ensure_row(session: AsyncSession, domain: str) -> None:
    """Insert the host's row if missing. Written first in a transaction, so that on SQLite the
    transaction holds the write lock before it reads (no lock upgrade, no SQLITE_BUSY)."""
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    await session.execute(insert(Host).values(domain=domain, consecutive_failures=0, unreachable=False)
                          .on_conflict_do_nothing(index_elements=["domain"]))


async def _locked_row(session: AsyncSession, domain: str) -> Host:
    await _ensure_row(session, domain)
    stmt = select(Host).where(Host.domain == domain).with_for_update().execution_options(
        populate_existing=True)
    return (await session.scalars(stmt)).one()


async def claim_probe(session: AsyncSession, domain: str, *, now: int, policy: HostPolicy) -> bool:
    """Take the right to try a paused host whose pause is over; False if another delivery did."""
    result = await session.execute(
        update(Host)
        .where(Host.domain == domain, Host.next_probe_at <= from_ms(now))
        .values(next_probe_at=from_ms(now + int(policy.probe_lease * 1000)))
        .execution_options(synchronize_session=False)
    )
    return bool(getattr(result, "rowcount", 0))


async def record_failure(session: AsyncSession, domain: str, *, now: int, started: int,
                         policy: HostPolicy, retry_after: float | None = None,
                         rng: random.Random | None = None, error: str = "") -> HostState:
    """Count a failed round against the host and pause it; returns the new state.

    Deliveries that were in flight together when the host went down count as one round:
    a failure recorded after this attempt `started` is the same outage.
    """
    host = await _locked_row(session, domain)
    if error:  # kept on the row: delivery jobs are deleted once done, so this is what remains
        host.last_error, host.last_error_at = error[:MAX_ERROR_CHARS], from_ms(now)
    already = (host.failing_since is not None and to_ms(host.failing_since) >= started
               and host.next_probe_at is not None and to_ms(host.next_probe_at) > now)
    if already:
        return snapshot(host)
    if host.failing_since is None:
        host.failing_since = from_ms(now)
        host.consecutive_failures = 0
    host.consecutive_failures += 1
    failing_for = now - to_ms(host.failing_since)
    if (not host.unreachable and failing_for >= policy.unreachable_after * 1000
            and host.consecutive_failures >= policy.min_failures):
        host.unreachable = True
    if retry_after is not None:
        pause = retry_after
    elif host.unreachable:
        pause = policy.probe_interval
    else:
        pause = min(policy.retry_base * 2 ** (host.consecutive_failures - 1), policy.retry_max)
    if retry_after is None:
        pause *= (rng or random).uniform(1 - policy.jitter, 1 + policy.jitter)
    host.next_probe_at = from_ms(now + int(pause * 1000))
    await session.flush()
    return snapshot(host)


async def record_success(session: AsyncSession, domain: str, *, now: int) -> HostState:
    """The host answered: clear any failing state and note when."""
    await _ensure_row(session, domain)
    await session.execute(
        update(Host).where(Host.domain == domain)
        .values(failing_since=None, consecutive_failures=0, unreachable=False, next_probe_at=None,
                last_success_at=from_ms(now))
        .execution_options(synchronize_session=False)
    )
    return HostState(domain, None, 0, False, None, now)


async def clear_failure(session: AsyncSession, domain: str, *, now: int) -> bool:
    """Forget a host's failures (it showed it is up); one UPDATE that matches no row unless it
    was failing. Returns whether anything changed."""
    moment = from_ms(now)
    result = await session.execute(
        update(Host)
        .where(Host.domain == domain.lower(),
               or_(Host.failing_since.is_not(None), Host.next_probe_at.is_not(None), Host.unreachable))
        .values(failing_since=None, consecutive_failures=0, unreachable=False, next_probe_at=None,
                last_seen_at=moment)
        .execution_options(synchronize_session=False)
    )
    return bool(getattr(result, "rowcount", 0))


async def mark_host_alive(session: AsyncSession, domain: str, *, now: int | None = None) -> bool:
    """The host contacted us (a signed request came from it): clear its failing state and let
    its waiting deliveries run now. For the inbox, in the transaction that stores the request;
    one UPDATE matching no row unless the host was failing. Returns whether it was failing."""
    now = queue.now_ms() if now is None else now
    domain = domain.lower()
    if not await clear_failure(session, domain, now=now):
        return False
    inbox = Job.payload["inbox"].as_string()
    await session.execute(
        update(Job)
        .where(Job.kind == DELIVERY_KIND, Job.state == QUEUED, Job.run_after > now, Job.locked_until <= now,
               or_(inbox.like(f"http://{domain}/%"), inbox.like(f"https://{domain}/%")))
        .values(run_after=now)
        .execution_options(synchronize_session=False)
    )
    return True


async def load_failing_hosts(session: AsyncSession) -> dict[str, HostState]:
    rows = await session.scalars(select(Host).where(or_(
        Host.failing_since.is_not(None), Host.next_probe_at.is_not(None), Host.unreachable)))
    return {host.domain: snapshot(host) for host in rows.all()}


class FailingHosts:
    """This process's snapshot of the hosts that are failing; a host not in it is taken as
    healthy. A host in it is read again from the database before every attempt, so pauses and
    probes are exact; what another process learns reaches this one within the caller's `ttl`."""

    def __init__(self) -> None:
        self._hosts = Snapshot(load_failing_hosts)

    async def get(self, sessions: async_sessionmaker[AsyncSession], ttl: float) -> dict[str, HostState]:
        return await self._hosts.get(sessions, ttl)

    def note(self, state: HostState) -> None:
        """What this process just wrote about a host (failing, or not)."""
        hosts = self._hosts.value
        if hosts is None:
            return
        if state.failing:
            hosts[state.domain] = state
        else:
            hosts.pop(state.domain, None)

    def forget(self) -> None:
        """Read the failing hosts again at the next `get`."""
        self._hosts.forget()


async def host_answered_again(sessions: async_sessionmaker[AsyncSession], failing: FailingHosts,
                              domain: str, *, ttl: float) -> bool | None:
    """A host our deliveries think is down just signed a request: it is up. Costs a write only
    when this process's view of failing hosts (at most `ttl` old) lists it. None when it does
    not (nothing done); else whether this call cleared the host's failing state (another
    process may have done it first). The view is read again next time."""
    if domain not in await failing.get(sessions, ttl):
        return None
    async with sessions() as session, session.begin():
        revived = await mark_host_alive(session, domain)
    failing.forget()
    return revived
