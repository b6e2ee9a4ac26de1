"""Moderation records: the audit log of what staff and the operator did, and the follows a
moderation decision severed (Mastodon's relationship severance events)."""

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
