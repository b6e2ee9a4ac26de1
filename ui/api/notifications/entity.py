"""Mastodon's Notification entity (and the Report it may carry), rendered in bulk.

A page of notifications takes a fixed number of queries: the senders through
`render_accounts`, the statuses through `render_statuses` (as the member sees them), the
reports and their targets. A notification whose status is gone or hidden is left out.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from actors.reading.notification_groups import shown_key
from actors.reading.notification_reads import STATUS_TYPES
from federation.services import Services
from storage.models import AccountSeverance, Actor, Notification, Report, SeveranceEvent, Status
from ui.api.entities import Urls, iso_datetime, render_accounts
from ui.api.filters.applied import filter_entities
from ui.api.statuses.entity import render_statuses


@dataclass
class Rendered:
    """What notifications point at, rendered once: accounts, statuses and reports by id."""

    accounts: dict[int, dict[str, Any]] = field(default_factory=dict)
    statuses: dict[int, dict[str, Any]] = field(default_factory=dict)
    reports: dict[int, dict[str, Any]] = field(default_factory=dict)
    events: dict[int, dict[str, Any]] = field(default_factory=dict)  # by account severance id


async def render_parts(db: AsyncSession, services: Services, viewer: Actor, urls: Urls,
                       notifications: Sequence[Notification], *, account_ids: Sequence[int] = (),
                       languages: Sequence[str] = ()) -> Rendered:
    """The accounts (senders, report targets, and `account_ids`), statuses and reports of
    `notifications`."""
    report_ids = {n.report_id for n in notifications if n.report_id is not None}
    reports = list((await db.scalars(select(Report).where(Report.id.in_(report_ids)))).all()
                   ) if report_ids else []
    wanted = {*account_ids, *(n.from_actor_id for n in notifications), *(r.target_id for r in reports)}
    actors = (await db.scalars(select(Actor).where(Actor.id.in_(wanted)))).all() if wanted else []
    done = Rendered()
    done.accounts = {int(a["id"]): a for a in await render_accounts(db, list(actors), urls)}
    status_ids = {n.status_id for n in notifications if n.status_id is not None and n.type in STATUS_TYPES}
    if status_ids:
        rows = (await db.scalars(select(Status).where(Status.id.in_(status_ids)))).all()
        rendered = await filter_entities(db, viewer.id, "notifications", list(rows), await render_statuses(
            db, services, viewer, list(rows), urls, reader_languages=languages))  # `hide`: left out
        done.statuses = {int(s["id"]): s for s in rendered}
    done.reports = {r.id: report_entity(r, done.accounts.get(r.target_id)) for r in reports}
    done.events = await _severance_events(db, {n.severance_id for n in notifications if n.severance_id})
    return done


async def _severance_events(db: AsyncSession, ids: set[int]) -> dict[int, dict[str, Any]]:
    """Mastodon's RelationshipSeveranceEvent of each member's severance (a domain suspended)."""
    if not ids:
        return {}
    rows = (await db.execute(select(AccountSeverance, SeveranceEvent)
                             .join(SeveranceEvent, SeveranceEvent.id == AccountSeverance.event_id)
                             .where(AccountSeverance.id.in_(ids)))).all()
    return {severance.id: {"id": str(event.id), "type": event.kind, "purged": event.purged,
                           "target_name": event.target_name, "followers_count": severance.followers_count,
                           "following_count": severance.following_count,
                           "created_at": iso_datetime(event.created_at)}
            for severance, event in rows}


def notification_entity(notification: Notification, parts: Rendered) -> dict[str, Any] | None:
    """The entity, or None when what it is about cannot be shown."""
    account = parts.accounts.get(notification.from_actor_id)
    if account is None:
        return None
    entity: dict[str, Any] = {
        "id": str(notification.id),
        "type": notification.type,
        "created_at": iso_datetime(notification.created_at),
        "group_key": shown_key(notification),
        "account": account,
    }
    if notification.type in STATUS_TYPES:
        status = parts.statuses.get(notification.status_id) if notification.status_id else None
        if status is None:
            return None
        entity["status"] = status
    if notification.type == "admin.report":
        report = parts.reports.get(notification.report_id) if notification.report_id else None
        if report is None:
            return None
        entity["report"] = report
    if notification.type == "severed_relationships":
        event = parts.events.get(notification.severance_id) if notification.severance_id else None
        if event is None:
            return None
        entity["event"] = event
    return entity


def report_entity(report: Report, target: dict[str, Any] | None) -> dict[str, Any]:
    """Mastodon's Report entity (as its reporter's moderators see it in a notification)."""
    return {
        "id": str(report.id),
        "action_taken": report.resolved_at is not None,
        "action_taken_at": iso_datetime(report.resolved_at) if report.resolved_at else None,
        "category": "other",
        "comment": report.comment,
        "forwarded": report.uri is not None,
        "created_at": iso_datetime(report.created_at),
        "status_ids": [str(i) for i in report.status_ids or []] or None,
        "rule_ids": None,
        "target_account": target,
    }
