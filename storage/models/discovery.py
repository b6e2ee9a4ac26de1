"""What members discover and read beyond timelines: conversations (threads, and the direct
messages a member takes part in), tag-use counters for trends, dismissed suggestions,
announcements and what members do with them."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base, new_id, utcnow


class Conversation(Base):
    """A thread: every status has one (`Status.conversation_id`). A remote thread keeps the
    `context`/`conversation` URI its server gave, so later posts of it join it."""

    __tablename__ = "conversations"

    id: Mapped[int] = mapped_column(primary_key=True, default=new_id)
    uri: Mapped[str | None] = mapped_column(String(2048), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class AccountConversation(Base):
    """A local member's view of a conversation of direct messages (Mastodon's Conversation
    entity): its newest message, whether it is unread. Removing it deletes the row; the next
    message brings it back."""

    __tablename__ = "account_conversations"

    actor_id: Mapped[int] = mapped_column(ForeignKey("actors.id", ondelete="CASCADE"), primary_key=True)
    conversation_id: Mapped[int] = mapped_column(ForeignKey("conversations.id", ondelete="CASCADE"),
                                                 primary_key=True)
    last_status_id: Mapped[int | None] = mapped_column(ForeignKey("statuses.id", ondelete="SET NULL"),
                                                       index=True)
    unread: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (
        Index("ix_account_conversations_actor_id_last_status_id", "actor_id", "last_status_id"),)


class TagUse(Base):
    """Counted as posts are stored: an account used a tag on a day (`uses` posts). Distinct
    accounts per tag per day are the rows; trends read the last days of them."""

    __tablename__ = "tag_uses"

    tag_id: Mapped[int] = mapped_column(ForeignKey("tags.id", ondelete="CASCADE"), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    actor_id: Mapped[int] = mapped_column(ForeignKey("actors.id", ondelete="CASCADE"), primary_key=True)
    uses: Mapped[int] = mapped_column(Integer, default=1)

    __table_args__ = (Index("ix_tag_uses_day", "day"),)


class SuggestionDismissal(Base):
    """A member asked not to be suggested this account again."""

    __tablename__ = "suggestion_dismissals"

    id: Mapped[int] = mapped_column(primary_key=True, default=new_id)
    actor_id: Mapped[int] = mapped_column(ForeignKey("actors.id", ondelete="CASCADE"))
    target_id: Mapped[int] = mapped_column(ForeignKey("actors.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (UniqueConstraint("actor_id", "target_id"),)


class Announcement(Base):
    """A message from the node's admins to every member (`amity announcement add`)."""

    __tablename__ = "announcements"

    id: Mapped[int] = mapped_column(primary_key=True, default=new_id)
    text: Mapped[str] = mapped_column(Text)  # as the admin wrote it
    content: Mapped[str] = mapped_column(Text)  # HTML
    starts_at: Mapped[datetime | None] = mapped_column()
    ends_at: Mapped[datetime | None] = mapped_column()
    all_day: Mapped[bool] = mapped_column(Boolean, default=False)
    published_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class AnnouncementDismissal(Base):
    """A member read (dismissed) an announcement: `read` for them only."""

    __tablename__ = "announcement_dismissals"

    announcement_id: Mapped[int] = mapped_column(ForeignKey("announcements.id", ondelete="CASCADE"),
                                                 primary_key=True)
    actor_id: Mapped[int] = mapped_column(ForeignKey("actors.id", ondelete="CASCADE"), primary_key=True)


class AnnouncementReaction(Base):
    """A member's emoji reaction to an announcement: a Unicode emoji or a local custom one's shortcode."""

    __tablename__ = "announcement_reactions"

    id: Mapped[int] = mapped_column(primary_key=True, default=new_id)
    announcement_id: Mapped[int] = mapped_column(ForeignKey("announcements.id", ondelete="CASCADE"))
    actor_id: Mapped[int] = mapped_column(ForeignKey("actors.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (UniqueConstraint("announcement_id", "actor_id", "name"),)
