"""Admins' rules for incoming posts: validated, stored in order, changed only with an audit entry.

The inbox applies them (`inbox/policies.py`); this module owns what a valid rule is: its pattern
must compile (`PolicyRule.pattern`, the `regex` package), so a broken pattern is refused before
anything is stored.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import regex
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from actors.moderation.audit import Staff, record, require
from storage.errors import Invalid, NotFound
from storage.models import RULE_ACTIONS, RULE_KINDS, InboxItem, PolicyRule
from storage.models.policies import compiled_pattern
from storage.queries import policy_rules_in_order

PERMISSION = "manage_federation"
MAX_VALUE_CHARS = 500
# What each kind of rule may do: a limit on mentions only rejects; a new account's posts are
# rejected or marked sensitive.
ACTIONS_OF = {"keyword": RULE_ACTIONS, "hashtag": RULE_ACTIONS, "max_mentions": ("reject",),
              "new_account": ("reject", "sensitive")}
REJECTED_PREFIX = "rejected by policy: rule "


def validate(kind: str, value: str, action: str, is_regex: bool) -> str:
    """The value as stored, or Invalid with what is wrong."""
    if kind not in RULE_KINDS:
        raise Invalid(f"kind must be one of {', '.join(RULE_KINDS)}")
    if action not in ACTIONS_OF[kind]:
        raise Invalid(f"a {kind} rule's action must be one of {', '.join(ACTIONS_OF[kind])}")
    value = value.strip()
    if kind == "hashtag":
        value = value.removeprefix("#").lower()
    if not value or len(value) > MAX_VALUE_CHARS:
        raise Invalid(f"value must be 1 to {MAX_VALUE_CHARS} characters")
    if is_regex and kind != "keyword":
        raise Invalid("only keyword rules can be regular expressions")
    if kind in ("max_mentions", "new_account"):
        if not value.isdigit() or not 0 < int(value) <= 1_000_000:
            raise Invalid(f"a {kind} rule's value must be a whole number from 1 to 1000000")
        value = str(int(value))
    if kind == "hashtag" and not regex.fullmatch(r"\w+", value):
        raise Invalid("a hashtag is letters, digits and underscores")
    if kind == "keyword":
        try:
            compiled_pattern(value, is_regex)
        except regex.error as exc:
            raise Invalid(f"the pattern does not compile: {exc}") from None
    return value


async def add_rule(session: AsyncSession, staff: Staff, *, kind: str, value: str, action: str,
                   is_regex: bool = False, enabled: bool = True) -> PolicyRule:
    require(staff, PERMISSION)
    value = validate(kind, value, action, is_regex)
    last = await session.scalar(select(func.max(PolicyRule.position)))
    rule = PolicyRule(kind=kind, value=value, regex=is_regex, action=action, enabled=enabled,
                      position=(last or 0) + 1, created_by=staff.label)
    session.add(rule)
    await session.flush()
    await record(session, staff, "policy_rule.create", "policy_rule", str(rule.id), kind=kind,
                 value=value, regex=is_regex, rule_action=action, enabled=enabled)
    return rule


async def _get(session: AsyncSession, rule_id: int) -> PolicyRule:
    rule = await session.get(PolicyRule, rule_id)
    if rule is None:
        raise NotFound(f"no policy rule #{rule_id}")
    return rule


async def remove_rule(session: AsyncSession, staff: Staff, rule_id: int) -> PolicyRule:
    require(staff, PERMISSION)
    rule = await _get(session, rule_id)
    await record(session, staff, "policy_rule.destroy", "policy_rule", str(rule.id), kind=rule.kind,
                 value=rule.value, regex=rule.regex, rule_action=rule.action)
    await session.delete(rule)
    await session.flush()
    return rule


async def move_rule(session: AsyncSession, staff: Staff, rule_id: int, position: int) -> PolicyRule:
    """Put the rule at `position` (1 is first; past the end is last); the others keep their order."""
    require(staff, PERMISSION)
    rule = await _get(session, rule_id)
    if position < 1:
        raise Invalid("position must be 1 or more")
    ordered = [r for r in await policy_rules_in_order(session) if r.id != rule.id]
    ordered.insert(min(position, len(ordered) + 1) - 1, rule)
    before = rule.position
    for number, each in enumerate(ordered, start=1):
        each.position = number
    await record(session, staff, "policy_rule.move", "policy_rule", str(rule.id),
                 from_position=before, to_position=rule.position)
    await session.flush()
    return rule


@dataclass(frozen=True)
class Rejection:
    activity_id: str
    actor_uri: str
    at: datetime
    reason: str  # "#12 (keyword 'spam': reject)"

    @property
    def rule_id(self) -> int | None:
        number = self.reason.removeprefix("#").split(" ", 1)[0]
        return int(number) if number.isdigit() else None


async def rejections(session: AsyncSession, *, limit: int = 50) -> list[Rejection]:
    """The newest posts refused by a rule (kept as long as inbox items are kept)."""
    found = await session.execute(
        select(InboxItem.activity_id, InboxItem.actor_uri, InboxItem.processed_at, InboxItem.error)
        .where(InboxItem.error.startswith(REJECTED_PREFIX, autoescape=True))
        .order_by(InboxItem.processed_at.desc(), InboxItem.id.desc()).limit(limit))
    return [Rejection(activity_id, actor_uri, at, (error or "").removeprefix(REJECTED_PREFIX))
            for activity_id, actor_uri, at, error in found.all() if at is not None]


async def rejection_counts(session: AsyncSession) -> dict[int, int]:
    """How many kept inbox items each rule rejected, by rule id."""
    counts: dict[int, int] = {}
    for each in await rejections(session, limit=10_000):
        if each.rule_id is not None:
            counts[each.rule_id] = counts.get(each.rule_id, 0) + 1
    return counts
