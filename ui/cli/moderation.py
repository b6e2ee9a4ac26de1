"""Moderation commands: rules about whole servers (`amity domain list|set|remove|import|export`).

The CLI is the operator's: what it does is recorded in the audit log as `cli:<system user>`,
or, with `--as NAME`, as that staff account (which must have the permission itself).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from actors.moderation import blocklists, domains
from actors.moderation.audit import Staff, operator, staff_account
from storage.db import session_maker
from storage.models import DOMAIN_POLICIES, Actor, DomainRule, User
from ui.runtime import CliError, load, open_database, write_session


def add_commands(commands: Any) -> None:
    parser = commands.add_parser(
        "domain", help="rules about other servers: blocks and partners",
        description="Suspend, silence or flag other servers, or mark partners (the only servers "
                    "an allowlist node federates with). Changes apply within seconds and are "
                    "recorded in the audit log.")
    sub = parser.add_subparsers(dest="domain_command", metavar="ACTION", required=True)
    listing = sub.add_parser("list", help="list the rules")
    listing.add_argument("--policy", choices=DOMAIN_POLICIES, help="only rules with this policy")
    listing.set_defaults(run=domain_list)
    set_ = sub.add_parser("set", help="create or change the rule for a domain (and its subdomains)")
    set_.add_argument("domain")
    set_.add_argument("--policy", required=True, choices=DOMAIN_POLICIES,
                      help="suspend: nothing in or out; silence: kept off public timelines; noop: only "
                           "the flags below; allow: a partner")
    set_.add_argument("--reject-media", action="store_true", help="store no media from it")
    set_.add_argument("--reject-reports", action="store_true", help="drop the reports it sends")
    set_.add_argument("--obfuscate", action="store_true", help="hide part of the name where rules are shown")
    set_.add_argument("--public-comment", default="", help="the reason, shown publicly")
    set_.add_argument("--private-comment", default="", help="a note for staff only")
    _add_as(set_)
    set_.set_defaults(run=domain_set)
    remove = sub.add_parser("remove", help="remove the rule for a domain")
    remove.add_argument("domain")
    _add_as(remove)
    remove.set_defaults(run=domain_remove)
    importing = sub.add_parser("import", help="import a blocklist (Mastodon's CSV format)",
                               description="Read a blocklist (#domain,#severity,#reject_media,"
                               "#reject_reports,#public_comment,#obfuscate, or one domain per line) and "
                               "add or change the blocks it lists. Partners are left alone.")
    importing.add_argument("file", help="the CSV file, or - for standard input")
    importing.add_argument("--dry-run", action="store_true", help="show what would change, change nothing")
    importing.add_argument("--skip-invalid", action="store_true",
                           help="import the valid lines even if some are not (they are listed)")
    _add_as(importing)
    importing.set_defaults(run=domain_import)
    export = sub.add_parser("export", help="write the node's blocks as a blocklist (Mastodon's CSV)")
    export.add_argument("--output", "-o", help="a file to write (default: standard output)")
    export.set_defaults(run=domain_export)


def _add_as(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--as", dest="as_name", metavar="NAME",
                        help="record the action as this staff account (default: the operator)")


def _read_text(path: str) -> str:
    try:
        data = sys.stdin.buffer.read() if path == "-" else Path(path).read_bytes()
    except OSError as exc:
        raise CliError(f"cannot read {path}: {exc.strerror}") from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise CliError(f"{path} is not UTF-8 text: is it a blocklist?") from None


def _progress(done: int, total: int) -> None:
    sys.stderr.write(f"imported {done:,} of {total:,} rules\n")


async def acting(session: AsyncSession, name: str | None) -> Staff:
    """The operator, or the staff account `name` (a local username)."""
    if name is None:
        return operator()
    found = (await session.execute(
        select(Actor, User.role).join(User, User.actor_id == Actor.id)
        .where(Actor.domain.is_(None), Actor.username == name.removeprefix("@")))).first()
    if found is None:
        raise CliError(f"no local account named {name}")
    actor, role = found
    return staff_account(actor, role)


async def domain_list(args: argparse.Namespace) -> int:
    config = load(args.config)
    async with open_database(config) as engine, session_maker(engine)() as session:
        found = await domains.rules(session, policies=(args.policy,) if args.policy else DOMAIN_POLICIES)
    if not found:
        print("(no domain rules: add one with `amity domain set DOMAIN --policy suspend`)")
        return 0
    print(f"{'DOMAIN':40} {'POLICY':8} {'FLAGS':32} PUBLIC COMMENT")
    for rule in sorted(found, key=lambda r: r.domain):
        print(f"{rule.domain:40} {rule.policy:8} {_flags(rule) or '-':32} {rule.public_comment or '-'}")
    return 0


def _flags(rule: DomainRule) -> str:
    return ",".join(name for name in ("reject_media", "reject_reports", "obfuscate") if getattr(rule, name))


async def domain_set(args: argparse.Namespace) -> int:
    config = load(args.config)
    change = domains.RuleChange(policy=args.policy, reject_media=args.reject_media,
                                reject_reports=args.reject_reports, obfuscate=args.obfuscate,
                                public_comment=args.public_comment, private_comment=args.private_comment)
    async with write_session(config) as session:
        rule = await domains.set_rule(session, await acting(session, args.as_name), args.domain, change)
    print(f"{rule.domain}: {rule.policy}" + (f" ({_flags(rule)})" if _flags(rule) else ""))
    return 0


async def domain_remove(args: argparse.Namespace) -> int:
    config = load(args.config)
    async with write_session(config) as session:
        rule = await domains.remove_rule(session, await acting(session, args.as_name), args.domain)
    print(f"removed the {rule.policy} rule for {rule.domain}")
    return 0


async def domain_import(args: argparse.Namespace) -> int:
    config = load(args.config)
    rows, invalid = blocklists.parse_blocklist(_read_text(args.file))
    for line, why in invalid[:20]:
        sys.stderr.write(f"line {line}: {why}\n")
    if len(invalid) > 20:
        sys.stderr.write(f"… and {len(invalid) - 20} more invalid lines\n")
    async with open_database(config) as engine:
        sessions = session_maker(engine)
        async with sessions() as session:
            staff = await acting(session, args.as_name)
            plan = await blocklists.plan_import(session, rows, [] if args.skip_invalid else invalid)
        _print_plan(plan)
        if args.dry_run:
            print("dry run: nothing was changed")
            return 0
        if plan.invalid:
            raise CliError(f"{len(plan.invalid)} invalid lines: nothing was imported (fix them, or "
                           "use --skip-invalid to import the rest)")
        started = time.perf_counter()
        await blocklists.apply_import(sessions, staff, plan, progress=_progress)
    written = len(plan.added) + len(plan.changed)
    print(f"imported: {written:,} rules written in {time.perf_counter() - started:.1f} s")
    return 0


def _print_plan(plan: blocklists.ImportPlan) -> None:
    counts = plan.summary()
    print(", ".join(f"{value:,} {name.replace('_', ' ')}" for name, value in counts.items()))
    for row in plan.added[:10]:
        print(f"+ {row.domain} {row.change.policy}")
    for row, before in plan.changed[:10]:
        print(f"~ {row.domain} {before['policy']} -> {row.change.policy}")
    for row in plan.partners[:10]:
        print(f"= {row.domain} is a partner: left alone")
    shown = min(len(plan.added), 10) + min(len(plan.changed), 10)
    if len(plan.added) + len(plan.changed) > shown:
        print(f"… and {len(plan.added) + len(plan.changed) - shown:,} more")


async def domain_export(args: argparse.Namespace) -> int:
    config = load(args.config)
    async with open_database(config) as engine, session_maker(engine)() as session:
        text = blocklists.export_blocklist(await domains.rules(session, policies=domains.BLOCK_POLICIES))
    if args.output:
        try:
            Path(args.output).write_text(text)
        except OSError as exc:
            raise CliError(f"cannot write {args.output}: {exc.strerror}") from None
        sys.stderr.write(f"wrote {text.count(chr(10)) - 1:,} blocks to {args.output}\n")
    else:
        sys.stdout.write(text)
    return 0
