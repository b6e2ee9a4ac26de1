"""Federation bookkeeping: received activities, other servers, domain rules, tombstones."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Boolean, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base, CanonicalDomain, new_id, utcnow


class InboxItem(Base):
    """A verified activity as received; the unique id makes redelivery a no-op."""

    __tablename__ = "inbox_items"

    id: Mapped[int] = mapped_column(primary_key=True, default=new_id)
    activity_id: Mapped[str] = mapped_column(String(2048), unique=True)
    actor_uri: Mapped[str] = mapped_column(String(2048))
    signer_uri: Mapped[str] = mapped_column(String(2048))  # owner of the key that signed it
    body: Mapped[dict[str, Any]] = mapped_column(JSON)
    received_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    processed_at: Mapped[datetime | None] = mapped_column()
    error: Mapped[str | None] = mapped_column(Text)


class OutboxActivity(Base):
    """An activity rendered once and delivered to many inboxes (delivery jobs point here)."""

    __tablename__ = "outbox_activities"

    id: Mapped[int] = mapped_column(primary_key=True, default=new_id)
    uri: Mapped[str] = mapped_column(String(2048), unique=True)
    actor_id: Mapped[int] = mapped_column(index=True)
    body: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class KeptActivity(Base):
    """What stays of a sent activity once its outbox row is pruned, for `/activities/{id}`:
    type, actor, addressing and the ids it is about (no content). Only kinds that no other row
    records (Undo, Accept, Reject, profile Update) are kept."""

    __tablename__ = "kept_activities"

    uri: Mapped[str] = mapped_column(String(2048), primary_key=True)
    actor_id: Mapped[int] = mapped_column(index=True)
    body: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Host(CanonicalDomain, Base):
    """Another server, as deliveries see it: failing since when, unreachable or not."""

    __tablename__ = "hosts"

    domain: Mapped[str] = mapped_column(String(255), primary_key=True)
    failing_since: Mapped[datetime | None] = mapped_column()
    consecutive_failures: Mapped[int] = mapped_column(Integer, default=0)
    unreachable: Mapped[bool] = mapped_column(Boolean, default=False)
    next_probe_at: Mapped[datetime | None] = mapped_column()
    last_success_at: Mapped[datetime | None] = mapped_column()
    last_seen_at: Mapped[datetime | None] = mapped_column()  # last signed request from it
    last_error: Mapped[str | None] = mapped_column(String(500))  # why the last delivery failed
    last_error_at: Mapped[datetime | None] = mapped_column()


# suspend: nothing in or out; silence: hidden from public timelines; noop: only the flags
# (reject_media, reject_reports) apply; allow: a partner (the only servers in allowlist mode).
DOMAIN_POLICIES = ("suspend", "silence", "noop", "allow")


class DomainRule(CanonicalDomain, Base):
    """A moderation decision about a whole domain; `allow` marks partners (allowlist mode)."""

    __tablename__ = "domain_rules"

    domain: Mapped[str] = mapped_column(String(255), primary_key=True)
    id: Mapped[int] = mapped_column(BigInteger, unique=True, default=new_id)  # the admin API's id
    policy: Mapped[str] = mapped_column(String(16))
    reject_media: Mapped[bool] = mapped_column(Boolean, default=False)
    reject_reports: Mapped[bool] = mapped_column(Boolean, default=False)  # their Flags are dropped
    obfuscate: Mapped[bool] = mapped_column(Boolean, default=False)  # shown publicly as a.*.example
    public_comment: Mapped[str] = mapped_column(Text, default="")
    private_comment: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Tombstone(Base):
    """A deleted object's id: never recreated, even if its Create arrives after the Delete."""

    __tablename__ = "tombstones"

    uri: Mapped[str] = mapped_column(String(2048), primary_key=True)
    actor_uri: Mapped[str | None] = mapped_column(String(2048))
    deleted_at: Mapped[datetime] = mapped_column(default=utcnow)


class UndoneActivity(Base):
    """An Undo that arrived before the activity it undoes: that activity is ignored if it comes
    before `expires_at` (the inbox's maintenance job removes expired rows)."""

    __tablename__ = "undone_activities"

    id: Mapped[int] = mapped_column(primary_key=True, default=new_id)
    uri: Mapped[str] = mapped_column(String(2048), index=True)  # the undone activity's id
    actor_uri: Mapped[str] = mapped_column(String(2048))  # who undid it: only their activity is ignored
    expires_at: Mapped[datetime] = mapped_column(index=True)


__all__ = ["DOMAIN_POLICIES", "DomainRule", "Host", "InboxItem", "KeptActivity", "OutboxActivity",
           "Tombstone", "UndoneActivity", "new_id"]
