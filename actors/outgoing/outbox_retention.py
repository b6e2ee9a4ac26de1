"""Pruning sent activities: `outbox_activities` rows older than `outbox_retention_days`.

An outbox row holds the rendered activity its deliveries sign and send; deliveries give up
after three days, so the retention (at least four days) never takes a body a delivery still
needs. What `/activities/{id}` must go on answering survives the pruning
(`actors.outgoing.sent_activities`): Creates, Announces, Likes, Follows and Blocks are rendered from
their statuses, boosts, favourites, follows and blocks; Undo, Accept, Reject and profile
Update activities under `/activities/` keep a compact copy (`kept_activities`: type, actor,
addressing and the ids they are about; no content). Everything else goes.

The job runs every PRUNE_EVERY_S seconds, in batches, and schedules its next run itself
(`storage.periodic`); a starting worker makes sure one is queued (`ui.jobs.PERIODIC`).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from actors.outgoing.sent_activities import DERIVED
from federation.urls import activity_uri
from federation.vocab import id_of, ids, type_of
from storage import settings
from storage.models import KeptActivity, OutboxActivity, utcnow
from storage.models.base import min_id_for_time
from storage.periodic import schedule_next
from storage.worker import JobContext

if TYPE_CHECKING:
    from federation.services import Services

PRUNE_KIND = "actors.prune_outbox"
PRUNE_EVERY_S = 3600.0
BATCH = 500
_KEPT_FIELDS = ("id", "type", "actor", "to", "cc", "audience", "published")


def compact(doc: dict[str, Any]) -> dict[str, Any]:
    """An activity without content: its own fields above, and its object as an id, or (an
    embedded activity, as an Undo's) that activity's id, type, actor and object id."""
    kept = {key: doc[key] for key in ("@context", *_KEPT_FIELDS) if key in doc}
    inner = doc.get("object")
    if isinstance(inner, dict):
        kept["object"] = {key: value for key, value in (
            ("id", id_of(inner)), ("type", type_of(inner)), ("actor", id_of(inner.get("actor"))),
            ("object", id_of(inner.get("object")))) if value}
    elif inner is not None:
        kept["object"] = ids(inner)[0] if ids(inner) else None
    return kept


async def prune(session: AsyncSession, *, older_than: datetime, base_url: str, limit: int = BATCH) -> int:
    """Delete up to `limit` outbox rows from before `older_than`, keeping compact copies of those
    `/activities/{id}` cannot render from other rows; returns how many were deleted."""
    rows = (await session.execute(
        select(OutboxActivity.id, OutboxActivity.uri, OutboxActivity.actor_id, OutboxActivity.body,
               OutboxActivity.created_at)
        .where(OutboxActivity.id < min_id_for_time(older_than))
        .order_by(OutboxActivity.id).limit(limit))).all()
    if not rows:
        return 0
    prefix = activity_uri(base_url, 0).removesuffix("0")
    kept = [KeptActivity(uri=row.uri, actor_id=row.actor_id, body=compact(row.body),
                         created_at=row.created_at)
            for row in rows
            if row.uri.startswith(prefix) and isinstance(row.body, dict) and type_of(row.body) not in DERIVED]
    known = set((await session.scalars(select(KeptActivity.uri).where(
        KeptActivity.uri.in_([k.uri for k in kept])))).all()) if kept else set()
    session.add_all([k for k in kept if k.uri not in known])
    await session.execute(delete(OutboxActivity).where(OutboxActivity.id.in_([row.id for row in rows])))
    return len(rows)


async def run_prune(ctx: JobContext) -> None:
    services: Services = ctx.deps
    async with services.sessions() as session:
        days = int(await settings.get(session, "outbox_retention_days"))
    older_than = utcnow() - timedelta(days=days)
    while True:
        async with services.sessions() as session, session.begin():
            pruned = await prune(session, older_than=older_than, base_url=services.base_url)
        if pruned < BATCH:
            break
    async with services.sessions() as session, session.begin():
        await schedule_next(session, PRUNE_KIND, current_job=ctx.job.id, every_seconds=PRUNE_EVERY_S)
