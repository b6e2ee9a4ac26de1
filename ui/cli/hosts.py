"""`amity hosts list|show|retry`: delivery health per remote server, and retrying one now."""

from __future__ import annotations

import argparse
from datetime import datetime
from typing import Any

from actors.moderation import hosts
from storage.db import session_maker
from ui.cli.moderation import acting
from ui.runtime import CliError, load, open_database, write_session


def add_commands(commands: Any) -> None:
    parser = commands.add_parser(
        "hosts", help="delivery health of other servers: failing ones, why, and retrying now",
        description="Servers this node delivers to: whether they answer, since when they fail, why "
                    "the last delivery failed, and how many deliveries wait for them.")
    sub = parser.add_subparsers(dest="hosts_command", metavar="ACTION", required=True)
    listing = sub.add_parser("list", help="servers, the failing ones first")
    listing.add_argument("--failing", action="store_true", help="only servers that are failing")
    listing.set_defaults(run=hosts_list)
    show = sub.add_parser("show", help="one server's delivery health, with its last error")
    show.add_argument("domain")
    show.set_defaults(run=hosts_show)
    retry = sub.add_parser("retry", help="forget a server's failures and deliver to it now")
    retry.add_argument("domain")
    retry.add_argument("--as", dest="as_name", metavar="NAME",
                       help="record the action as this staff account (default: the operator)")
    retry.set_defaults(run=hosts_retry)


def _when(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M") if value else "-"


async def hosts_list(args: argparse.Namespace) -> int:
    config = load(args.config)
    async with open_database(config) as engine, session_maker(engine)() as session:
        found = await hosts.host_health(session, failing_only=args.failing)
    if not found:
        print("(no failing servers)" if args.failing else "(no deliveries made yet)")
        return 0
    print(f"{'DOMAIN':36} {'STATE':12} {'FAILURES':>8} {'QUEUED':>7}  {'LAST SUCCESS':16}  NEXT TRY")
    for host in found:
        print(f"{host.domain:36} {host.state:12} {host.consecutive_failures:>8} {host.queued:>7}  "
              f"{_when(host.last_success_at):16}  {_when(host.next_try_at)}")
    return 0


async def hosts_show(args: argparse.Namespace) -> int:
    config = load(args.config)
    async with open_database(config) as engine, session_maker(engine)() as session:
        found = await hosts.host_health(session, domain=args.domain)
    if not found:
        raise CliError(f"no deliveries were ever made to {args.domain}")
    host = found[0]
    for label, value in (("domain", host.domain), ("state", host.state),
                         ("consecutive failures", host.consecutive_failures),
                         ("failing since", _when(host.failing_since)), ("next try", _when(host.next_try_at)),
                         ("last success", _when(host.last_success_at)),
                         ("last signed request from it", _when(host.last_seen_at)),
                         ("deliveries waiting", host.queued),
                         ("last error", f"{host.last_error} ({_when(host.last_error_at)})"
                          if host.last_error else "-")):
        print(f"{label + ':':30} {value}")
    return 0


async def hosts_retry(args: argparse.Namespace) -> int:
    config = load(args.config)
    async with write_session(config) as session:
        waiting = await hosts.retry_host(session, await acting(session, args.as_name), args.domain)
    print(f"{args.domain}: failures forgotten; {waiting} waiting deliveries run now")
    return 0
