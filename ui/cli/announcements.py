"""Announcement commands (`amity announcement add|list|remove`): messages to every member,
shown in apps until they end or are removed (`actors.accounts.announcements`)."""

from __future__ import annotations

import argparse
from datetime import UTC, datetime
from typing import Any

from actors.accounts import announcements
from storage.db import session_maker
from ui.runtime import load, open_database, write_session


def add_commands(commands: Any) -> None:
    parser = commands.add_parser("announcement", help="manage announcements to every member",
                                 description="Messages from the admins that members' apps show until "
                                 "each member dismisses them.")
    sub = parser.add_subparsers(dest="announcement_command", metavar="ACTION", required=True)
    add = sub.add_parser("add", help="announce something to every member")
    add.add_argument("text", help=f"the message (plain text, links allowed; at most "
                     f"{announcements.MAX_TEXT_CHARS} characters)")
    add.add_argument("--starts-at", type=_when, help="when the event it announces starts (ISO 8601; UTC "
                     "if no offset is given)")
    add.add_argument("--ends-at", type=_when, help="when it ends; it is no longer shown after that")
    add.add_argument("--all-day", action="store_true",
                     help="the event lasts whole days (apps show dates only)")
    add.set_defaults(run=announcement_add)
    sub.add_parser("list", help="list announcements").set_defaults(run=announcement_list)
    remove = sub.add_parser("remove", help="remove an announcement (from every member's apps)")
    remove.add_argument("id", type=int, help="its id, as `amity announcement list` shows")
    remove.set_defaults(run=announcement_remove)


def _when(text: str) -> datetime:
    try:
        when = datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not an ISO 8601 date or time") from None
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)


async def announcement_add(args: argparse.Namespace) -> int:
    config = load(args.config)
    async with write_session(config) as session:
        row = await announcements.add(session, args.text, starts_at=args.starts_at, ends_at=args.ends_at,
                                      all_day=args.all_day)
    print(f"announced {row.id}")
    return 0


async def announcement_list(args: argparse.Namespace) -> int:
    config = load(args.config)
    async with open_database(config) as engine, session_maker(engine)() as session:
        rows = await announcements.list_all(session)
    if not rows:
        print("(no announcements: add one with `amity announcement add TEXT`)")
        return 0
    print(f"{'ID':20} {'STARTS':17} {'ENDS':17} TEXT")
    for row in rows:
        starts = row.starts_at.strftime("%Y-%m-%d %H:%M") if row.starts_at else "-"
        ends = row.ends_at.strftime("%Y-%m-%d %H:%M") if row.ends_at else "-"
        first_line = row.text.splitlines()[0]
        print(f"{row.id:<20} {starts:17} {ends:17} {first_line[:60]}")
    return 0


async def announcement_remove(args: argparse.Namespace) -> int:
    config = load(args.config)
    async with write_session(config) as session:
        await announcements.remove(session, args.id)
    print(f"removed announcement {args.id}")
    return 0
