"""Remote accounts suspended here (`actors.suspended_at`): nothing they send is accepted.

Checked at the inbox before the signature (a database read, no network) against the claimed
actor and the key's known owner (`suspension_reason`), and again by the policy when a queued
item is processed (it may have been queued before the suspension).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from inbox.context import Incoming
from inbox.policies import Accept, Reject, Verdict
from storage.models import Actor


async def suspension_reason(session: AsyncSession, *uris: str, key_id: str | None = None) -> str | None:
    """Why these actors (or the owner of `key_id`) may not send anything; None if they may."""
    known = [uri for uri in uris if uri]
    conditions: list[ColumnElement[bool]] = [Actor.uri.in_(known)] if known else []
    if key_id:
        conditions.append(Actor.key_id == key_id)
    if not conditions:
        return None
    found = await session.scalar(select(Actor.uri).where(
        or_(*conditions), Actor.suspended_at.is_not(None), Actor.domain.is_not(None)).limit(1))
    return None if found is None else f"the account {found} is suspended on this server"


async def suspended_accounts(ctx: Incoming, activity: dict[str, Any]) -> Verdict:
    async with ctx.services.sessions() as session:
        reason = await suspension_reason(session, ctx.actor_uri, ctx.signer_uri)
    return Reject(reason) if reason else Accept()
