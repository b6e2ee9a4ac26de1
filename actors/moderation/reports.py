"""Reports filed: a member reports an account (and some of its posts) to the node's moderators,
and may forward the report to the account's own server.

Remote servers' `Flag`s become reports too (`inbox.handlers.flag`); both tell the moderators
through `tell_moderators`, the one place that sends the `admin.report` notification.
Forwarding sends a `Flag` as Mastodon does: from the instance actor (so the reporter stays
anonymous to the other server), naming the account and the reported posts, with the comment.
What moderators then do with a report is `actors.moderation.report_handling`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from actors.moderation.permissions import ROLE_PERMISSIONS, can
from actors.reading.notifications import notify
from actors.reading.visibility import visible_ids
from federation.delivery.job import deliver
from federation.render import activity
from federation.urls import activity_uri, instance_actor_uri
from storage.errors import Invalid, NotFound
from storage.models import REPORT_CATEGORIES, Actor, Report, Status, User
from storage.queries import actor_by_uri

MAX_COMMENT_CHARS = 1000  # Mastodon's limit for a local report's comment
MAX_STATUSES = 100
MODERATOR_ROLES = tuple(role for role in ROLE_PERMISSIONS if can(role, "manage_reports"))


@dataclass(frozen=True)
class NewReport:
    """What a member files (Mastodon's `POST /api/v1/reports` parameters)."""

    target_id: int
    status_ids: tuple[int, ...] = ()
    comment: str = ""
    category: str | None = None
    rule_ids: tuple[int, ...] = ()
    forward: bool = False


def category_for(category: str | None, rule_ids: Sequence[int]) -> str:
    """Mastodon's rule: citing rules makes a report a `violation`; otherwise the category sent,
    `other` by default. A violation must cite at least one rule."""
    if rule_ids:
        return "violation"
    chosen = category or "other"
    if chosen not in REPORT_CATEGORIES:
        raise Invalid(f"category must be one of {', '.join(REPORT_CATEGORIES)}")
    if chosen == "violation":
        raise Invalid("a violation report must cite the rules it breaks (rule_ids)")
    return chosen


def check_rule_ids(rule_ids: Sequence[int], rules: Sequence[str]) -> list[int]:
    """The cited rules, each once; ids are the node's rules numbered from 1 (as
    `/api/v1/instance` shows them)."""
    unknown = sorted({i for i in rule_ids if not 1 <= i <= len(rules)})
    if unknown:
        raise Invalid(f"unknown rule ids: {', '.join(map(str, unknown))}")
    return sorted(set(rule_ids))


async def _reported_statuses(session: AsyncSession, reporter: Actor, target: Actor,
                             status_ids: Sequence[int]) -> list[Status]:
    """The reported posts: all of them the target's, and visible to the reporter."""
    wanted = list(dict.fromkeys(status_ids))
    if len(wanted) > MAX_STATUSES:
        raise Invalid(f"a report may name at most {MAX_STATUSES} statuses")
    if not wanted:
        return []
    found = {s.id: s for s in (await session.scalars(
        select(Status).where(Status.id.in_(wanted), Status.actor_id == target.id))).all()}
    seen = await visible_ids(session, reporter, list(found))
    missing = [i for i in wanted if i not in seen]
    if missing:
        raise Invalid(f"statuses not found among the reported account's: {', '.join(map(str, missing))}")
    return [found[i] for i in wanted]


async def file_report(session: AsyncSession, reporter: Actor, new: NewReport, *, rules: Sequence[str],
                      base_url: str) -> Report:
    """Store the report, tell the moderators and, when asked and the account is remote, forward
    it; nothing is stored when any part of it is refused (the caller's transaction)."""
    target = await session.get(Actor, new.target_id)
    if target is None or target.suspended_at is not None:
        raise NotFound("Record not found")
    if target.id == reporter.id:
        raise Invalid("you cannot report yourself")
    if len(new.comment) > MAX_COMMENT_CHARS:
        raise Invalid(f"comment must be at most {MAX_COMMENT_CHARS} characters")
    category = category_for(new.category, new.rule_ids)
    rule_ids = check_rule_ids(new.rule_ids, rules)
    statuses = await _reported_statuses(session, reporter, target, new.status_ids)
    report = Report(reporter_id=reporter.id, target_id=target.id, status_ids=[s.id for s in statuses],
                    comment=new.comment, category=category, rule_ids=rule_ids, forwarded=False)
    session.add(report)
    await session.flush()
    await tell_moderators(session, report, reporter)
    if new.forward and target.domain is not None:
        await forward(session, report, target, statuses, base_url=base_url)
    return report


async def tell_moderators(session: AsyncSession, report: Report, reporter: Actor) -> None:
    """An `admin.report` notification about `report` (so a reporter's second report is news
    too) for every staff account that handles reports."""
    moderators = (await session.scalars(
        select(Actor).join(User, User.actor_id == Actor.id)
        .where(User.role.in_(MODERATOR_ROLES), User.disabled.is_(False)))).all()
    for moderator in moderators:
        await notify(session, moderator, "admin.report", reporter, report_id=report.id)


def flag_document(report: Report, target: Actor, statuses: Sequence[Status], *, base_url: str
                  ) -> dict[str, Any]:
    """Mastodon's forwarded report: a `Flag` by the instance actor whose object is the account
    and the reported posts, with the comment as `content`."""
    return activity("Flag", id=activity_uri(base_url, report.id), actor=instance_actor_uri(base_url),
                    obj=[target.uri, *(s.uri for s in statuses)]) | {"content": report.comment}


async def forward(session: AsyncSession, report: Report, target: Actor, statuses: Sequence[Status], *,
                  base_url: str) -> None:
    """Queue the `Flag` for the account's inbox, signed by the instance actor."""
    instance = await actor_by_uri(session, instance_actor_uri(base_url), local=True)
    if instance is None:
        raise NotFound("the instance actor does not exist yet")
    doc = flag_document(report, target, statuses, base_url=base_url)
    if await deliver(session, instance, doc, [target.inbox_url or target.shared_inbox_url]):
        report.uri = doc["id"]
        report.forwarded = True
        await session.flush()
