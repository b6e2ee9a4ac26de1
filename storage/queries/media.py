"""Media as domain rules see it: does a rule say to keep no media from this domain?"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import DomainRule
from storage.queries.domains import parent_domains


async def media_rejected(session: AsyncSession, *domains: str | None) -> bool:
    """True if a rule on any of `domains` (or a parent of one) has `reject_media`."""
    candidates = {c for d in domains if d for c in parent_domains(d)}
    if not candidates:
        return False
    found = await session.scalar(select(DomainRule.domain).where(
        DomainRule.domain.in_(candidates), DomainRule.reject_media.is_(True)).limit(1))
    return found is not None
