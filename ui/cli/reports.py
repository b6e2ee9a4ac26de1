"""Report commands: `amity report list|show|assign|note|resolve|reopen`.

The moderator's desk at the command line: what the admin API does with reports, plus notes
(Mastodon keeps report notes in its web admin; its API has none). Every change is recorded in
the audit log as the operator, or as the staff account named with `--as`.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from actors.moderation import report_handling as handling
from storage.db import session_maker
from storage.models import Actor, Report, Status
from ui.cli.moderation import acting
from ui.runtime import CliError, load, open_database, write_session


def add_commands(commands: Any) -> None:
    parser = commands.add_parser(
        "report", help="reports members and other servers filed: read and handle them",
        description="Read reports about accounts, take them on, note what you find, and resolve "
                    "them. Changes are recorded in the audit log.")
    sub = parser.add_subparsers(dest="report_command", metavar="ACTION", required=True)
    listing = sub.add_parser("list", help="list reports, newest first (open ones by default)")
    listing.add_argument("--resolved", action="store_true", help="list resolved reports instead")
    listing.add_argument("--all", action="store_true", help="list open and resolved reports")
    listing.add_argument("--limit", type=int, default=50, help="at most this many (default 50)")
    listing.set_defaults(run=report_list)
    show = sub.add_parser("show", help="a report with its posts and notes")
    show.add_argument("id", type=int)
    show.set_defaults(run=report_show)
    assign = sub.add_parser("assign", help="give a report to a staff account (yourself with --as)")
    assign.add_argument("id", type=int)
    assign.add_argument("name", nargs="?", help="the staff account (default: the one given with --as)")
    assign.add_argument("--nobody", action="store_true", help="take the report back from whoever has it")
    _add_as(assign)
    assign.set_defaults(run=report_assign)
    note = sub.add_parser("note", help="add a note to a report (for staff only)")
    note.add_argument("id", type=int)
    note.add_argument("text")
    _add_as(note)
    note.set_defaults(run=report_note)
    for name, help_, run in (("resolve", "mark a report handled (the reporter sees it)", report_resolve),
                             ("reopen", "open a resolved report again", report_reopen)):
        action = sub.add_parser(name, help=help_)
        action.add_argument("id", type=int)
        _add_as(action)
        action.set_defaults(run=run)


def _add_as(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--as", dest="as_name", metavar="NAME",
                        help="record the action as this staff account (default: the operator)")


async def _handles(session: AsyncSession, ids: set[int | None]) -> dict[int, str]:
    wanted = [i for i in ids if i is not None]
    actors = (await session.scalars(select(Actor).where(Actor.id.in_(wanted)))).all() if wanted else []
    return {a.id: f"@{a.username}" + (f"@{a.domain}" if a.domain else "") for a in actors}


def _state(report: Report) -> str:
    return "resolved" if report.resolved_at is not None else "open"


async def report_list(args: argparse.Namespace) -> int:
    config = load(args.config)
    resolved = None if args.all else args.resolved
    async with open_database(config) as engine, session_maker(engine)() as session:
        rows = (await session.scalars(handling.reports_query(resolved=resolved)
                                      .order_by(Report.id.desc()).limit(max(1, args.limit)))).all()
        names = await _handles(session, {i for r in rows
                                         for i in (r.reporter_id, r.target_id, r.assigned_id)})
    if not rows:
        print("(no reports)" if resolved is None else f"(no {'resolved' if resolved else 'open'} reports)")
        return 0
    print(f"{'ID':20} {'STATE':8} {'CATEGORY':9} {'TARGET':32} {'REPORTER':32} {'POSTS':5} ASSIGNED")
    for r in rows:
        print(f"{r.id:<20} {_state(r):8} {r.category:9} {names.get(r.target_id, '?'):32} "
              f"{names.get(r.reporter_id, '?'):32} {len(r.status_ids):<5} "
              f"{names.get(r.assigned_id, '-') if r.assigned_id else '-'}")
    return 0


async def report_show(args: argparse.Namespace) -> int:
    config = load(args.config)
    async with open_database(config) as engine, session_maker(engine)() as session:
        report = await handling.get(session, args.id)
        names = await _handles(session, {report.reporter_id, report.target_id, report.assigned_id,
                                         report.resolved_by_id})
        statuses = (await session.scalars(select(Status).where(Status.id.in_(report.status_ids)))).all()
        notes = await handling.notes(session, report)
    for line in _describe(report, names, statuses):
        print(line)
    for note in notes:
        print(f"note by {note.author_label} at {note.created_at:%Y-%m-%d %H:%M}: {note.content}")
    return 0


def _describe(report: Report, names: dict[int, str], statuses: Sequence[Status]) -> list[str]:
    lines = [f"report {report.id} ({_state(report)}), filed {report.created_at:%Y-%m-%d %H:%M} UTC",
             f"target:   {names.get(report.target_id, '?')}",
             f"reporter: {names.get(report.reporter_id, '?')}"
             + (f" (from the Flag {report.uri})" if report.uri and not report.forwarded else ""),
             f"category: {report.category}" + (f", rules {', '.join(map(str, report.rule_ids))}"
                                               if report.rule_ids else ""),
             f"comment:  {report.comment or '-'}",
             f"forwarded to the account's server: {'yes' if report.forwarded else 'no'}",
             f"assigned: {names.get(report.assigned_id, '-') if report.assigned_id else '-'}"]
    if report.resolved_at is not None:
        who = names.get(report.resolved_by_id, "the operator") if report.resolved_by_id else "the operator"
        lines.append(f"resolved: {report.resolved_at:%Y-%m-%d %H:%M} UTC by {who}")
    for status in statuses:
        lines.append(f"post {status.id} ({status.visibility}): {status.uri}")
    return lines


async def _one_change(args: argparse.Namespace, change: Any) -> Report:
    config = load(args.config)
    async with write_session(config) as session:
        report = await handling.get(session, args.id)
        await change(session, await acting(session, args.as_name), report)
    return report


async def report_assign(args: argparse.Namespace) -> int:
    name = args.name or args.as_name
    if not args.nobody and name is None:
        raise CliError("name the staff account to assign the report to (or use --as NAME, or --nobody)")

    async def change(session: AsyncSession, staff: Any, report: Report) -> None:
        if args.nobody:
            await handling.unassign(session, staff, report)
            return
        assignee = await acting(session, name)
        assert assignee.actor_id is not None
        account = await session.get(Actor, assignee.actor_id)
        assert account is not None
        await handling.assign(session, staff, report, account)
    await _one_change(args, change)
    whom = "nobody" if args.nobody else f"@{str(name).lstrip('@')}"
    print(f"report {args.id}: assigned to {whom}")
    return 0


async def report_note(args: argparse.Namespace) -> int:
    async def change(session: AsyncSession, staff: Any, report: Report) -> None:
        await handling.add_note(session, staff, report, args.text)
    await _one_change(args, change)
    print(f"report {args.id}: note added")
    return 0


async def report_resolve(args: argparse.Namespace) -> int:
    await _one_change(args, handling.resolve)
    print(f"report {args.id}: resolved")
    return 0


async def report_reopen(args: argparse.Namespace) -> int:
    await _one_change(args, handling.reopen)
    print(f"report {args.id}: open")
    return 0
