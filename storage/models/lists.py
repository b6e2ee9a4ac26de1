"""A member's curation of accounts and tags: lists, followed tags, featured tags, endorsements.

Private to the member except featured tags and endorsements, which others see on the profile.
A list member's row points at the follow that allows it (`follow_id`): when the follow goes
(unfollow, rejection, block), the database drops the row with it, as Mastodon's lists do. The
owner may list themselves, without a follow.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base, new_id, utcnow

REPLIES_POLICIES = ("followed", "list", "none")  # Mastodon's list `replies_policy`


class MemberList(Base):
    """A member's list of accounts (Mastodon's List)."""

    __tablename__ = "lists"

    id: Mapped[int] = mapped_column(primary_key=True, default=new_id)
    actor_id: Mapped[int] = mapped_column(ForeignKey("actors.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(255))
    replies_policy: Mapped[str] = mapped_column(String(16), default="list")
    exclusive: Mapped[bool] = mapped_column(Boolean, default=False)  # members leave the home timeline
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ListAccount(Base):
    __tablename__ = "list_accounts"

    id: Mapped[int] = mapped_column(primary_key=True, default=new_id)  # the members' order and cursor
    list_id: Mapped[int] = mapped_column(ForeignKey("lists.id", ondelete="CASCADE"))
    account_id: Mapped[int] = mapped_column(ForeignKey("actors.id", ondelete="CASCADE"), index=True)
    follow_id: Mapped[int | None] = mapped_column(ForeignKey("follows.id", ondelete="CASCADE"), index=True)

    __table_args__ = (UniqueConstraint("list_id", "account_id"),)


class FollowedTag(Base):
    """Public posts with this tag reach the member's home timeline."""

    __tablename__ = "followed_tags"

    id: Mapped[int] = mapped_column(primary_key=True, default=new_id)
    actor_id: Mapped[int] = mapped_column(ForeignKey("actors.id", ondelete="CASCADE"))
    tag_id: Mapped[int] = mapped_column(ForeignKey("tags.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (UniqueConstraint("actor_id", "tag_id"),
                      Index("ix_followed_tags_tag_id_actor_id", "tag_id", "actor_id"))


class FeaturedTag(Base):
    """A tag shown on the member's profile, with how often they used it."""

    __tablename__ = "featured_tags"

    id: Mapped[int] = mapped_column(primary_key=True, default=new_id)
    actor_id: Mapped[int] = mapped_column(ForeignKey("actors.id", ondelete="CASCADE"))
    tag_id: Mapped[int] = mapped_column(ForeignKey("tags.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (UniqueConstraint("actor_id", "tag_id"),)


class Endorsement(Base):
    """An account the member features on their profile (Mastodon's account pin)."""

    __tablename__ = "endorsements"

    id: Mapped[int] = mapped_column(primary_key=True, default=new_id)
    actor_id: Mapped[int] = mapped_column(ForeignKey("actors.id", ondelete="CASCADE"))
    target_id: Mapped[int] = mapped_column(ForeignKey("actors.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (UniqueConstraint("actor_id", "target_id"),)
