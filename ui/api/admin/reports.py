"""`/api/v1/admin/reports`: moderators list, read, recategorize, assign, resolve and reopen
reports, as Mastodon's admin API does. Changes go through `actors.moderation.report_handling`,
which writes the audit log. Notes on reports are kept by the CLI (`amity report note`): Mastodon's
Admin::Report entity has no notes.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from aiohttp import web
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from actors.moderation import report_handling as handling
from actors.moderation.audit import Staff, staff_account
from storage import settings
from storage.errors import Invalid
from storage.models import Actor, Report, Status
from ui.api.admin.account_entity import render_admin_accounts
from ui.api.auth import MemberAuth
from ui.api.entities import Urls, iso_datetime
from ui.api.instance import rules as rule_entities
from ui.api.paging import link_header, newest_first, page_of, paginate
from ui.api.responses import NOT_FOUND, api_error, json_ok
from ui.api.routing import parse_id, path_id, urls
from ui.api.statuses.entity import render_for
from ui.keys import SERVICES
from ui.params import Params, read_params


def _staff(auth: MemberAuth) -> Staff:
    return staff_account(auth.actor, auth.user.role)


async def render_admin_reports(request: web.Request, db: AsyncSession, viewer: Actor,
                               rows: Sequence[Report]) -> list[dict[str, Any]]:
    """Admin::Report entities: the accounts as Admin::Account, the reported statuses (whatever
    their visibility: moderators read what was reported), the cited rules."""
    site: Urls = urls(request)
    actor_ids = {i for r in rows for i in (r.reporter_id, r.target_id, r.assigned_id, r.resolved_by_id)
                 if i is not None}
    actors = list((await db.scalars(select(Actor).where(Actor.id.in_(actor_ids)))).all())
    accounts = dict(zip([a.id for a in actors], await render_admin_accounts(db, actors, site), strict=True))
    status_ids = {int(i) for r in rows for i in r.status_ids}
    statuses = list((await db.scalars(select(Status).where(Status.id.in_(status_ids)))).all())
    shown = await render_for(request, db, viewer, statuses)
    rendered = dict(zip([s.id for s in statuses], shown, strict=True))
    rules = rule_entities({"rules": await settings.get(db, "rules")})
    return [{
        "id": str(r.id),
        "action_taken": r.resolved_at is not None,
        "action_taken_at": iso_datetime(r.resolved_at) if r.resolved_at else None,
        "category": r.category,
        "comment": r.comment,
        "forwarded": r.forwarded,
        "created_at": iso_datetime(r.created_at),
        "updated_at": iso_datetime(r.updated_at),
        "account": accounts[r.reporter_id],
        "target_account": accounts[r.target_id],
        "assigned_account": accounts.get(r.assigned_id) if r.assigned_id else None,
        "action_taken_by_account": accounts.get(r.resolved_by_id) if r.resolved_by_id else None,
        "statuses": [rendered[int(i)] for i in r.status_ids if int(i) in rendered],
        "rules": [rule for rule in rules if int(rule["id"]) in r.rule_ids],
    } for r in rows]


def _account_filter(params: Params, name: str) -> int | None:
    raw = params.text(name)
    if not raw:
        return None
    found = parse_id(raw)
    if found is None:
        raise Invalid(f"{name} must be an id")
    return found


async def list_reports(request: web.Request, auth: MemberAuth) -> web.Response:
    """Unresolved reports by default, `resolved=true` for the resolved ones; newest first."""
    params = await read_params(request)
    page = page_of(params, default=100, maximum=200)
    query = handling.reports_query(resolved=bool(params.flag("resolved")),
                                   account_id=_account_filter(params, "account_id"),
                                   target_account_id=_account_filter(params, "target_account_id"))
    async with request.app[SERVICES].sessions() as db:
        rows = newest_first((await db.scalars(paginate(query, Report.id, page))).all(), page)
        body = await render_admin_reports(request, db, auth.actor, rows)
    return json_ok(body, headers=link_header(request, urls(request).base_url, [r.id for r in rows], page))


async def show_report(request: web.Request, auth: MemberAuth) -> web.Response:
    async with request.app[SERVICES].sessions() as db:
        report = await db.get(Report, path_id(request))
        if report is None:
            api_error(404, NOT_FOUND)
        [entity] = await render_admin_reports(request, db, auth.actor, [report])
    return json_ok(entity)


Change = Callable[[AsyncSession, Staff, Report], Awaitable[Any]]


async def _change(request: web.Request, auth: MemberAuth, change: Change) -> web.Response:
    async with request.app[SERVICES].sessions() as db:
        async with db.begin():
            report = await db.get(Report, path_id(request))
            if report is None:
                api_error(404, NOT_FOUND)
            await change(db, _staff(auth), report)
        [entity] = await render_admin_reports(request, db, auth.actor, [report])
    return json_ok(entity)


async def update_report(request: web.Request, auth: MemberAuth) -> web.Response:
    """`category` and `rule_ids[]`; what is not sent keeps its value."""
    params = await read_params(request)
    category = params.text("category") or None
    raw_rules = params.strings("rule_ids") if "rule_ids" in params else None
    rule_ids = None if raw_rules is None else [parse_id(i) for i in raw_rules]
    if rule_ids is not None and any(i is None for i in rule_ids):
        raise Invalid("rule_ids must be a list of ids")

    async def change(db: AsyncSession, staff: Staff, report: Report) -> None:
        await handling.update(db, staff, report, category=category,
                              rule_ids=None if rule_ids is None else [i for i in rule_ids if i is not None],
                              rules=await settings.get(db, "rules"))
    return await _change(request, auth, change)


async def assign_to_self(request: web.Request, auth: MemberAuth) -> web.Response:
    async def change(db: AsyncSession, staff: Staff, report: Report) -> None:
        await handling.assign(db, staff, report, auth.actor)
    return await _change(request, auth, change)


async def unassign(request: web.Request, auth: MemberAuth) -> web.Response:
    return await _change(request, auth, handling.unassign)


async def resolve(request: web.Request, auth: MemberAuth) -> web.Response:
    return await _change(request, auth, handling.resolve)


async def reopen(request: web.Request, auth: MemberAuth) -> web.Response:
    return await _change(request, auth, handling.reopen)
