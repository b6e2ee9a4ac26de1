"""`amity block email|email-domain|ip add|list|remove`: what refuses sign-ups.

The work (and the audit log, as the operator or `--as NAME`) is `actors.moderation.signup_blocks`'s.
"""

from __future__ import annotations

import argparse
from datetime import timedelta
from typing import Any

from actors.moderation import signup_blocks
from actors.moderation.audit import require
from storage.db import session_maker
from storage.models import IP_SEVERITIES, CanonicalEmailBlock, EmailDomainBlock, IpBlock, utcnow
from ui.cli.moderation import acting
from ui.runtime import CliError, load, open_database, write_session

KINDS: dict[str, tuple[type[signup_blocks.Block], str]] = {
    "email": (CanonicalEmailBlock, "an e-mail address (only its canonical hash is kept), or a hash"),
    "email-domain": (EmailDomainBlock, "an e-mail domain (its subdomains too)"),
    "ip": (IpBlock, "an IP address or CIDR range"),
}


def add_commands(commands: Any) -> None:
    parser = commands.add_parser(
        "block", help="refuse sign-ups by e-mail address, e-mail domain or IP range",
        description="Sign-ups from a blocked address, domain or range are refused with Mastodon's "
                    "wording; changes are recorded in the audit log.")
    kinds = parser.add_subparsers(dest="block_kind", metavar="KIND", required=True)
    for kind, (_model, what) in KINDS.items():
        sub = kinds.add_parser(kind, help=what).add_subparsers(dest="block_command", metavar="ACTION",
                                                               required=True)
        add = sub.add_parser("add", help=f"block {what}")
        add.add_argument("value", help=what)
        if kind == "ip":
            add.add_argument("--severity", choices=IP_SEVERITIES, default="sign_up_block",
                             help="sign_up_block (default) and no_access refuse sign-ups; "
                                  "sign_up_requires_approval makes them wait for a moderator")
            add.add_argument("--comment", default="", help="a note for staff")
            add.add_argument("--expires-in", type=float, metavar="DAYS", help="days until it lapses")
        _add_as(add)
        add.set_defaults(run=block_add, kind=kind)
        sub.add_parser("list", help="list the blocks").set_defaults(run=block_list, kind=kind)
        remove = sub.add_parser("remove", help="remove a block")
        remove.add_argument("value", help=f"{what}, as listed")
        _add_as(remove)
        remove.set_defaults(run=block_remove, kind=kind)


def _add_as(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--as", dest="as_name", metavar="NAME",
                        help="record the change as this staff account (default: the operator)")


def _shown(block: signup_blocks.Block) -> str:
    if isinstance(block, CanonicalEmailBlock):
        return block.canonical_email_hash
    if isinstance(block, EmailDomainBlock):
        return block.domain
    expires = f"until {block.expires_at:%Y-%m-%d %H:%M} UTC" if block.expires_at else "no expiry"
    return f"{block.ip:43} {block.severity:26} {expires:27} {block.comment}".rstrip()


async def block_add(args: argparse.Namespace) -> int:
    config = load(args.config)
    async with write_session(config) as session:
        staff = await acting(session, args.as_name)
        block: signup_blocks.Block
        if args.kind == "email":
            is_hash = "@" not in args.value
            block = await signup_blocks.block_email(session, staff, email=None if is_hash else args.value,
                                                    digest=args.value if is_hash else None)
        elif args.kind == "email-domain":
            block = await signup_blocks.block_email_domain(session, staff, args.value)
        else:
            if args.expires_in is not None and args.expires_in <= 0:
                raise CliError("--expires-in must be a positive number of days")
            expires = utcnow() + timedelta(days=args.expires_in) if args.expires_in else None
            block = await signup_blocks.block_ip(session, staff, args.value, args.severity,
                                                 comment=args.comment, expires_at=expires)
    print(f"blocked {_shown(block)}")
    return 0


async def block_list(args: argparse.Namespace) -> int:
    config = load(args.config)
    model = KINDS[args.kind][0]
    async with open_database(config) as engine, session_maker(engine)() as session:
        blocks = await signup_blocks.listing(session, model)
    if not blocks:
        print(f"(no {args.kind} blocks: add one with `amity block {args.kind} add …`)")
        return 0
    if args.kind == "ip":
        print(f"{'RANGE':43} {'SEVERITY':26} {'EXPIRES':27} COMMENT")
    for block in blocks:
        print(_shown(block))
    return 0


async def block_remove(args: argparse.Namespace) -> int:
    config = load(args.config)
    model = KINDS[args.kind][0]
    async with write_session(config) as session:
        staff = await acting(session, args.as_name)
        require(staff, signup_blocks.PERMISSION)  # before saying whether the block exists
        found = await signup_blocks.find_by_value(session, model, args.value)
        await signup_blocks.remove(session, staff, model, found.id)
    print(f"removed the block on {args.value}")
    return 0
