"""`/api/v1/reports`: a member reports an account to the moderators, and reads their reports.

`POST` is Mastodon's. Mastodon has no way for the reporter to read a report again; GoToSocial
does (`GET /api/v1/reports` and `/api/v1/reports/:id`, the member's own), and Amity follows it,
so the reporter sees `action_taken` once a moderator resolves the report.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from aiohttp import web
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from actors.moderation import reports
from actors.moderation.report_handling import reports_query
from storage import settings
from storage.errors import Invalid
from storage.models import Actor, Report
from ui.api.auth import MemberAuth
from ui.api.entities import Urls, iso_datetime, render_accounts
from ui.api.paging import link_header, newest_first, page_of, paginate
from ui.api.responses import NOT_FOUND, api_error, json_ok
from ui.api.routing import parse_id, path_id, urls
from ui.keys import SERVICES
from ui.params import Params, read_params


def report_entity(report: Report, target: dict[str, Any]) -> dict[str, Any]:
    """Mastodon's Report (what the reporter sees)."""
    return {
        "id": str(report.id),
        "action_taken": report.resolved_at is not None,
        "action_taken_at": iso_datetime(report.resolved_at) if report.resolved_at else None,
        "category": report.category,
        "comment": report.comment,
        "forwarded": report.forwarded,
        "created_at": iso_datetime(report.created_at),
        "status_ids": [str(i) for i in report.status_ids] or None,
        "rule_ids": [str(i) for i in report.rule_ids] or None,
        "target_account": target,
    }


async def render_reports(db: AsyncSession, rows: Sequence[Report], site: Urls) -> list[dict[str, Any]]:
    ids = list({r.target_id for r in rows})
    targets = {a.id: a for a in (await db.scalars(select(Actor).where(Actor.id.in_(ids)))).all()}
    rendered = dict(zip(ids, await render_accounts(db, [targets[i] for i in ids], site), strict=True))
    return [report_entity(r, rendered[r.target_id]) for r in rows]


def _ids(params: Params, name: str) -> tuple[int, ...]:
    found = [parse_id(raw) for raw in params.strings(name)]
    if any(i is None for i in found):
        raise Invalid(f"{name} must be a list of ids")
    return tuple(i for i in found if i is not None)


def _new_report(params: Params) -> reports.NewReport:
    target = parse_id(params.required_text("account_id"))
    if target is None:
        api_error(404, NOT_FOUND)
    return reports.NewReport(
        target_id=target, status_ids=_ids(params, "status_ids"),
        comment=params.text("comment", max_length=reports.MAX_COMMENT_CHARS) or "",
        category=params.text("category") or None, rule_ids=_ids(params, "rule_ids"),
        forward=bool(params.flag("forward")))


async def file_report(request: web.Request, auth: MemberAuth) -> web.Response:
    new = _new_report(await read_params(request))
    services = request.app[SERVICES]
    async with services.sessions() as db:
        async with db.begin():
            rules = await settings.get(db, "rules")
            report = await reports.file_report(db, auth.actor, new, rules=rules, base_url=services.base_url)
        [entity] = await render_reports(db, [report], urls(request))
    services.wake_workers()  # a forwarded report's Flag is a delivery job
    return json_ok(entity)


async def list_reports(request: web.Request, auth: MemberAuth) -> web.Response:
    """The member's own reports, newest first; `resolved` and `target_account_id` filter them."""
    params = await read_params(request)
    page = page_of(params, default=20, maximum=100)
    target = params.text("target_account_id")
    target_id = parse_id(target) if target else None
    if target and target_id is None:
        raise Invalid("target_account_id must be an id")
    query = reports_query(resolved=params.flag("resolved"), target_account_id=target_id)
    async with request.app[SERVICES].sessions() as db:
        rows = newest_first((await db.scalars(paginate(
            query.where(Report.reporter_id == auth.actor.id), Report.id, page))).all(), page)
        body = await render_reports(db, rows, urls(request))
    return json_ok(body, headers=link_header(request, urls(request).base_url, [r.id for r in rows], page))


async def show_report(request: web.Request, auth: MemberAuth) -> web.Response:
    async with request.app[SERVICES].sessions() as db:
        report = await db.get(Report, path_id(request))
        if report is None or report.reporter_id != auth.actor.id:
            api_error(404, NOT_FOUND)
        [entity] = await render_reports(db, [report], urls(request))
    return json_ok(entity)
