"""Member commands: invites (`amity invite …`); approving sign-ups is `ui.cli.accounts`."""

from __future__ import annotations

import argparse
from datetime import timedelta
from typing import Any

from sqlalchemy import select

from actors.accounts import registration
from storage.db import session_maker
from storage.models import Invite, utcnow
from ui.runtime import CliError, load, open_database, write_session


def add_commands(commands: Any, user_commands: Any) -> None:
    invite = commands.add_parser("invite", help="invite links for new members",
                                 description="Make and list invite links (needed when registration_mode is "
                                             "invite; they skip approval in approval mode).")
    sub = invite.add_subparsers(dest="invite_command", metavar="ACTION", required=True)
    create = sub.add_parser("create", help="make an invite link (shown once)")
    create.add_argument("--uses", type=int, help="how many sign-ups it allows (default: unlimited)")
    create.add_argument("--expires-in", type=float, metavar="DAYS", help="days until it stops working")
    create.set_defaults(run=invite_create)
    sub.add_parser("list", help="list invites and how often they were used").set_defaults(run=invite_list)


async def invite_create(args: argparse.Namespace) -> int:
    config = load(args.config)
    if args.uses is not None and args.uses < 1:
        raise CliError("--uses must be at least 1")
    if args.expires_in is not None and args.expires_in <= 0:
        raise CliError("--expires-in must be a positive number of days")
    async with write_session(config) as session:
        invite, code = await registration.create_invite(
            session, max_uses=args.uses,
            expires_in=None if args.expires_in is None else timedelta(days=args.expires_in))
    limits = [f"{args.uses} use{'s' if args.uses != 1 else ''}" if args.uses else "unlimited uses"]
    if invite.expires_at is not None:
        limits.append(f"until {invite.expires_at:%Y-%m-%d %H:%M} UTC")
    print(f"{registration.invite_url(config.base_url, code)}  ({', '.join(limits)})")
    return 0


async def invite_list(args: argparse.Namespace) -> int:
    config = load(args.config)
    async with open_database(config) as engine, session_maker(engine)() as session:
        invites = (await session.scalars(select(Invite).order_by(Invite.id))).all()
    now = utcnow()
    print(f"{'ID':20} {'USES':9} {'EXPIRES (UTC)':17} STATE")
    for invite in invites:
        uses = f"{invite.uses}/{invite.max_uses or '∞'}"
        expires = f"{invite.expires_at:%Y-%m-%d %H:%M}" if invite.expires_at else "never"
        used_up = invite.max_uses is not None and invite.uses >= invite.max_uses
        expired = invite.expires_at is not None and invite.expires_at <= now
        state = ("revoked" if invite.revoked_at else "used up" if used_up
                 else "expired" if expired else "active")
        print(f"{invite.id:<20} {uses:9} {expires:17} {state}")
    return 0
