"""`amity policy list|add|remove|move|rejections`: the admins' rules for incoming posts.

Every change is recorded in the audit log, as the operator or as the staff account named by
`--as` (which needs the manage_federation permission).
"""

from __future__ import annotations

import argparse
from typing import Any

from actors.moderation import policy_rules
from storage.db import session_maker
from storage.models import RULE_ACTIONS, RULE_KINDS
from storage.queries import policy_rules_in_order
from ui.cli.moderation import acting
from ui.runtime import load, open_database, write_session


def add_commands(commands: Any) -> None:
    parser = commands.add_parser(
        "policy", help="rules for incoming posts: keywords, hashtags, mentions, new accounts",
        description="Rules applied, in order, to every post arriving from other servers: reject it, "
                    "mark it sensitive, or keep it off the public timelines (unlisted).")
    sub = parser.add_subparsers(dest="policy_command", metavar="ACTION", required=True)
    sub.add_parser("list", help="the rules in order, with how many posts each rejected").set_defaults(
        run=policy_list)
    add = sub.add_parser("add", help="add a rule at the end",
                         description="keyword: a word or phrase, matched as whole words (--regex: a "
                                     "pattern); hashtag: a tag; max_mentions: a number of mentions "
                                     "above which posts are rejected; new_account: hours since the "
                                     "author was first seen here.")
    add.add_argument("kind", choices=RULE_KINDS)
    add.add_argument("value", help="the word, pattern, tag or number")
    add.add_argument("--action", required=True, choices=RULE_ACTIONS,
                     help="reject; sensitive: mark it sensitive; unlisted: off the public timelines")
    add.add_argument("--regex", action="store_true", help="the keyword is a regular expression")
    add.add_argument("--disabled", action="store_true", help="store the rule without applying it yet")
    _add_as(add)
    add.set_defaults(run=policy_add)
    remove = sub.add_parser("remove", help="remove a rule")
    remove.add_argument("id", type=int)
    _add_as(remove)
    remove.set_defaults(run=policy_remove)
    move = sub.add_parser("move", help="change where a rule runs (1 is first)")
    move.add_argument("id", type=int)
    move.add_argument("position", type=int)
    _add_as(move)
    move.set_defaults(run=policy_move)
    recent = sub.add_parser("rejections", help="the newest posts the rules rejected, and which rule")
    recent.add_argument("--limit", type=int, default=50)
    recent.set_defaults(run=policy_rejections)


def _add_as(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--as", dest="as_name", metavar="NAME",
                        help="record the action as this staff account (default: the operator)")


async def policy_list(args: argparse.Namespace) -> int:
    config = load(args.config)
    async with open_database(config) as engine, session_maker(engine)() as session:
        found = await policy_rules_in_order(session)
        counts = await policy_rules.rejection_counts(session)
    if not found:
        print("(no rules)")
        return 0
    print(f"{'POS':>3} {'ID':>20} {'STATE':8} {'REJECTED':>8}  RULE")
    for rule in found:
        state = "enabled" if rule.enabled else "disabled"
        print(f"{rule.position:>3} {rule.id:>20} {state:8} {counts.get(rule.id, 0):>8}  "
              f"{rule.describe()}")
    return 0


async def policy_add(args: argparse.Namespace) -> int:
    config = load(args.config)
    async with write_session(config) as session:
        rule = await policy_rules.add_rule(session, await acting(session, args.as_name), kind=args.kind,
                                           value=args.value, action=args.action, is_regex=args.regex,
                                           enabled=not args.disabled)
        print(f"added rule {rule.describe()} at position {rule.position}")
    return 0


async def policy_remove(args: argparse.Namespace) -> int:
    config = load(args.config)
    async with write_session(config) as session:
        rule = await policy_rules.remove_rule(session, await acting(session, args.as_name), args.id)
        print(f"removed rule {rule.describe()}")
    return 0


async def policy_move(args: argparse.Namespace) -> int:
    config = load(args.config)
    async with write_session(config) as session:
        rule = await policy_rules.move_rule(session, await acting(session, args.as_name), args.id,
                                            args.position)
        print(f"rule #{rule.id} is now at position {rule.position}")
    return 0


async def policy_rejections(args: argparse.Namespace) -> int:
    config = load(args.config)
    async with open_database(config) as engine, session_maker(engine)() as session:
        found = await policy_rules.rejections(session, limit=max(1, args.limit))
    if not found:
        print("(no posts rejected by a rule)")
    for each in found:
        print(f"{each.at:%Y-%m-%d %H:%M}  {each.actor_uri}  {each.activity_id}  rule {each.reason}")
    return 0
