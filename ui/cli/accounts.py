"""Account actions in `amity user …`: approve or reject a sign-up, warn, limit, mark sensitive,
disable, suspend and the undoing of each; `user list` shows each account's state.

The work is `actors.moderation.accounts`'s: each action is recorded in the audit log as the
operator (`cli:<system user>`) or, with `--as NAME`, as that staff account (which must have the
permission and outrank the account).
"""

from __future__ import annotations

import argparse
from typing import Any

from sqlalchemy import func, select

from actors.moderation import accounts
from storage.db import session_maker
from storage.domain_names import normalize_domain
from storage.errors import NotFound
from storage.models import Actor, User
from ui.cli.moderation import acting
from ui.runtime import load, open_database, write_session

# command: (what it does, the action or undo it runs)
ACTIONS: dict[str, tuple[str, str]] = {
    "warn": ("send the member a warning (a moderation_warning notification)", "none"),
    "limit": ("limit (silence): kept off public timelines and from people who do not follow them", "silence"),
    "sensitive": ("mark their media sensitive", "sensitive"),
    "disable": ("stop the account from logging in", "disable"),
    "suspend": ("suspend: hidden and refused at once; a local account's data is deleted after the grace "
                "period", "suspend"),
}
UNDOS: dict[str, tuple[str, str]] = {
    "unlimit": ("lift a limit", "unsilence"),
    "unsensitive": ("stop marking their media sensitive", "unsensitive"),
    "enable": ("allow logging in again", "enable"),
    "unsuspend": ("lift a suspension (during the grace period, everything comes back)", "unsuspend"),
}


def add_commands(user_commands: Any) -> None:
    listing = user_commands.add_parser("list", help="list local accounts and their state")
    listing.add_argument("--state", choices=("active", "pending", "limited", "disabled", "suspended"),
                         help="only accounts in this state (pending: with the reason they gave)")
    listing.set_defaults(run=user_list)
    for name, helptext in (("approve", "let a pending sign-up in"),
                           ("reject", "turn a pending sign-up away (the account is deleted)")):
        parser = user_commands.add_parser(name, help=helptext)
        _common(parser, reason=name == "reject")
        parser.set_defaults(run=user_decide, decision=name)
    for name, (helptext, action) in ACTIONS.items():
        parser = user_commands.add_parser(name, help=helptext)
        _common(parser)
        parser.add_argument("--no-notify", action="store_true",
                            help="do not tell the member (no moderation_warning notification)")
        if name == "disable":
            parser.add_argument("--enable", action="store_true", help="undo: allow logging in again")
        parser.set_defaults(run=user_act, action=action)
    for name, (helptext, action) in UNDOS.items():
        parser = user_commands.add_parser(name, help=helptext)
        _common(parser, reason=False)
        parser.set_defaults(run=user_undo, action=action)


def _common(parser: argparse.ArgumentParser, *, reason: bool = True) -> None:
    parser.add_argument("name", help="a local username, or user@domain for a remote account")
    if reason:
        parser.add_argument("--reason", default="", help="why (recorded; a warning's text for the member)")
    parser.add_argument("--as", dest="as_name", metavar="NAME",
                        help="record the action as this staff account (default: the operator)")


async def _target(session: Any, name: str) -> accounts.Target:
    username, _, domain = name.removeprefix("@").partition("@")
    if not domain:
        return await accounts.local_target(session, username)
    actor = await session.scalar(select(Actor).where(Actor.domain == normalize_domain(domain),
                                                     func.lower(Actor.username) == username.lower()))
    if actor is None:
        raise NotFound(f"no known account {name}")
    return accounts.Target(actor, None)


async def user_list(args: argparse.Namespace) -> int:
    config = load(args.config)
    async with open_database(config) as engine, session_maker(engine)() as session:
        rows = (await session.execute(select(Actor, User).join(User, User.actor_id == Actor.id)
                                      .order_by(User.id))).all()
    shown = [(actor, user, accounts.state_of(actor, user)) for actor, user in rows]
    shown = [row for row in shown if args.state is None or row[2] == args.state]
    print(f"{'USERNAME':20} {'ROLE':10} {'STATE':10} {'EMAIL':32} REASON")
    for actor, user, state in shown:
        reason = user.sign_up_reason.replace("\n", " ") if state == "pending" else ""
        print(f"{actor.username:20} {user.role:10} {state:10} {user.email:32} {reason}".rstrip())
    return 0


async def user_decide(args: argparse.Namespace) -> int:
    config = load(args.config)
    async with write_session(config) as session:
        staff = await acting(session, args.as_name)
        who = await _target(session, args.name)
        if args.decision == "approve":
            await accounts.approve(session, staff, who)
        else:
            await accounts.reject(session, staff, who)
    print(f"{args.name} is approved and can sign in" if args.decision == "approve"
          else f"{args.name}'s sign-up is rejected: the account is deleted")
    return 0


async def user_act(args: argparse.Namespace) -> int:
    if getattr(args, "enable", False):
        args.action = "enable"
        return await user_undo(args)
    config = load(args.config)
    async with write_session(config) as session:
        staff = await acting(session, args.as_name)
        await accounts.act(session, config, staff, await _target(session, args.name), args.action,
                           text=args.reason, send_notification=not args.no_notify)
    done = {"none": "warned", "silence": "limited", "sensitive": "marked sensitive", "disable": "disabled",
            "suspend": "suspended"}[args.action]
    print(f"{args.name} is {done}")
    if args.action == "suspend" and "@" not in args.name:
        days = config.limits.suspension_grace_seconds / 86400
        print(f"its data will be deleted in {days:g} days unless you run `amity user unsuspend {args.name}`")
    return 0


async def user_undo(args: argparse.Namespace) -> int:
    config = load(args.config)
    async with write_session(config) as session:
        staff = await acting(session, args.as_name)
        await accounts.undo(session, staff, await _target(session, args.name), args.action)
    done = {"unsilence": "no longer limited", "unsensitive": "no longer marked sensitive",
            "enable": "enabled", "unsuspend": "no longer suspended"}[args.action]
    print(f"{args.name} is {done}")
    return 0
