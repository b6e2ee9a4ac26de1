"""Delivery health per remote server, as operators and moderators see it, and retrying one now.

A host is `ok`, `failing` (deliveries wait for its next probe, backing off) or `unreachable`
(failing long enough that only a probe now and then is tried): see
`federation.delivery.hosts` for the state machine. Beside that state: when it last answered,
when it is tried next, why the last delivery failed (kept on the host row, since delivery jobs
are deleted once done), and how many deliveries wait for it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from actors.moderation.audit import Staff, record, require
from federation.delivery.hosts import mark_host_alive
from federation.delivery.job import DELIVERY_KIND
from storage.domain_names import normalize_domain
from storage.errors import Invalid
from storage.models import QUEUED, Host, Job


@dataclass(frozen=True)
class HostHealth:
    domain: str
    state: str  # ok, failing, unreachable
    consecutive_failures: int
    failing_since: datetime | None
    next_try_at: datetime | None
    last_success_at: datetime | None
    last_seen_at: datetime | None
    last_error: str | None
    last_error_at: datetime | None
    queued: int  # deliveries waiting for it


def _state(host: Host) -> str:
    if host.unreachable:
        return "unreachable"
    return "failing" if host.failing_since is not None or host.next_probe_at is not None else "ok"


def _to_domain(domain: str) -> ColumnElement[bool]:
    inbox = Job.payload["inbox"].as_string()
    return or_(inbox.like(f"http://{domain}/%"), inbox.like(f"https://{domain}/%"))


async def queued_for(session: AsyncSession, domain: str) -> int:
    return int(await session.scalar(select(func.count()).select_from(Job).where(
        Job.kind == DELIVERY_KIND, Job.state == QUEUED, _to_domain(domain))) or 0)


async def host_health(session: AsyncSession, *, failing_only: bool = False, domain: str | None = None,
                      limit: int = 200) -> Sequence[HostHealth]:
    """Hosts (the failing first, then by domain), or the one named."""
    query = select(Host).order_by(Host.failing_since.is_(None), Host.domain).limit(limit)
    if failing_only:
        query = query.where(or_(Host.failing_since.is_not(None), Host.next_probe_at.is_not(None)))
    if domain is not None:
        query = query.where(Host.domain == normalize_domain(domain))
    hosts = (await session.scalars(query)).all()
    return [HostHealth(h.domain, _state(h), h.consecutive_failures, h.failing_since, h.next_probe_at,
                       h.last_success_at, h.last_seen_at, h.last_error, h.last_error_at,
                       await queued_for(session, h.domain)) for h in hosts]


async def retry_host(session: AsyncSession, staff: Staff, domain: str) -> int:
    """Forget a host's failures and let its waiting deliveries run now; how many wait."""
    require(staff, "manage_federation")
    canonical = normalize_domain(domain)
    if await session.get(Host, canonical) is None:
        raise Invalid(f"no deliveries were ever made to {canonical}")
    await mark_host_alive(session, canonical)
    waiting = await queued_for(session, canonical)
    await record(session, staff, "host.retry", "domain", canonical, queued=waiting)
    return waiting
