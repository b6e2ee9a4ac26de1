"""What a post carries besides its text: hashtags, custom emoji, media, polls, link cards."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base, CanonicalDomain, new_id, utcnow

MEDIA_TYPES = ("image", "gifv", "video", "audio", "unknown")  # Mastodon's MediaAttachment types
MEDIA_READY, MEDIA_PROCESSING, MEDIA_FAILED = "ready", "processing", "failed"


class Tag(Base):
    """A hashtag; `name` is the normalised (case-folded) form, unique."""

    __tablename__ = "tags"

    id: Mapped[int] = mapped_column(primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(255), unique=True)
    display_name: Mapped[str] = mapped_column(String(255))  # as first written
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class StatusTag(Base):
    __tablename__ = "status_tags"

    status_id: Mapped[int] = mapped_column(ForeignKey("statuses.id", ondelete="CASCADE"), primary_key=True)
    tag_id: Mapped[int] = mapped_column(ForeignKey("tags.id", ondelete="CASCADE"), primary_key=True)

    __table_args__ = (Index("ix_status_tags_tag_id_status_id", "tag_id", "status_id"),)


class CustomEmoji(CanonicalDomain, Base):
    """A `:shortcode:` image: local (domain None, file in the blob store) or seen on a remote post."""

    __tablename__ = "custom_emojis"

    id: Mapped[int] = mapped_column(primary_key=True, default=new_id)
    shortcode: Mapped[str] = mapped_column(String(128))
    domain: Mapped[str | None] = mapped_column(String(255))  # None for local emoji
    uri: Mapped[str | None] = mapped_column(String(2048))  # the Emoji object's id (remote)
    image_url: Mapped[str] = mapped_column(String(2048))  # remote URL, or the blob's public URL
    file_key: Mapped[str | None] = mapped_column(String(255))  # local: the blob's name
    content_type: Mapped[str] = mapped_column(String(128), default="image/png")
    category: Mapped[str | None] = mapped_column(String(128))
    visible_in_picker: Mapped[bool] = mapped_column(Boolean, default=True)
    disabled: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    __table_args__ = (
        Index("uq_custom_emojis_local_shortcode", "shortcode", unique=True,
              sqlite_where=text("domain IS NULL"), postgresql_where=text("domain IS NULL")),
        Index("uq_custom_emojis_shortcode_domain", "shortcode", "domain", unique=True,
              sqlite_where=text("domain IS NOT NULL"), postgresql_where=text("domain IS NOT NULL")),
    )


class StatusEmoji(Base):
    __tablename__ = "status_emojis"

    status_id: Mapped[int] = mapped_column(ForeignKey("statuses.id", ondelete="CASCADE"), primary_key=True)
    emoji_id: Mapped[int] = mapped_column(ForeignKey("custom_emojis.id", ondelete="CASCADE"),
                                          primary_key=True)


class MediaAttachment(Base):
    """An uploaded file (processed into the blob store) or a remote post's attachment."""

    __tablename__ = "media_attachments"

    id: Mapped[int] = mapped_column(primary_key=True, default=new_id)
    actor_id: Mapped[int] = mapped_column(ForeignKey("actors.id", ondelete="CASCADE"), index=True)
    status_id: Mapped[int | None] = mapped_column(ForeignKey("statuses.id", ondelete="SET NULL"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)  # order within its status
    # Reserved by a scheduled status (models.scheduling) until it is published or cancelled.
    scheduled_status_id: Mapped[int | None] = mapped_column(index=True)
    type: Mapped[str] = mapped_column(String(16), default="unknown")  # one of MEDIA_TYPES
    content_type: Mapped[str] = mapped_column(String(128), default="application/octet-stream")
    remote_url: Mapped[str | None] = mapped_column(String(2048))  # remote attachments: the original
    file_key: Mapped[str | None] = mapped_column(String(255))  # the stored original (or cached copy)
    file_size: Mapped[int | None] = mapped_column(Integer)
    thumbnail_key: Mapped[str | None] = mapped_column(String(255))
    small_key: Mapped[str | None] = mapped_column(String(255))  # low-bandwidth rendition
    meta: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # Mastodon's `meta` block
    blurhash: Mapped[str | None] = mapped_column(String(128))
    focus_x: Mapped[float] = mapped_column(Float, default=0.0)  # -1..1, Mastodon's convention
    focus_y: Mapped[float] = mapped_column(Float, default=0.0)
    description: Mapped[str] = mapped_column(Text, default="")  # alt text
    processing: Mapped[str] = mapped_column(String(16), default=MEDIA_READY)
    cached_at: Mapped[datetime | None] = mapped_column()  # remote: when the file was copied here
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class Poll(Base):
    """The poll of a status (`Question`); `options` is [{"title": …, "votes": n}, …]."""

    __tablename__ = "polls"

    id: Mapped[int] = mapped_column(primary_key=True, default=new_id)
    status_id: Mapped[int] = mapped_column(ForeignKey("statuses.id", ondelete="CASCADE"), unique=True)
    multiple: Mapped[bool] = mapped_column(Boolean, default=False)
    hide_totals: Mapped[bool] = mapped_column(Boolean, default=False)  # counts hidden until it ends
    options: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    expires_at: Mapped[datetime | None] = mapped_column()
    closed_at: Mapped[datetime | None] = mapped_column()  # set once the end has been announced
    voters_count: Mapped[int] = mapped_column(Integer, default=0)
    votes_count: Mapped[int] = mapped_column(Integer, default=0)
    # Local polls: when the pending Update with new counts goes out (None: none pending).
    update_due_at: Mapped[datetime | None] = mapped_column()
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class PollVote(Base):
    __tablename__ = "poll_votes"

    id: Mapped[int] = mapped_column(primary_key=True, default=new_id)
    poll_id: Mapped[int] = mapped_column(ForeignKey("polls.id", ondelete="CASCADE"))
    actor_id: Mapped[int] = mapped_column(ForeignKey("actors.id", ondelete="CASCADE"), index=True)
    choice: Mapped[int] = mapped_column(Integer)
    uri: Mapped[str | None] = mapped_column(String(2048), unique=True)  # the vote's Note id
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (UniqueConstraint("poll_id", "actor_id", "choice"),)


class PreviewCard(Base):
    """A link preview, fetched once per URL and shared by every status that links it."""

    __tablename__ = "preview_cards"

    id: Mapped[int] = mapped_column(primary_key=True, default=new_id)
    url: Mapped[str] = mapped_column(String(2048), unique=True)
    type: Mapped[str] = mapped_column(String(16), default="link")
    title: Mapped[str] = mapped_column(String(512), default="")
    description: Mapped[str] = mapped_column(Text, default="")
    author_name: Mapped[str] = mapped_column(String(255), default="")
    author_url: Mapped[str] = mapped_column(String(2048), default="")
    provider_name: Mapped[str] = mapped_column(String(255), default="")
    provider_url: Mapped[str] = mapped_column(String(2048), default="")
    image_url: Mapped[str | None] = mapped_column(String(2048))
    width: Mapped[int] = mapped_column(Integer, default=0)
    height: Mapped[int] = mapped_column(Integer, default=0)
    blurhash: Mapped[str | None] = mapped_column(String(128))
    language: Mapped[str | None] = mapped_column(String(16))
    fetched_at: Mapped[datetime | None] = mapped_column()
    error: Mapped[str | None] = mapped_column(Text)  # why the last fetch gave no card


class StatusCard(Base):
    __tablename__ = "status_cards"

    status_id: Mapped[int] = mapped_column(ForeignKey("statuses.id", ondelete="CASCADE"), primary_key=True)
    card_id: Mapped[int] = mapped_column(ForeignKey("preview_cards.id", ondelete="CASCADE"), index=True)
