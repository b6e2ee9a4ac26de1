"""Drop an activity its actor already undid (the Undo overtook it on the way)."""

from __future__ import annotations

from typing import Any

from federation.vocab import type_of
from inbox.context import Incoming
from inbox.policies import Accept, Reject, Verdict
from inbox.undone import UNDOABLE, was_undone


async def undone_early(ctx: Incoming, activity: dict[str, Any]) -> Verdict:
    if type_of(activity) not in UNDOABLE:
        return Accept()
    async with ctx.services.sessions() as session:
        if await was_undone(session, ctx.activity_id, ctx.actor_uri):
            return Reject("its actor undid it before it arrived")
    return Accept()
