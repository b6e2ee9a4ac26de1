"""What a member filters out of their notifications (Mastodon 4.3): their policy, the requests
that hold filtered notifications per sender, and the senders they let through."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base, new_id, utcnow

POLICY_VALUES = ("accept", "filter", "drop")


class NotificationPolicy(Base):
    """A member's policy; no row means Mastodon's defaults (`actors.reading.notification_policies`)."""

    __tablename__ = "notification_policies"

    actor_id: Mapped[int] = mapped_column(ForeignKey("actors.id", ondelete="CASCADE"), primary_key=True)
    for_not_following: Mapped[str] = mapped_column(String(8))
    for_not_followers: Mapped[str] = mapped_column(String(8))
    for_new_accounts: Mapped[str] = mapped_column(String(8))
    for_private_mentions: Mapped[str] = mapped_column(String(8))
    for_limited_accounts: Mapped[str] = mapped_column(String(8))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class NotificationRequest(Base):
    """Filtered notifications from one sender, waiting for the member to accept or dismiss them."""

    __tablename__ = "notification_requests"

    id: Mapped[int] = mapped_column(primary_key=True, default=new_id)
    recipient_id: Mapped[int] = mapped_column(ForeignKey("actors.id", ondelete="CASCADE"))
    from_actor_id: Mapped[int] = mapped_column(ForeignKey("actors.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (UniqueConstraint("recipient_id", "from_actor_id"),)


class NotificationPermission(Base):
    """A sender whose notifications the member accepted: never filtered again."""

    __tablename__ = "notification_permissions"

    id: Mapped[int] = mapped_column(primary_key=True, default=new_id)
    recipient_id: Mapped[int] = mapped_column(ForeignKey("actors.id", ondelete="CASCADE"))
    from_actor_id: Mapped[int] = mapped_column(ForeignKey("actors.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (UniqueConstraint("recipient_id", "from_actor_id"),)
