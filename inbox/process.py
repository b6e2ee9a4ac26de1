"""The `inbox.process` job: policies, then the handler, for one stored activity.

Outcomes: applied (the handler's transaction marked the item processed); ignored (no
handler: marked processed); refused (a policy rejected it, or the handler raised a typed
error that retrying cannot fix: marked processed with the reason in `error`); or retried
later (the network failed, a peer answered 5xx/429, the database was busy: the exception
goes back to the worker, which retries with backoff).
"""

from __future__ import annotations

import logging

from federation.client import RemoteError
from federation.services import Services
from inbox.context import AlreadyProcessed, Incoming
from inbox.dispatch import handler_for
from inbox.policies import Reject, run_policies
from inbox.policies.pipeline import POLICIES
from storage.errors import AmityError, RemoteUnavailable
from storage.models import InboxItem
from storage.worker import JobContext

log = logging.getLogger("amity.inbox")


async def process_item(job: JobContext) -> None:
    services: Services = job.deps
    item_id = int(job.payload["item_id"])
    async with services.sessions() as session:
        item = await session.get(InboxItem, item_id)
    if item is None or item.processed_at is not None:
        return
    ctx = Incoming(services, item.id, str(item.body["id"]), item.actor_uri, item.signer_uri)
    try:
        await _run(ctx, item.body)
    except AlreadyProcessed:
        return
    except AmityError as exc:
        if _transient(exc):
            raise
        log.info("inbox.refused_in_processing", extra={"item_id": item_id, "reason": str(exc)})
        await _finish(ctx, str(exc))


async def _run(ctx: Incoming, activity: dict[str, object]) -> None:
    verdict = await run_policies(POLICIES, ctx, dict(activity))
    if isinstance(verdict, Reject):
        await ctx.finish(f"rejected by policy: {verdict.reason}")
        return
    handler = handler_for(verdict)
    if handler is not None:
        await handler(ctx, verdict)
    if not ctx.done:  # no handler, or nothing to write
        await ctx.finish()


async def _finish(ctx: Incoming, error: str) -> None:
    try:
        await ctx.finish(error)
    except AlreadyProcessed:
        return


def _transient(exc: AmityError) -> bool:
    if isinstance(exc, RemoteUnavailable):
        return True
    return isinstance(exc, RemoteError) and (exc.status >= 500 or exc.status == 429)
