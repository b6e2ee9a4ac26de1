"""Drop activities from domains refused since they were queued (suspended, or not a partner)."""

from __future__ import annotations

from typing import Any

from federation.urls import domain_of
from inbox.context import Incoming
from inbox.policies import Accept, Reject, Verdict
from storage.queries.domains import federation_refused


async def refused_domains(ctx: Incoming, activity: dict[str, Any]) -> Verdict:
    async with ctx.services.sessions() as session:
        for uri in dict.fromkeys((ctx.actor_uri, ctx.signer_uri)):
            reason = await federation_refused(session, domain_of(uri))
            if reason:
                return Reject(reason)
    return Accept()
