"""What moderators do with reports: list, read, assign, note, recategorize, resolve, reopen.

Every change needs the `manage_reports` permission and writes its audit-log entry in the same
transaction (`actors.moderation.audit.record`); a change that changes nothing (resolving a
resolved report, say) writes nothing. Filing reports is `actors.moderation.reports`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from actors.moderation.audit import Staff, record, require
from actors.moderation.permissions import can
from actors.moderation.reports import category_for, check_rule_ids
from storage.errors import Invalid, NotFound
from storage.models import Actor, Report, ReportNote, User, utcnow

PERMISSION = "manage_reports"
MAX_NOTE_CHARS = 500  # Mastodon's limit for a report note


def reports_query(*, resolved: bool | None = False, account_id: int | None = None,
                  target_account_id: int | None = None) -> Select[Any]:
    """Reports, unresolved only by default (Mastodon's admin list); None: all of them."""
    query = select(Report)
    if resolved is not None:
        query = query.where(Report.resolved_at.is_not(None) if resolved else Report.resolved_at.is_(None))
    if account_id is not None:
        query = query.where(Report.reporter_id == account_id)
    if target_account_id is not None:
        query = query.where(Report.target_id == target_account_id)
    return query


async def get(session: AsyncSession, report_id: int) -> Report:
    report = await session.get(Report, report_id)
    if report is None:
        raise NotFound(f"no report {report_id}")
    return report


async def notes(session: AsyncSession, report: Report) -> Sequence[ReportNote]:
    return (await session.scalars(select(ReportNote).where(ReportNote.report_id == report.id)
                                  .order_by(ReportNote.id))).all()


async def _record(session: AsyncSession, staff: Staff, action: str, report: Report, **details: Any
                  ) -> None:
    report.updated_at = utcnow()
    await session.flush()
    await record(session, staff, action, "report", str(report.id), **details)


async def assign(session: AsyncSession, staff: Staff, report: Report, assignee: Actor) -> Report:
    """Give the report to a staff account that handles reports (the acting one, typically)."""
    require(staff, PERMISSION)
    role = await session.scalar(select(User.role).where(User.actor_id == assignee.id))
    if role is None or not can(role, PERMISSION):
        raise Invalid(f"@{assignee.username} does not handle reports")
    if report.assigned_id == assignee.id:
        return report
    report.assigned_id = assignee.id
    await _record(session, staff, "report.assign", report, assignee=f"@{assignee.username}")
    return report


async def unassign(session: AsyncSession, staff: Staff, report: Report) -> Report:
    require(staff, PERMISSION)
    if report.assigned_id is None:
        return report
    report.assigned_id = None
    await _record(session, staff, "report.unassign", report)
    return report


async def resolve(session: AsyncSession, staff: Staff, report: Report) -> Report:
    """Mark the report handled: the reporter's view shows `action_taken`."""
    require(staff, PERMISSION)
    if report.resolved_at is not None:
        return report
    report.resolved_at = utcnow()
    report.resolved_by_id = staff.actor_id
    await _record(session, staff, "report.resolve", report)
    return report


async def reopen(session: AsyncSession, staff: Staff, report: Report) -> Report:
    require(staff, PERMISSION)
    if report.resolved_at is None:
        return report
    report.resolved_at = None
    report.resolved_by_id = None
    await _record(session, staff, "report.reopen", report)
    return report


async def update(session: AsyncSession, staff: Staff, report: Report, *, category: str | None,
                 rule_ids: Sequence[int] | None, rules: Sequence[str]) -> Report:
    """Change the category and the cited rules (Mastodon's `PUT /api/v1/admin/reports/:id`):
    rules are kept only on a violation, and a violation must cite some."""
    require(staff, PERMISSION)
    new_category = category or report.category
    cited = check_rule_ids(report.rule_ids if rule_ids is None else rule_ids, rules)
    if new_category != "violation":
        category_for(new_category, ())  # refuses unknown categories
        cited = []
    elif not cited:
        raise Invalid("a violation report must cite the rules it breaks (rule_ids)")
    before = {"category": report.category, "rule_ids": list(report.rule_ids)}
    after = {"category": new_category, "rule_ids": cited}
    if before == after:
        return report
    report.category, report.rule_ids = new_category, cited
    await _record(session, staff, "report.update", report, before=before, after=after)
    return report


async def add_note(session: AsyncSession, staff: Staff, report: Report, content: str) -> ReportNote:
    require(staff, PERMISSION)
    content = content.strip()
    if not content:
        raise Invalid("a note needs some text")
    if len(content) > MAX_NOTE_CHARS:
        raise Invalid(f"a note must be at most {MAX_NOTE_CHARS} characters")
    note = ReportNote(report_id=report.id, author_id=staff.actor_id, author_label=staff.label,
                      content=content)
    session.add(note)
    await _record(session, staff, "report_note.create", report, note=content)
    return note
