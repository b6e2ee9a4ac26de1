"""What the instance endpoints count: peers, weekly activity, the contact account."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from federation.domain_rules import load_domain_policy
from storage.models import Actor, BrowserSession, OAuthAccessToken, Status, User
from storage.models.base import EPOCH_MS, SEQ_BITS, TAG_BITS

ACTIVITY_WEEKS = 12


async def peers(session: AsyncSession) -> list[str]:
    """Domains of accounts this node knows, less those its rules refuse."""
    domains = (await session.scalars(select(Actor.domain).where(Actor.domain.is_not(None)).distinct())).all()
    policy = await load_domain_policy(session)
    return sorted(d for d in domains if d and policy.refusal(d) is None)


async def owner(session: AsyncSession) -> Actor | None:
    """The contact account: the first owner (else the first admin) who can still sign in."""
    for role in ("owner", "admin"):
        found = await session.scalar(
            select(Actor).join(User, User.actor_id == Actor.id)
            .where(User.role == role, User.disabled.is_(False), Actor.suspended_at.is_(None))
            .order_by(User.created_at).limit(1))
        if found is not None:
            return found
    return None


def _first_id_at(when: datetime) -> int:
    """The smallest row id made at `when` (ids are time-sortable: see storage.models.base)."""
    return max(0, int(when.timestamp() * 1000) - EPOCH_MS) << (TAG_BITS + SEQ_BITS)


@dataclass(frozen=True)
class Week:
    start: datetime
    statuses: int
    logins: int
    registrations: int


async def activity(session: AsyncSession, now: datetime) -> list[Week]:
    """The last twelve weeks (Monday 00:00 UTC), newest first. A login is a member getting an app
    token or a browser session; statuses are local posts (not boosts)."""
    this_week = (now - timedelta(days=now.weekday())).replace(hour=0, minute=0, second=0, microsecond=0)
    starts = [this_week - timedelta(weeks=i) for i in range(ACTIVITY_WEEKS)]
    oldest = starts[-1]

    def week_of(when: datetime) -> datetime:
        return next(start for start in starts if when >= start)

    logins: dict[datetime, set[int]] = defaultdict(set)
    for model in (OAuthAccessToken, BrowserSession):
        rows = (await session.execute(select(model.user_id, model.created_at).where(
            model.created_at >= oldest, model.user_id.is_not(None)))).all()
        for user_id, created in rows:
            if user_id is not None:
                logins[week_of(created)].add(user_id)
    registrations: dict[datetime, int] = defaultdict(int)
    for created in (await session.scalars(select(User.created_at).where(User.created_at >= oldest))).all():
        registrations[week_of(created)] += 1
    weeks = []
    for i, start in enumerate(starts):
        end = starts[i - 1] if i else now + timedelta(days=1)
        posts = await session.scalar(select(func.count()).select_from(Status).where(
            Status.id >= _first_id_at(start), Status.id < _first_id_at(end),
            Status.local.is_(True), Status.reblog_of_id.is_(None)))
        weeks.append(Week(start, int(posts or 0), len(logins[start]), registrations[start]))
    return weeks
