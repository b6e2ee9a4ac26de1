"""Admin commands: user (create, set-role, reset-password; the moderation actions are in
`ui.cli.accounts`), settings, queue."""

from __future__ import annotations

import argparse
import json
from typing import Any

from actors.accounts import local_users
from actors.accounts.passwords import generate_password
from actors.moderation.audit import record, require
from storage import queue, settings
from storage.db import session_maker
from storage.models import ROLES
from ui.cli.moderation import acting
from ui.runtime import load, open_database, prompt_password, write_session


def add_commands(commands: Any) -> Any:
    """Add the admin commands; the `user` command's subparsers, for other modules' actions."""
    user_commands = _add_user(commands)
    _add_settings(commands)
    _add_queue(commands)
    return user_commands


def _add_user(commands: Any) -> Any:
    user = commands.add_parser("user", help="manage local accounts",
                               description="Create and manage local accounts.")
    sub = user.add_subparsers(dest="user_command", metavar="ACTION", required=True)
    create = sub.add_parser("create", help="create an account")
    create.add_argument("name")
    create.add_argument("--email", required=True)
    create.add_argument("--password", help="default: prompt for it")
    create.add_argument("--role", choices=ROLES, default="member")
    create.set_defaults(run=user_create)
    set_role = sub.add_parser("set-role", help="change an account's role")
    set_role.add_argument("name")
    set_role.add_argument("role", choices=ROLES)
    set_role.set_defaults(run=user_set_role)
    reset = sub.add_parser("reset-password", help="set a new password")
    reset.add_argument("name")
    reset.add_argument("--password", help="default: a random one, printed")
    reset.set_defaults(run=user_reset_password)
    return sub


def _add_settings(commands: Any) -> None:
    parser = commands.add_parser("settings", help="read or change instance settings",
                                 description="Instance settings kept in the database.")
    sub = parser.add_subparsers(dest="settings_command", metavar="ACTION", required=True)
    get = sub.add_parser("get", help="show one setting, or all")
    get.add_argument("key", nargs="?")
    get.set_defaults(run=settings_get)
    set_ = sub.add_parser("set", help="change a setting")
    set_.add_argument("key")
    set_.add_argument("value")
    set_.add_argument("--as", dest="as_name", metavar="NAME",
                      help="record the change as this staff account (default: the operator)")
    set_.set_defaults(run=settings_set)


def _add_queue(commands: Any) -> None:
    parser = commands.add_parser("queue", help="inspect and retry background jobs",
                                 description="Background job queues.")
    sub = parser.add_subparsers(dest="queue_command", metavar="ACTION", required=True)
    sub.add_parser("stats", help="jobs per queue and kind").set_defaults(run=queue_stats)
    retry = sub.add_parser("retry", help="put dead jobs back in the queue")
    retry.add_argument("--kind", help="only jobs of this kind")
    retry.add_argument("--queue", help="only jobs in this queue")
    retry.set_defaults(run=queue_retry)


# -- user ------------------------------------------------------------------------------

async def user_create(args: argparse.Namespace) -> int:
    config = load(args.config)
    password = args.password if args.password is not None else prompt_password()
    async with write_session(config) as session:
        await local_users.create_local_user(
                session, base_url=config.base_url, username=args.name, email=args.email,
                password=password, role=args.role)
    print(f"created {args.role} {args.name} <{args.email.strip().lower()}>")
    return 0


async def user_set_role(args: argparse.Namespace) -> int:
    config = load(args.config)
    async with write_session(config) as session:
        await local_users.set_role(session, args.name, args.role)
    print(f"{args.name} is now {args.role}")
    return 0


async def user_reset_password(args: argparse.Namespace) -> int:
    config = load(args.config)
    password = args.password or generate_password()
    async with write_session(config) as session:
        await local_users.reset_password(session, args.name, password)
    print(f"password of {args.name} changed" + ("" if args.password else f": {password}"))
    return 0


# -- settings --------------------------------------------------------------------------

async def settings_get(args: argparse.Namespace) -> int:
    config = load(args.config)
    if args.key:
        settings.definition(args.key)  # unknown keys fail before touching the database
    async with open_database(config) as engine, session_maker(engine)() as session:
        if args.key:
            print(_show(await settings.get(session, args.key)))
            return 0
        values = await settings.get_all(session)
    for key, value in values.items():
        print(f"{key} = {_show(value)}")
    return 0


async def settings_set(args: argparse.Namespace) -> int:
    config = load(args.config)
    value = settings.parse_value(args.key, args.value)
    async with write_session(config) as session:
        staff = await acting(session, args.as_name)
        require(staff, "manage_settings")
        before = await settings.get(session, args.key)
        await settings.set_value(session, args.key, value)
        await record(session, staff, "setting.update", "setting", args.key, before=before, after=value)
    print(f"{args.key} = {_show(value)}")
    return 0


def _show(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


# -- queue -----------------------------------------------------------------------------

async def queue_stats(args: argparse.Namespace) -> int:
    config = load(args.config)
    async with open_database(config) as engine:
        rows = await queue.stats(engine)
    print(f"{'QUEUE':10} {'KIND':28} {'READY':>7} {'RUNNING':>8} {'DELAYED':>8} {'DEAD':>6}")
    for r in rows:
        print(f"{r.queue:10} {r.kind:28} {r.ready:7} {r.running:8} {r.delayed:8} {r.dead:6}")
    if not rows:
        print("(no jobs)")
    return 0


async def queue_retry(args: argparse.Namespace) -> int:
    config = load(args.config)
    async with open_database(config) as engine:
        count = await queue.retry_dead(engine, kind=args.kind, queue=args.queue)
    print(f"{count} dead job{'s' if count != 1 else ''} queued again")
    return 0
