"""Domain rules as federation sees them: may we talk to this server at all?"""

from __future__ import annotations

import functools

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage import settings
from storage.domain_names import normalize_domain
from storage.models import DomainRule


@functools.lru_cache(maxsize=4096)
def parent_domains(domain: str) -> tuple[str, ...]:
    """`a.b.example:8443` → [`a.b.example:8443`, `a.b.example`, `b.example`, `example`]:
    a rule on a domain covers its subdomains (as Mastodon's domain blocks do). Any spelling
    of `domain` is accepted (`A.B.Example.:443`); the answer is canonical, as stored rules are."""
    domain = normalize_domain(domain)
    host = domain.split(":")[0] if not domain.startswith("[") else domain
    labels = host.split(".")
    found = [domain] if domain != host else []
    found += [".".join(labels[i:]) for i in range(len(labels))]
    return tuple(found)


async def policy_for(session: AsyncSession, domain: str) -> str | None:
    """The most specific rule's policy (suspend, silence, allow), or None."""
    candidates = parent_domains(domain)
    rows = dict((await session.execute(
        select(DomainRule.domain, DomainRule.policy).where(DomainRule.domain.in_(candidates))
    )).all())
    for candidate in candidates:
        if candidate in rows:
            return rows[candidate]
    return None


def refusal(domain: str, policy: str | None, *, allowlist: bool) -> str | None:
    """The one rule: why `domain`, whose most specific rule is `policy`, is refused, or None."""
    if policy == "suspend":
        return f"{domain} is suspended on this server"
    if policy != "allow" and allowlist:
        return f"{domain} is not a partner of this server (allowlist mode)"
    return None


async def federation_refused(session: AsyncSession, domain: str) -> str | None:
    """Why this node must not exchange anything with `domain`, or None if it may."""
    return refusal(domain, await policy_for(session, domain),
                   allowlist=await settings.get(session, "federation_mode") == "allowlist")
