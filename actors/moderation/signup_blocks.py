"""Sign-ups refused by e-mail address, e-mail domain or IP range (Mastodon's
canonical_email_blocks, email_domain_blocks and ip_blocks), and the check sign-up runs.

- A canonical e-mail block keeps only the SHA-256 of the address's canonical form (lower
  case, dots and a `+tag` dropped from the local part, as Mastodon), so the list does not
  hold the addresses themselves. A match is refused as "has already been taken" (Mastodon
  does not say the address is blocked).
- An e-mail domain block covers the domain and its subdomains: "uses a disallowed e-mail
  provider". A valid invite skips both (as Mastodon).
- An IP block is a CIDR range with a severity: `sign_up_block` and `no_access` refuse
  sign-ups from it ("This action is not allowed", invite or not), `sign_up_requires_approval`
  makes the new account wait for a moderator. Expired blocks do nothing.

Every change writes its audit-log entry in the caller's transaction.
"""

from __future__ import annotations

import hashlib
import ipaddress
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from actors.moderation.audit import Staff, record, require
from storage.domain_names import normalize_domain
from storage.errors import Conflict, Forbidden, Invalid, NotFound
from storage.models import IP_SEVERITIES, CanonicalEmailBlock, EmailDomainBlock, IpBlock, utcnow
from storage.queries import parent_domains

PERMISSION = "manage_blocks"
TAKEN = "Validation failed: Email has already been taken"
DISALLOWED_PROVIDER = "Validation failed: Email uses a disallowed e-mail provider"
NOT_ALLOWED = "This action is not allowed"
MAX_COMMENT_CHARS = 1000


def canonical_email(email: str) -> str:
    local, _, domain = email.strip().lower().partition("@")
    return f"{local.replace('.', '').split('+', 1)[0]}@{domain}"


def canonical_email_hash(email: str) -> str:
    return hashlib.sha256(canonical_email(email).encode()).hexdigest()


def network(ip: str) -> str:
    """A CIDR in its normal form (`192.0.2.7/24` → `192.0.2.0/24`; a bare address: /32 or /128)."""
    try:
        return str(ipaddress.ip_network(ip.strip(), strict=False))
    except ValueError:
        raise Invalid(f"{ip!r} is not an IP address or range (e.g. 192.0.2.0/24)") from None


# -- the check sign-up runs ------------------------------------------------------------------

async def ip_severity(session: AsyncSession, ip: str | None) -> str | None:
    """The most severe live block covering `ip`, or None."""
    if not ip:
        return None
    try:
        address = ipaddress.ip_address(ip)
    except ValueError:
        return None
    now = utcnow()
    blocks = (await session.scalars(select(IpBlock).where(
        or_(IpBlock.expires_at.is_(None), IpBlock.expires_at > now)))).all()
    found = [b.severity for b in blocks if address in ipaddress.ip_network(b.ip, strict=False)]
    return max(found, key=IP_SEVERITIES.index) if found else None


async def email_refusal(session: AsyncSession, email: str) -> str | None:
    """Mastodon's message for a blocked address, or None."""
    domain = email.rpartition("@")[2]
    if domain and await session.scalar(select(EmailDomainBlock.id).where(
            EmailDomainBlock.domain.in_(parent_domains(normalize_domain(domain))))) is not None:
        return DISALLOWED_PROVIDER
    if await session.scalar(select(CanonicalEmailBlock.id).where(
            CanonicalEmailBlock.canonical_email_hash == canonical_email_hash(email))) is not None:
        return TAKEN
    return None


async def check_sign_up(session: AsyncSession, email: str, ip: str | None, *, invited: bool) -> bool:
    """Refuse a blocked sign-up (Forbidden or Invalid, Mastodon's wording); True when the IP
    range makes the account wait for approval."""
    severity = await ip_severity(session, ip)
    if severity in ("sign_up_block", "no_access"):
        raise Forbidden(NOT_ALLOWED)
    if not invited and (refused := await email_refusal(session, email)) is not None:
        raise Invalid(refused)
    return severity == "sign_up_requires_approval"


# -- moderators' changes ---------------------------------------------------------------------

async def block_email(session: AsyncSession, staff: Staff, *, email: str | None = None,
                      digest: str | None = None) -> CanonicalEmailBlock:
    require(staff, PERMISSION)
    if email:
        digest = canonical_email_hash(email)
    if not digest or len(digest) != 64 or any(c not in "0123456789abcdef" for c in digest.lower()):
        raise Invalid("give an email, or a canonical_email_hash (64 hexadecimal digits)")
    digest = digest.lower()
    if await session.scalar(select(CanonicalEmailBlock.id).where(
            CanonicalEmailBlock.canonical_email_hash == digest)) is not None:
        raise Conflict("Validation failed: Canonical email hash has already been taken")
    block = CanonicalEmailBlock(canonical_email_hash=digest)
    session.add(block)
    await session.flush()
    await record(session, staff, "canonical_email_block.create", "canonical_email", digest)
    return block


async def block_email_domain(session: AsyncSession, staff: Staff, domain: str) -> EmailDomainBlock:
    require(staff, PERMISSION)
    name = normalize_domain(domain.strip().lstrip("@"))
    if not name or "." not in name:
        raise Invalid(f"{domain!r} is not an e-mail domain")
    if await session.scalar(select(EmailDomainBlock.id).where(EmailDomainBlock.domain == name)) is not None:
        raise Conflict("Validation failed: Domain has already been taken")
    block = EmailDomainBlock(domain=name)
    session.add(block)
    await session.flush()
    await record(session, staff, "email_domain_block.create", "email_domain", name)
    return block


async def block_ip(session: AsyncSession, staff: Staff, ip: str, severity: str, *, comment: str = "",
                   expires_at: datetime | None = None) -> IpBlock:
    require(staff, PERMISSION)
    cidr = network(ip)
    _check_ip_fields(severity, comment)
    if await session.scalar(select(IpBlock.id).where(IpBlock.ip == cidr)) is not None:
        raise Conflict("Validation failed: Ip has already been taken")
    block = IpBlock(ip=cidr, severity=severity, comment=comment, expires_at=expires_at)
    session.add(block)
    await session.flush()
    await record(session, staff, "ip_block.create", "ip", cidr, reason=comment, severity=severity)
    return block


async def update_ip(session: AsyncSession, staff: Staff, block: IpBlock, *, ip: str | None = None,
                    severity: str | None = None, comment: str | None = None,
                    expires_at: datetime | None = None, clear_expiry: bool = False) -> IpBlock:
    require(staff, PERMISSION)
    new_ip = network(ip) if ip else block.ip
    new_severity = severity or block.severity
    new_comment = block.comment if comment is None else comment
    _check_ip_fields(new_severity, new_comment)
    if new_ip != block.ip and await session.scalar(select(IpBlock.id).where(IpBlock.ip == new_ip)):
        raise Conflict("Validation failed: Ip has already been taken")
    block.ip, block.severity, block.comment = new_ip, new_severity, new_comment
    if expires_at is not None or clear_expiry:
        block.expires_at = expires_at
    await record(session, staff, "ip_block.update", "ip", new_ip, reason=new_comment, severity=new_severity)
    return block


def _check_ip_fields(severity: str, comment: str) -> None:
    if severity not in IP_SEVERITIES:
        raise Invalid(f"severity must be one of {', '.join(IP_SEVERITIES)}")
    if len(comment) > MAX_COMMENT_CHARS:
        raise Invalid(f"comment is longer than {MAX_COMMENT_CHARS} characters")


_KINDS: dict[type, tuple[str, str, str]] = {
    CanonicalEmailBlock: ("canonical_email_block", "canonical_email", "canonical_email_hash"),
    EmailDomainBlock: ("email_domain_block", "email_domain", "domain"),
    IpBlock: ("ip_block", "ip", "ip"),
}

Block = CanonicalEmailBlock | EmailDomainBlock | IpBlock


async def remove(session: AsyncSession, staff: Staff, model: type[Block], block_id: int) -> Block:
    require(staff, PERMISSION)
    block: Block | None = await session.get(model, block_id)
    if block is None:
        raise NotFound("Record not found")
    action, target_type, field = _KINDS[model]
    await session.delete(block)
    await record(session, staff, f"{action}.destroy", target_type, str(getattr(block, field)))
    return block


async def find_by_value(session: AsyncSession, model: type[Block], value: str) -> Block:
    """A block by what the CLI shows (the hash or address, the domain, the range)."""
    found: Block | None
    if model is CanonicalEmailBlock:
        found = await session.scalar(select(CanonicalEmailBlock).where(
            CanonicalEmailBlock.canonical_email_hash == (canonical_email_hash(value) if "@" in value
                                                         else value.lower())))
    elif model is EmailDomainBlock:
        found = await session.scalar(select(EmailDomainBlock).where(
            EmailDomainBlock.domain == normalize_domain(value.strip().lstrip("@"))))
    else:
        found = await session.scalar(select(IpBlock).where(IpBlock.ip == network(value)))
    if found is None:
        raise NotFound(f"no block for {value}")
    return found


async def listing(session: AsyncSession, model: type[Block]) -> Sequence[Block]:
    rows = (await session.scalars(select(model).order_by(model.id.desc()))).all()
    return list(rows)  # type: ignore[arg-type]
