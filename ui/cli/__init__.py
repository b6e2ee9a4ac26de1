"""The `amity` command. Every failure ends in one line on stderr and a non-zero exit."""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from collections.abc import Awaitable, Callable, Sequence
from typing import NoReturn

from ui.cli import (
    accounts,
    admin,
    announcements,
    audit,
    content,
    hosts,
    media,
    members,
    moderation,
    node,
    policies,
    reports,
    signup_blocks,
)
from ui.runtime import CliError, describe_failure

Command = Callable[[argparse.Namespace], Awaitable[int] | int]

EXIT_USAGE = 2


class Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line that says where to look."""

    def error(self, message: str) -> NoReturn:
        sys.stderr.write(f"{self.prog}: {message} (see `{self.prog} --help`)\n")
        sys.exit(EXIT_USAGE)


def build_parser() -> Parser:
    parser = Parser(prog="amity", description="Amity: a federated social network server for "
                    "community centres, classrooms and libraries.")
    parser.add_argument("--config", help="path to amity.toml (default: $AMITY_CONFIG, else ./amity.toml, "
                        "else ./data/amity.toml, the node `make run` made)")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=Parser)
    commands.required = True
    node.add_commands(commands)
    user_commands = admin.add_commands(commands)
    members.add_commands(commands, user_commands)
    accounts.add_commands(user_commands)
    media.add_commands(commands)
    content.add_commands(commands)
    announcements.add_commands(commands)
    moderation.add_commands(commands)
    audit.add_commands(commands)
    hosts.add_commands(commands)
    reports.add_commands(commands)
    signup_blocks.add_commands(commands)
    policies.add_commands(commands)
    return parser


async def _await(result: Awaitable[int]) -> int:
    return await result


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    run: Command = args.run
    try:
        result = run(args)
        if isinstance(result, int):
            return result
        return asyncio.run(_await(result))
    except CliError as exc:
        sys.stderr.write(f"amity: {exc}\n")
        return exc.exit_code
    except KeyboardInterrupt:
        return 130
    except Exception as exc:
        if os.environ.get("AMITY_DEBUG"):
            raise
        sys.stderr.write(f"amity: {describe_failure(exc)}\n")
        return 1

