"""The `inbox.process` job: policies, then the handler, for one stored activity.

Outcomes: applied (the handler's transaction marked the item processed); ignored (no
handler: marked processed); refused (a policy rejected it, or the handler raised a typed
error that retrying cannot fix: marked processed with the reason in `error`); or retried
later (the network failed, a peer answered 5xx/429, the database was busy: the exception
goes back to the worker, which retries with backoff).

*Dispatch*: which handler takes an activity is a table keyed by (activity type, object type).

The object type is the embedded object's `type`, or None when the object is given by id
only; `ANY` matches whatever the object is. Activities with no entry are accepted and
ignored.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from federation.client import RemoteError
from federation.services import Services
from federation.vocab import ACTOR_TYPES, POST_TYPES, type_of
from inbox.context import AlreadyProcessed, Incoming
from inbox.handlers import (
    accept,
    announce,
    block,
    create,
    delete,
    flag,
    follow,
    like,
    move,
    reject,
    undo,
    update,
)
from inbox.policies import POLICIES, Reject, run_policies
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


Handler = Callable[[Incoming, dict[str, Any]], Awaitable[None]]
ANY = "*"

TABLE: dict[tuple[str, str | None], Handler] = {
    ("Follow", ANY): follow.handle,
    ("Accept", ANY): accept.handle,
    ("Reject", ANY): reject.handle,
    ("Undo", "Follow"): undo.undo_follow,
    ("Undo", "Like"): undo.undo_like,
    ("Undo", "Announce"): undo.undo_announce,
    ("Undo", "Block"): undo.undo_block,
    ("Undo", None): undo.undo_by_id,
    ("Create", None): create.handle,  # fetched from its origin
    **{("Create", kind): create.handle for kind in POST_TYPES},
    ("Update", None): update.update_status,
    **{("Update", kind): update.update_status for kind in POST_TYPES},
    **{("Update", kind): update.update_actor for kind in ACTOR_TYPES},
    ("Delete", ANY): delete.handle,
    ("Announce", ANY): announce.handle,
    ("Like", ANY): like.handle,
    ("Block", ANY): block.handle,
    ("Flag", ANY): flag.handle,
    ("Move", ANY): move.handle,
}


def object_type(activity: dict[str, Any]) -> str | None:
    obj = activity.get("object")
    if isinstance(obj, list):
        obj = obj[0] if len(obj) == 1 else None
    return type_of(obj) if isinstance(obj, dict) else None


def handler_for(activity: dict[str, Any]) -> Handler | None:
    kind = type_of(activity)
    if kind is None:
        return None
    return TABLE.get((kind, object_type(activity))) or TABLE.get((kind, ANY))
