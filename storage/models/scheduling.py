"""Statuses waiting for their time, and the private notes members keep on accounts.

A `ScheduledStatus` holds the post as the member asked for it (`params`, the fields of
`actors.posts.posting.NewStatus` in JSON) until a delayed job publishes it through the one
posting path. Its uploads point at it (`media_attachments.scheduled_status_id`), which keeps them
from being pruned as unattached until then.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base, new_id, utcnow


class ScheduledStatus(Base):
    """Mastodon's ScheduledStatus: a post to be published at `scheduled_at`."""

    __tablename__ = "scheduled_statuses"

    id: Mapped[int] = mapped_column(primary_key=True, default=new_id)
    actor_id: Mapped[int] = mapped_column(ForeignKey("actors.id", ondelete="CASCADE"), index=True)
    scheduled_at: Mapped[datetime] = mapped_column(index=True)
    params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    application_id: Mapped[int | None] = mapped_column()  # the app it was scheduled from
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class AccountNote(Base):
    """A member's private note on an account (`note` in the Relationship entity)."""

    __tablename__ = "account_notes"

    id: Mapped[int] = mapped_column(primary_key=True, default=new_id)
    actor_id: Mapped[int] = mapped_column(ForeignKey("actors.id", ondelete="CASCADE"))
    target_id: Mapped[int] = mapped_column(ForeignKey("actors.id", ondelete="CASCADE"), index=True)
    comment: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    __table_args__ = (UniqueConstraint("actor_id", "target_id"),)
