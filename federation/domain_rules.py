"""Domain rules as this process sees them: the one place every layer asks.

The SQL (and the one refusal rule) is in `storage.queries`; this module keeps what a
process remembers of it:

- `DomainPolicy`: the rules and the federation mode at one moment, for many domains without
  a query each (fan-out, delivery);
- `DomainRulesSnapshot`: this process's `DomainPolicy`, reloaded after a few seconds, for hot
  paths (inbox POSTs, signed GETs, deliveries) that must not query the rules every time;
- `DomainRules`: the suspended and silenced domains, which timelines filter out.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage import settings
from storage.models import DomainRule
from storage.queries import parent_domains, refusal
from storage.ttl_cache import Snapshot

RULES_TTL = 5.0  # seconds a process trusts its snapshot of the domain rules


@dataclass(frozen=True)
class DomainPolicy:
    """The domain rules at one moment: `storage.queries.federation_refused` for many
    domains without a query each."""

    rules: dict[str, str]
    allowlist: bool

    def refusal(self, domain: str) -> str | None:
        policy = next((self.rules[d] for d in parent_domains(domain) if d in self.rules), None)
        return refusal(domain, policy, allowlist=self.allowlist)


async def load_domain_policy(session: AsyncSession) -> DomainPolicy:
    rules = {domain: policy for domain, policy in
             (await session.execute(select(DomainRule.domain, DomainRule.policy))).all()}
    return DomainPolicy(rules, await settings.get(session, "federation_mode") == "allowlist")


class DomainRulesSnapshot:
    """This process's `DomainPolicy` (lives on `Services`)."""

    def __init__(self) -> None:
        self._policy = Snapshot(load_domain_policy)

    async def policy(self, sessions: async_sessionmaker[AsyncSession], ttl: float = RULES_TTL
                     ) -> DomainPolicy:
        return await self._policy.get(sessions, ttl)

    async def refusal(self, sessions: async_sessionmaker[AsyncSession], domain: str) -> str | None:
        """`federation_refused` from the snapshot (at most RULES_TTL old)."""
        return (await self.policy(sessions)).refusal(domain)


@dataclass(frozen=True)
class DomainRules:
    suspended: tuple[str, ...] = ()
    silenced: tuple[str, ...] = ()


async def load_domain_rules(session: AsyncSession) -> DomainRules:
    """Suspended and silenced domains (a small table, read once per page)."""
    rows = (await session.execute(select(DomainRule.domain, DomainRule.policy).where(
        DomainRule.policy.in_(("suspend", "silence"))))).all()
    return DomainRules(suspended=tuple(d for d, p in rows if p == "suspend"),
                       silenced=tuple(d for d, p in rows if p == "silence"))
