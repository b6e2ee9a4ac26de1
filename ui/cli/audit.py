"""`amity audit list`: the audit log, newest first, for the operator and admins."""

from __future__ import annotations

import argparse
import json
from typing import Any

from actors.moderation import audit
from storage.db import session_maker
from storage.models import AuditLogEntry
from ui.runtime import CliError, load, open_database


def add_commands(commands: Any) -> None:
    parser = commands.add_parser(
        "audit", help="read the audit log of moderation actions and settings changes",
        description="Every moderation action and settings change, newest first: who, what, to "
                    "which target, when and why. The log can be read, never changed.")
    sub = parser.add_subparsers(dest="audit_command", metavar="ACTION", required=True)
    listing = sub.add_parser("list", help="list entries, newest first")
    listing.add_argument("--action", help="only this action (e.g. domain_block.create)")
    listing.add_argument("--target", help="only this target (a domain, an account, a setting)")
    listing.add_argument("--limit", type=int, default=50, help="at most this many (default 50, at most 1000)")
    listing.add_argument("--details", action="store_true", help="show each entry's details (before/after)")
    listing.set_defaults(run=audit_list)


def describe(entry: AuditLogEntry, *, details: bool = False) -> str:
    when = entry.created_at.strftime("%Y-%m-%d %H:%M:%S")
    line = f"{when}  {entry.actor_label:20} {entry.action:28} {entry.target_type}:{entry.target}"
    if entry.reason:
        line += f"  ({entry.reason})"
    if details and entry.details:
        line += "\n    " + json.dumps(entry.details, ensure_ascii=False, default=str)
    return line


async def audit_list(args: argparse.Namespace) -> int:
    if not 1 <= args.limit <= 1000:
        raise CliError("--limit must be between 1 and 1000")
    config = load(args.config)
    async with open_database(config) as engine, session_maker(engine)() as session:
        found = await audit.entries(session, limit=args.limit, action=args.action, target=args.target)
    if not found:
        print("(the audit log has no such entries)")
        return 0
    for entry in found:
        print(describe(entry, details=args.details))
    return 0
