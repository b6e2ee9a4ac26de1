"""Moderation records: the audit log of what staff and the operator did, the follows a
moderation decision severed (Mastodon's relationship severance events), warnings to accounts,
and the e-mail and IP blocks that refuse sign-ups."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base, new_id, utcnow


class AuditLogEntry(Base):
    """One moderation action or settings change. Append-only: the database refuses UPDATE and
    DELETE on this table (triggers, migration 0020), and nothing in Amity offers either.

    Who acted is kept as an id and a label, without a foreign key, so the log outlives the
    accounts it names: `actor_id` is the staff account (None for the operator at the CLI),
    `actor_label` how it was known then (`@ana`, or `cli:root`)."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(primary_key=True, default=new_id)
    actor_id: Mapped[int | None] = mapped_column(BigInteger)
    actor_label: Mapped[str] = mapped_column(String(255))
    action: Mapped[str] = mapped_column(String(64))  # e.g. "domain_block.create"
    target_type: Mapped[str] = mapped_column(String(32))  # e.g. "domain", "account", "setting"
    target: Mapped[str] = mapped_column(String(2048))  # the domain, the account's handle, …
    reason: Mapped[str] = mapped_column(Text, default="")
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (Index("ix_audit_log_target", "target_type", "target"),)


class SeveranceEvent(Base):
    """A moderation decision that severed follows: a domain suspended (`domain_block`)."""

    __tablename__ = "severance_events"

    id: Mapped[int] = mapped_column(primary_key=True, default=new_id)
    kind: Mapped[str] = mapped_column(String(32))  # Mastodon's type: domain_block, user_domain_block, …
    target_name: Mapped[str] = mapped_column(String(255))  # the domain
    purged: Mapped[bool] = mapped_column(Boolean, default=False)  # its content deleted too
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class AccountSeverance(Base):
    """What one member lost in a severance event: how many followers and follows."""

    __tablename__ = "account_severances"

    id: Mapped[int] = mapped_column(primary_key=True, default=new_id)
    event_id: Mapped[int] = mapped_column(ForeignKey("severance_events.id", ondelete="CASCADE"))
    account_id: Mapped[int] = mapped_column(ForeignKey("actors.id", ondelete="CASCADE"), index=True)
    followers_count: Mapped[int] = mapped_column(Integer, default=0)
    following_count: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (UniqueConstraint("event_id", "account_id"),)


WARNING_ACTIONS = ("none", "disable", "mark_statuses_as_sensitive", "delete_statuses", "sensitive",
                   "silence", "suspend")
IP_SEVERITIES = ("sign_up_requires_approval", "sign_up_block", "no_access")


class AccountWarning(Base):
    """What a moderator told an account, and why (Mastodon's AccountWarning): a warning, or the
    notice of a limit, a suspension, … The member sees it in a `moderation_warning` notification."""

    __tablename__ = "account_warnings"

    id: Mapped[int] = mapped_column(primary_key=True, default=new_id)
    target_actor_id: Mapped[int] = mapped_column(ForeignKey("actors.id", ondelete="CASCADE"), index=True)
    action: Mapped[str] = mapped_column(String(32))  # one of WARNING_ACTIONS
    text: Mapped[str] = mapped_column(Text, default="")
    status_ids: Mapped[list[Any]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class CanonicalEmailBlock(Base):
    """A refused e-mail address, kept only as the SHA-256 of its canonical form."""

    __tablename__ = "canonical_email_blocks"

    id: Mapped[int] = mapped_column(primary_key=True, default=new_id)
    canonical_email_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class EmailDomainBlock(Base):
    """Sign-ups with an address at this domain (or a subdomain) are refused."""

    __tablename__ = "email_domain_blocks"

    id: Mapped[int] = mapped_column(primary_key=True, default=new_id)
    domain: Mapped[str] = mapped_column(String(255), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class IpBlock(Base):
    """Sign-ups (or all access) from an address range: `ip` is a CIDR (`192.0.2.0/24`)."""

    __tablename__ = "ip_blocks"

    id: Mapped[int] = mapped_column(primary_key=True, default=new_id)
    ip: Mapped[str] = mapped_column(String(64), unique=True)
    severity: Mapped[str] = mapped_column(String(32))  # one of IP_SEVERITIES
    comment: Mapped[str] = mapped_column(Text, default="")
    expires_at: Mapped[datetime | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
