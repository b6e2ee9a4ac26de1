"""Rules about whole servers, as moderators make them: set, change, remove, list.

One row per domain (`domain_rules`): a block (`suspend`, `silence`, or `noop` with only its
flags) or a partner (`allow`, the servers an allowlist node federates with). A rule covers the
domain's subdomains too (`storage.queries.parent_domains`). Every change is written with its
audit-log entry in the same transaction; processes pick rules up within
`federation.domain_rules.RULES_TTL` seconds.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from actors.moderation.audit import Staff, record, require
from actors.moderation.domain_purge import start_purge
from storage.domain_names import normalize_domain
from storage.errors import Invalid
from storage.models import DOMAIN_POLICIES, DomainRule

BLOCK_POLICIES = ("suspend", "silence", "noop")
MAX_COMMENT_CHARS = 1000


@dataclass(frozen=True)
class RuleChange:
    """What a moderator decides about a domain."""

    policy: str
    reject_media: bool = False
    reject_reports: bool = False
    obfuscate: bool = False
    public_comment: str = ""
    private_comment: str = ""


def kind_of(policy: str) -> str:
    """The audit log's and the admin API's name for a rule: a block or an allow."""
    return "domain_allow" if policy == "allow" else "domain_block"


def _check(change: RuleChange) -> None:
    if change.policy not in DOMAIN_POLICIES:
        raise Invalid(f"unknown policy {change.policy!r}: use one of {', '.join(DOMAIN_POLICIES)}")
    for name in ("public_comment", "private_comment"):
        if len(getattr(change, name)) > MAX_COMMENT_CHARS:
            raise Invalid(f"{name} is longer than {MAX_COMMENT_CHARS} characters")
    if change.policy == "allow" and (change.reject_media or change.reject_reports or change.obfuscate):
        raise Invalid("a partner (allow) rule takes no reject or obfuscate flags")


def state_of(rule: DomainRule) -> dict[str, Any]:
    return {"policy": rule.policy, "reject_media": rule.reject_media,
            "reject_reports": rule.reject_reports, "obfuscate": rule.obfuscate,
            "public_comment": rule.public_comment, "private_comment": rule.private_comment}


async def set_rule(session: AsyncSession, staff: Staff, domain: str, change: RuleChange, *,
                   reason: str = "") -> DomainRule:
    """Create or change the rule for `domain` (any spelling; stored canonical)."""
    require(staff, "manage_federation")
    _check(change)
    canonical = normalize_domain(domain)
    rule = await session.get(DomainRule, canonical)
    before = None if rule is None else state_of(rule)
    if rule is None:
        rule = DomainRule(domain=canonical, **asdict(change))
        session.add(rule)
        action = f"{kind_of(change.policy)}.create"
        before_policy = None
    else:
        for name, value in asdict(change).items():
            setattr(rule, name, value)
        assert before is not None
        before_policy = str(before["policy"])
        same_kind = kind_of(rule.policy) == kind_of(str(before["policy"]))
        action = f"{kind_of(change.policy)}.{'update' if same_kind else 'create'}"
    await session.flush()
    await record(session, staff, action, "domain", canonical, reason=reason, before=before,
                 after=state_of(rule))
    if rule.policy == "suspend" and before_policy != "suspend":
        await start_purge(session, canonical)
    return rule


async def remove_rule(session: AsyncSession, staff: Staff, domain: str, *, reason: str = "") -> DomainRule:
    """Remove the rule for `domain`; Invalid if there is none."""
    require(staff, "manage_federation")
    canonical = normalize_domain(domain)
    rule = await session.get(DomainRule, canonical)
    if rule is None:
        raise Invalid(f"there is no rule for {canonical}")
    before = state_of(rule)
    await session.delete(rule)
    await session.flush()
    await record(session, staff, f"{kind_of(rule.policy)}.destroy", "domain", canonical, reason=reason,
                 before=before)
    return rule


def rules_query(policies: Sequence[str] = DOMAIN_POLICIES) -> Select[DomainRule]:
    """Rules with one of `policies` (page it by `DomainRule.id`)."""
    return select(DomainRule).where(DomainRule.policy.in_(list(policies)))


async def rules(session: AsyncSession, *, policies: Sequence[str] = DOMAIN_POLICIES) -> list[DomainRule]:
    """Every rule with one of `policies`, by domain."""
    return list((await session.scalars(rules_query(policies).order_by(DomainRule.domain))).all())


async def rule_by_id(session: AsyncSession, rule_id: int, *, policies: Sequence[str]) -> DomainRule | None:
    return await session.scalar(select(DomainRule).where(DomainRule.id == rule_id,
                                                         DomainRule.policy.in_(list(policies))))


def digest(domain: str) -> str:
    """Mastodon's `digest` of a blocked domain: SHA-256 hex, so a client can check a domain it
    knows against an obfuscated entry."""
    return hashlib.sha256(domain.encode()).hexdigest()


def obfuscated(domain: str) -> str:
    """The domain with its middle letters hidden (`ba**.example` style), label by label, for
    rules a moderator asked to obfuscate; the last label (the TLD) stays readable."""
    *names, tld = domain.split(".")
    return ".".join([*(_hide(name) for name in names), tld])


def _hide(label: str) -> str:
    keep = max(1, len(label) // 4)
    if len(label) <= 2:
        return "*" * len(label)
    return label[:keep] + "*" * (len(label) - 2 * keep) + label[-keep:]
