"""The public account of what moderators decide: partner servers, limited and suspended servers
with their public reasons, and monthly counts of reports and moderation actions.

What `/about/moderation` and NodeInfo show to anyone. Small counts are rounded ("<5") so that
the page cannot single out one report; obfuscated domains stay obfuscated; with
`domain_blocks_visibility` other than `public` the blocks are not listed.
"""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from actors.moderation import domains
from storage import settings
from storage.models import AuditLogEntry, DomainRule, Report

MONTHS = 12
SMALL = 5  # counts below this are shown as "<5"


def rounded(count: int) -> int | str:
    return f"<{SMALL}" if count < SMALL else count


def months_back(now: datetime, count: int = MONTHS) -> list[str]:
    """The last `count` months as "YYYY-MM", newest first (this month included)."""
    year, month = now.year, now.month
    out = []
    for _ in range(count):
        out.append(f"{year:04d}-{month:02d}")
        year, month = (year - 1, 12) if month == 1 else (year, month - 1)
    return out


def _month_start(month: str, tzinfo: Any) -> datetime:
    return datetime(int(month[:4]), int(month[5:]), 1, tzinfo=tzinfo)


async def _counts(session: AsyncSession, column: Any, bounds: list[datetime], *where: Any) -> list[int]:
    """How many rows have `column` in each [bounds[i], bounds[i+1]): one query, counted by
    the database, the same SQL on both engines."""
    cells = [func.count(case((and_(column >= low, column < high), 1)))
             for low, high in itertools.pairwise(bounds)]
    row = (await session.execute(select(*cells).where(column >= bounds[0], *where))).one()
    return [int(n) for n in row]


async def monthly_counts(session: AsyncSession, now: datetime) -> list[dict[str, Any]]:
    months = months_back(now)  # newest first
    bounds = [_month_start(m, now.tzinfo) for m in reversed(months)] + [now + timedelta(seconds=1)]
    received = await _counts(session, Report.created_at, bounds)
    resolved = await _counts(session, Report.resolved_at, bounds)
    # Settings changes are logged too, but they are not decisions about anyone.
    actions = await _counts(session, AuditLogEntry.created_at, bounds, AuditLogEntry.target_type != "setting")
    series = zip(reversed(months), received, resolved, actions, strict=True)
    rows = [{"month": m, "reports_received": rounded(r), "reports_resolved": rounded(d),
             "actions": rounded(a)} for m, r, d, a in series]
    return rows[::-1]


def _entry(rule: DomainRule) -> dict[str, Any]:
    return {"domain": domains.obfuscated(rule.domain) if rule.obfuscate else rule.domain,
            "digest": domains.digest(rule.domain), "severity": rule.policy,
            "comment": rule.public_comment or None, "since": rule.created_at.date().isoformat()}


async def summary(session: AsyncSession, now: datetime) -> dict[str, Any]:
    """Everything the public moderation page says, as plain data (the JSON form)."""
    visibility = str(await settings.get(session, "domain_blocks_visibility"))
    federation_mode = str(await settings.get(session, "federation_mode"))
    partners = await domains.rules(session, policies=("allow",))
    blocks = (await domains.rules(session, policies=("suspend", "silence"))
              if visibility == "public" else [])
    return {
        "federation_mode": federation_mode,
        "domain_blocks_visibility": visibility,
        "partners": [r.domain for r in partners],
        "limited": [_entry(r) for r in blocks if r.policy == "silence"],
        "suspended": [_entry(r) for r in blocks if r.policy == "suspend"],
        "monthly": await monthly_counts(session, now),
    }
