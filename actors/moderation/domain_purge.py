"""What suspending a domain does to what is stored: follows severed, content purged, deliveries
dropped, accounts suspended. Done by a job, in small transactions, so it shows progress and
resumes where it stopped.

When a rule becomes `suspend` (`actors.moderation.domains.set_rule`, or an import), one
`moderation.purge_domain` job is queued in the same transaction, with a severance event
(`severance_events`). Each run of the job does up to `STEPS_PER_RUN` steps of `BATCH` rows,
each step its own transaction, then queues its continuation: a crash or a restart loses at
most one step, which the retry does again (every step is idempotent). The order:

1. follows in both directions between members and accounts on the domain (or its
   subdomains) are deleted, counted per member (`account_severances`);
2. statuses of those accounts are deleted (their media rows, mentions, timeline entries and
   boosts go with them, by foreign key);
3. deliveries still queued to the domain are dropped;
4. the accounts are marked suspended;

then every member who lost follows gets a `severed_relationships` notification, and the audit
log an entry with the totals. If the rule is lifted meanwhile, the job stops where it is (what
was severed stays severed, as on Mastodon). Cached copies of the domain's media files are left
to `amity media prune`.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, Table, delete, func, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from actors.moderation.audit import Staff, record
from federation.delivery.job import DELIVERY_KIND
from federation.services import Services
from federation.urls import domain_or_none
from storage import queue
from storage.models import (
    AccountSeverance,
    Actor,
    DomainRule,
    Follow,
    Job,
    Notification,
    SeveranceEvent,
    Status,
    utcnow,
)
from storage.models.base import new_id
from storage.worker import JobContext

PURGE_KIND = "moderation.purge_domain"
_EVENTS: Table = SeveranceEvent.__table__  # type: ignore[assignment]  # Core inserts, in bulk
BATCH = 500
STEPS_PER_RUN = 20
SYSTEM = Staff(None, "system", "owner")  # the job acts on the decision a moderator made
log = logging.getLogger("amity.moderation")


def on_domain(column: Any, domain: str) -> ColumnElement[bool]:
    """`column` (a domain) is `domain` or one of its subdomains."""
    return or_(column == domain, column.endswith(f".{domain}", autoescape=True))


async def start_purge(session: AsyncSession, domain: str) -> None:
    """Queue the purge of a newly suspended domain, in the caller's transaction."""
    await start_purges(session, [domain])


async def start_purges(session: AsyncSession, domains: Sequence[str]) -> None:
    """`start_purge` for many domains in two statements (a blocklist import suspends thousands)."""
    if not domains:
        return
    now = utcnow()
    events = [{"id": new_id(), "kind": "domain_block", "target_name": d, "purged": True, "created_at": now}
              for d in domains]
    await session.execute(insert(_EVENTS), events)
    await queue.enqueue_many(session, PURGE_KIND,
                             [{"domain": e["target_name"], "event_id": e["id"]} for e in events])


async def run_purge(job: JobContext) -> None:
    services: Services = job.deps
    domain, event_id = str(job.payload["domain"]), int(job.payload["event_id"])
    done: Counter[str] = Counter(job.payload.get("done", {}))
    for _ in range(STEPS_PER_RUN):
        async with services.sessions() as session, session.begin():
            if not await _still_suspended(session, domain):
                log.info("moderation.purge_stopped", extra={"domain": domain, **done})
                return
            step = await _step(session, domain, event_id)
        if not step:
            async with services.sessions() as session, session.begin():
                await _finish(session, domain, event_id, done)
            return
        done.update(step)
        log.info("moderation.purge_progress", extra={"domain": domain, **done})
    async with services.sessions() as session, session.begin():  # more to do: continue in a new run
        await queue.enqueue(session, PURGE_KIND, {"domain": domain, "event_id": event_id, "done": dict(done)})


async def _still_suspended(session: AsyncSession, domain: str) -> bool:
    return await session.scalar(select(DomainRule.policy).where(DomainRule.domain == domain)) == "suspend"


async def _step(session: AsyncSession, domain: str, event_id: int) -> dict[str, int]:
    """One batch of the first kind of work left; empty when nothing is left."""
    for work in (_sever_follows, _delete_statuses, _drop_deliveries, _suspend_accounts):
        count = await work(session, domain, event_id)
        if count:
            return {work.__name__.lstrip("_"): count}
    return {}


async def _sever_follows(session: AsyncSession, domain: str, event_id: int) -> int:
    follower, followee = aliased(Actor), aliased(Actor)
    rows = (await session.execute(
        select(Follow.id, Follow.follower_id, Follow.followee_id, follower.domain)
        .join(follower, follower.id == Follow.follower_id).join(followee, followee.id == Follow.followee_id)
        .where(or_(on_domain(follower.domain, domain) & followee.domain.is_(None),
                   on_domain(followee.domain, domain) & follower.domain.is_(None)))
        .limit(BATCH))).all()
    followers: Counter[int] = Counter()
    following: Counter[int] = Counter()
    for _, follower_id, followee_id, follower_domain in rows:
        if follower_domain is None:
            following[follower_id] += 1  # a member followed someone there
        else:
            followers[followee_id] += 1  # someone there followed a member
    for account_id in followers.keys() | following.keys():
        await _count_severance(session, event_id, account_id, followers[account_id], following[account_id])
    if rows:
        await session.execute(delete(Follow).where(Follow.id.in_([row[0] for row in rows])))
    return len(rows)


async def _count_severance(session: AsyncSession, event_id: int, account_id: int, followers: int,
                           following: int) -> None:
    row = await session.scalar(select(AccountSeverance).where(
        AccountSeverance.event_id == event_id, AccountSeverance.account_id == account_id))
    if row is None:
        session.add(AccountSeverance(event_id=event_id, account_id=account_id, followers_count=followers,
                                     following_count=following))
    else:
        row.followers_count += followers
        row.following_count += following
    await session.flush()


async def _delete_statuses(session: AsyncSession, domain: str, event_id: int) -> int:
    ids = (await session.scalars(select(Status.id).join(Actor, Actor.id == Status.actor_id)
                                 .where(on_domain(Actor.domain, domain)).limit(BATCH))).all()
    if ids:
        await session.execute(delete(Status).where(Status.id.in_(list(ids))))
    return len(ids)


async def _drop_deliveries(session: AsyncSession, domain: str, event_id: int) -> int:
    """Queued deliveries to the domain (they would be dropped when they run; this frees them now)."""
    dropped = 0
    last = 0
    while True:
        rows = (await session.execute(select(Job.id, Job.payload).where(
            Job.kind == DELIVERY_KIND, Job.id > last).order_by(Job.id).limit(BATCH))).all()
        if not rows:
            return dropped
        last = rows[-1][0]
        ids = [job_id for job_id, payload in rows if _delivers_to(payload, domain)]
        if ids:
            await session.execute(delete(Job).where(Job.id.in_(ids)))
            dropped += len(ids)
        if dropped >= BATCH:
            return dropped


def _delivers_to(payload: Any, domain: str) -> bool:
    inbox = payload.get("inbox") if isinstance(payload, dict) else None
    host = domain_or_none(str(inbox)) if inbox else None
    return host is not None and (host == domain or host.endswith(f".{domain}"))


async def _suspend_accounts(session: AsyncSession, domain: str, event_id: int) -> int:
    result = await session.execute(update(Actor).where(on_domain(Actor.domain, domain),
                                                       Actor.suspended_at.is_(None))
                                   .values(suspended_at=utcnow()).execution_options(synchronize_session=False))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


async def _notify(session: AsyncSession, severance: AccountSeverance) -> None:
    """The member's `severed_relationships` notification (from their own account, as Mastodon
    has it; once, even if this step runs again)."""
    if await session.scalar(select(Notification.id).where(Notification.severance_id == severance.id)) is None:
        session.add(Notification(recipient_id=severance.account_id, type="severed_relationships",
                                 from_actor_id=severance.account_id, severance_id=severance.id))
        await session.flush()


async def _finish(session: AsyncSession, domain: str, event_id: int, done: Counter[str]) -> None:
    severances = (await session.scalars(select(AccountSeverance).where(
        AccountSeverance.event_id == event_id))).all()
    for severance in severances:
        await _notify(session, severance)
    members = await session.scalar(select(func.count()).select_from(AccountSeverance)
                                   .where(AccountSeverance.event_id == event_id))
    await record(session, SYSTEM, "domain_block.purged", "domain", domain,
                 members_affected=int(members or 0), done=dict(done))
    log.info("moderation.purge_done", extra={"domain": domain, **done})
