"""The `actors.fanout` job: who receives a status (or a boost, an edit, a deletion), once.

Posting writes one fan-out job; this job, in one transaction, computes the recipients
(accepted followers unless the status is direct, plus mentioned or otherwise named actors),
drops suspended actors, blocked ones and refused domains, writes local home-timeline
entries and mention notifications in bulk, renders the activity once and queues one
delivery per distinct inbox (a server's shared inbox when it has one). A local-only status
never leaves the node. Running the job again after a crash changes nothing: timeline
entries and notifications are unique, and deliveries are keyed by the activity's id.

Payload: `{"verb": "create" | "update" | "announce", "status_id": id, ...}` for rows that
exist, or, for rows already deleted and for pins, `{"verb": "delete" | "undo_announce" | "pin" |
"unpin", "author_id", "visibility", "local_only", "actor_ids": [...], "activity": {...}}`
rendered by the caller.
An update may name more recipients in `"actor_ids"` too (a poll's remote voters).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy import or_, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from actors.outgoing import activities
from actors.reading.home_membership import (
    LOCAL_POST,
    asked_to_be_notified,
    home_timeline_pick,
    home_timeline_statement,
)
from actors.reading.notifications import notify, notify_subscribers
from actors.reading.parts import load_parts
from federation.delivery.job import deliver
from federation.domain_rules import load_domain_policy
from federation.urls import domain_or_none
from storage import queue
from storage.models import ACCEPTED, Actor, Block, Follow, Mention, Status, TimelineEntry
from storage.models.base import new_id
from storage.worker import GiveUp, JobContext

if TYPE_CHECKING:
    from federation.services import Services

FANOUT_KIND = "actors.fanout"
log = logging.getLogger("amity.fanout")


PRERENDERED_VERBS = ("delete", "undo_announce", "pin", "unpin")  # the caller rendered the activity


async def enqueue_fanout(session: AsyncSession, payload: dict[str, Any]) -> int:
    """Queue the fan-out of a write, in the caller's transaction."""
    return await queue.enqueue(session, FANOUT_KIND, payload)


async def run_fanout(ctx: JobContext) -> None:
    services: Services = ctx.deps
    async with services.write_turn(), services.sessions() as session, session.begin():
        result = await fan_out(session, ctx.payload, local_domain=services.domain)
    if result.deliveries:
        services.wake_workers()  # committed: no need to wait for the next poll
    log.debug("fanout.done", extra={"verb": ctx.payload.get("verb"), "deliveries": result.deliveries,
                                    "timeline": result.timeline})


@dataclass
class Plan:
    """What to send, and to whom before filtering."""

    author: Actor
    activity: dict[str, Any]
    local_only: bool
    followers: bool  # the author's accepted followers
    actor_ids: set[int] = field(default_factory=set)  # named recipients: mentioned, boosted author
    apply_blocks: bool = True  # a Delete goes to everyone who got the status
    timeline_status_id: int | None = None  # local followers get this in their home timeline
    notify_mentioned: int | None = None  # status id for `mention` notifications
    reblog_of: Status | None = None  # a boost: its original (followers may hide boosts)


@dataclass(frozen=True)
class FanoutResult:
    deliveries: int
    timeline: int


@dataclass
class _Audience:
    local_named: list[Actor] = field(default_factory=list)
    inboxes: set[str] = field(default_factory=set)


async def fan_out(session: AsyncSession, payload: dict[str, Any], *, local_domain: str) -> FanoutResult:
    plan = await _plan(session, payload, local_domain)
    if plan is None:
        return FanoutResult(0, 0)
    audience = await _audience(session, plan)
    timeline = await _local_effects(session, plan, audience)
    inboxes = () if plan.local_only else audience.inboxes
    deliveries = await deliver(session, plan.author, plan.activity, inboxes)
    return FanoutResult(deliveries, timeline)


async def _plan(session: AsyncSession, payload: dict[str, Any], local_domain: str) -> Plan | None:
    verb = payload.get("verb")
    if verb in PRERENDERED_VERBS:
        author = await session.get(Actor, payload["author_id"])
        if author is None:
            return None
        return Plan(author, payload["activity"], bool(payload["local_only"]),
                    followers=payload["visibility"] != "direct",
                    actor_ids={int(i) for i in payload.get("actor_ids", ())}, apply_blocks=False)
    status = await session.get(Status, payload["status_id"])
    author = None if status is None else await session.get(Actor, status.actor_id)
    if status is None or author is None:
        return None  # deleted before its fan-out ran: the deletion's fan-out covers it
    if verb == "announce":
        return await _plan_announce(session, status, author)
    mentioned = list((await session.scalars(
        select(Actor).join(Mention, Mention.actor_id == Actor.id).where(Mention.status_id == status.id)
        .order_by(Mention.id))).all())
    parts = (await load_parts(session, [status.id]))[status.id]
    if verb == "create":
        rendered = activities.create(status, author, mentioned, local_domain=local_domain, parts=parts)
    elif verb == "update":
        rendered = activities.update(status, author, mentioned, update_id=payload["activity_id"],
                                     local_domain=local_domain, parts=parts)
    else:
        raise GiveUp(f"unknown fan-out verb {verb!r}")
    return Plan(author, rendered, status.local_only, followers=status.visibility != "direct",
                actor_ids={m.id for m in mentioned} | {int(i) for i in payload.get("actor_ids", ())},
                timeline_status_id=status.id if verb == "create" else None,
                notify_mentioned=status.id)


async def _plan_announce(session: AsyncSession, boost: Status, booster: Actor) -> Plan | None:
    original = await session.get(Status, boost.reblog_of_id) if boost.reblog_of_id else None
    original_author = None if original is None else await session.get(Actor, original.actor_id)
    if original is None or original_author is None:
        return None
    return Plan(booster, activities.announce(boost, booster, original, original_author),
                boost.local_only, followers=True, actor_ids={original_author.id},
                timeline_status_id=boost.id, reblog_of=original)


_COLUMNS = (Actor.id, Actor.domain, Actor.inbox_url, Actor.shared_inbox_url)


async def _audience(session: AsyncSession, plan: Plan) -> _Audience:
    author_id = plan.author.id
    blocked = await blocked_either_way(session, author_id) if plan.apply_blocks else set()
    policy = await load_domain_policy(session)
    audience = _Audience()

    def take(row: Any) -> None:
        if row.id == author_id or row.id in blocked or row.domain is None:  # local: `_local_effects`
            return
        inbox = row.shared_inbox_url or row.inbox_url
        if not inbox or inbox in audience.inboxes:  # most followers share their server's inbox
            return
        if allowed(row.domain) and allowed(domain_or_none(inbox)):
            audience.inboxes.add(inbox)

    verdicts: dict[str, bool] = {}

    def allowed(domain: str | None) -> bool:
        if domain is None:  # an inbox URL without a valid host
            return False
        verdict = verdicts.get(domain)
        if verdict is None:
            verdict = verdicts[domain] = policy.refusal(domain) is None
        return verdict

    if plan.followers:
        followers = select(*_COLUMNS).join(Follow, Follow.follower_id == Actor.id).where(
            Follow.followee_id == author_id, Follow.state == ACCEPTED, Actor.suspended_at.is_(None))
        if plan.reblog_of is not None:  # followers who hid this account's boosts see none
            followers = followers.where(Follow.show_reblogs.is_(True))
        for row in (await session.execute(followers)).all():
            take(row)
    if plan.actor_ids:
        named = (await session.scalars(select(Actor).where(
            Actor.id.in_(plan.actor_ids), Actor.suspended_at.is_(None)))).all()
        for actor in named:
            take(actor)
            if actor.domain is None and actor.id not in blocked and actor.id != author_id:
                audience.local_named.append(actor)
    return audience


async def _local_effects(session: AsyncSession, plan: Plan, audience: _Audience) -> int:
    """Home-timeline entries (`actors.reading.home_membership`), mention notifications, and
    `status` ones for followers who asked for them."""
    if plan.notify_mentioned is not None:
        for actor in audience.local_named:
            await notify(session, actor, "mention", plan.author, plan.notify_mentioned)
    status = None if plan.timeline_status_id is None else await session.get(Status, plan.timeline_status_id)
    if status is None:
        return 0
    rows = (await session.execute(home_timeline_statement(status, mentioned_ids=plan.actor_ids,
                                                          rules=LOCAL_POST))).all()
    owners = home_timeline_pick(status, rows)
    if not owners:
        return 0
    await insert_ignoring_duplicates(
        session, TimelineEntry, [{"id": new_id(), "owner_id": owner, "status_id": plan.timeline_status_id}
                                 for owner in sorted(owners)], ("owner_id", "status_id"))
    await notify_subscribers(session, status, asked_to_be_notified(rows, owners))
    return len(owners)


async def blocked_either_way(session: AsyncSession, actor_id: int) -> set[int]:
    """Actors `actor_id` blocks, and actors who block `actor_id`."""
    rows = await session.execute(select(Block.actor_id, Block.target_id).where(
        or_(Block.actor_id == actor_id, Block.target_id == actor_id)))
    return {target if blocker == actor_id else blocker for blocker, target in rows.all()}


async def insert_ignoring_duplicates(session: AsyncSession, model: Any, rows: Iterable[dict[str, Any]],
                                     unique: tuple[str, ...]) -> None:
    batch = list(rows)
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    for start in range(0, len(batch), 1000):
        await session.execute(insert(model).values(batch[start:start + 1000])
                              .on_conflict_do_nothing(index_elements=list(unique)))
