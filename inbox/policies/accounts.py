"""Drop activities from remote accounts suspended since they were queued."""

from __future__ import annotations

from typing import Any

from inbox.context import Incoming
from inbox.policies import Accept, Reject, Verdict
from inbox.suspended import suspension_reason


async def suspended_accounts(ctx: Incoming, activity: dict[str, Any]) -> Verdict:
    async with ctx.services.sessions() as session:
        reason = await suspension_reason(session, ctx.actor_uri, ctx.signer_uri)
    return Reject(reason) if reason else Accept()
