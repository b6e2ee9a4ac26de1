"""The public account of what moderators decide: partner servers, limited and suspended servers
with their public reasons, and monthly counts of reports and moderation actions.

What `/about/moderation` and NodeInfo show to anyone. Small counts are rounded ("<5") so that
the page cannot single out one report; obfuscated domains stay obfuscated; with
`domain_blocks_visibility` other than `public` the blocks are not listed.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import select
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


def _by_month(stamps: Iterable[datetime | None]) -> Counter[str]:
    return Counter(f"{s.year:04d}-{s.month:02d}" for s in stamps if s is not None)


async def monthly_counts(session: AsyncSession, now: datetime) -> list[dict[str, Any]]:
    months = months_back(now)
    first = datetime(int(months[-1][:4]), int(months[-1][5:]), 1, tzinfo=now.tzinfo)
    received = _by_month(await session.scalars(select(Report.created_at).where(Report.created_at >= first)))
    resolved = _by_month(await session.scalars(select(Report.resolved_at).where(Report.resolved_at >= first)))
    # Settings changes are logged too, but they are not decisions about anyone.
    actions = _by_month(await session.scalars(select(AuditLogEntry.created_at).where(
        AuditLogEntry.created_at >= first, AuditLogEntry.target_type != "setting")))
    return [{"month": m, "reports_received": rounded(received[m]),
             "reports_resolved": rounded(resolved[m]), "actions": rounded(actions[m])} for m in months]


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
