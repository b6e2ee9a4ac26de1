"""Relationships between actors: follows (and requests), blocks; notifications; reports."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Index, String, Text, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base, new_id, utcnow

PENDING = "pending"
ACCEPTED = "accepted"


class Follow(Base):
    """`follower` follows `followee`; pending until the followee (or its server) accepts."""

    __tablename__ = "follows"

    id: Mapped[int] = mapped_column(primary_key=True, default=new_id)
    follower_id: Mapped[int] = mapped_column(ForeignKey("actors.id", ondelete="CASCADE"))
    followee_id: Mapped[int] = mapped_column(ForeignKey("actors.id", ondelete="CASCADE"), index=True)
    uri: Mapped[str] = mapped_column(String(2048), unique=True)  # the Follow activity id
    state: Mapped[str] = mapped_column(String(16), default=PENDING)
    show_reblogs: Mapped[bool] = mapped_column(Boolean, default=True)
    notify: Mapped[bool] = mapped_column(Boolean, default=False)
    languages: Mapped[list[str] | None] = mapped_column(JSON)  # only posts in these reach home; None: all
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (UniqueConstraint("follower_id", "followee_id"),)


class Block(Base):
    __tablename__ = "blocks"

    id: Mapped[int] = mapped_column(primary_key=True, default=new_id)
    actor_id: Mapped[int] = mapped_column(ForeignKey("actors.id", ondelete="CASCADE"))
    target_id: Mapped[int] = mapped_column(ForeignKey("actors.id", ondelete="CASCADE"), index=True)
    uri: Mapped[str] = mapped_column(String(2048), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (UniqueConstraint("actor_id", "target_id"),)


NOTIFICATION_TYPES = ("mention", "status", "reblog", "follow", "follow_request", "favourite",
                      "poll", "update", "move", "admin.sign_up", "admin.report", "severed_relationships",
                      "moderation_warning")


class Notification(Base):
    __tablename__ = "notifications"

    id: Mapped[int] = mapped_column(primary_key=True, default=new_id)
    recipient_id: Mapped[int] = mapped_column(ForeignKey("actors.id", ondelete="CASCADE"))
    type: Mapped[str] = mapped_column(String(32))
    from_actor_id: Mapped[int] = mapped_column(ForeignKey("actors.id", ondelete="CASCADE"))
    status_id: Mapped[int | None] = mapped_column(ForeignKey("statuses.id", ondelete="CASCADE"))
    # a `severed_relationships` notification's event (`actors.moderation.domain_purge`)
    severance_id: Mapped[int | None] = mapped_column(ForeignKey("account_severances.id", ondelete="CASCADE"))
    # `moderation_warning`: the AccountWarning it shows
    account_warning_id: Mapped[int | None] = mapped_column(
        ForeignKey("account_warnings.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    read: Mapped[bool] = mapped_column(Boolean, default=False)
    # Mastodon's group key for the groupable types (`actors.reading.notification_groups`);
    # None: ungrouped, shown as `ungrouped-{id}`
    group_key: Mapped[str | None] = mapped_column(String(96))
    report_id: Mapped[int | None] = mapped_column(ForeignKey("reports.id", ondelete="CASCADE"))
    # held back by the member's policy, shown under notification requests until accepted
    filtered: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())

    __table_args__ = (
        Index("ix_notifications_recipient_id_id", "recipient_id", "id"),
        Index("ix_notifications_recipient_id_group_key", "recipient_id", "group_key"),
        UniqueConstraint("recipient_id", "type", "from_actor_id", "status_id"),
    )


REPORT_CATEGORIES = ("spam", "legal", "violation", "other")


class Report(Base):
    """A report (from a local member, or a remote server's Flag) for moderators.

    `resolved_at`/`resolved_by_id` are Mastodon's `action_taken_at`/`action_taken_by_account`;
    `rule_ids` are ids of the node's `rules` setting as `/api/v1/instance` numbers them."""

    __tablename__ = "reports"

    id: Mapped[int] = mapped_column(primary_key=True, default=new_id)
    uri: Mapped[str | None] = mapped_column(String(2048), unique=True)  # Flag id when remote
    reporter_id: Mapped[int] = mapped_column(ForeignKey("actors.id", ondelete="CASCADE"), index=True)
    target_id: Mapped[int] = mapped_column(ForeignKey("actors.id", ondelete="CASCADE"), index=True)
    status_ids: Mapped[list[Any]] = mapped_column(JSON, default=list)
    comment: Mapped[str] = mapped_column(Text, default="")
    category: Mapped[str] = mapped_column(String(16), default="other")  # one of REPORT_CATEGORIES
    rule_ids: Mapped[list[Any]] = mapped_column(JSON, default=list)
    forwarded: Mapped[bool] = mapped_column(Boolean, default=False)  # a Flag went to the target's server
    assigned_id: Mapped[int | None] = mapped_column(ForeignKey("actors.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    resolved_at: Mapped[datetime | None] = mapped_column()
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("actors.id", ondelete="SET NULL"))


class ReportNote(Base):
    """A moderator's note on a report (Mastodon's `report_notes`). `author_id` is None for the
    operator at the CLI; `author_label` says who it was either way (`@mo`, `cli:root`)."""

    __tablename__ = "report_notes"

    id: Mapped[int] = mapped_column(primary_key=True, default=new_id)
    report_id: Mapped[int] = mapped_column(ForeignKey("reports.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("actors.id", ondelete="SET NULL"))
    author_label: Mapped[str] = mapped_column(String(255))
    content: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
