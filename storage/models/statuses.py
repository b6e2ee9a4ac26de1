"""Statuses (posts, local or remote) and what hangs off them: mentions, favourites."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import ID_INTEGER, Base, new_id, utcnow

VISIBILITIES = ("public", "unlisted", "private", "direct")


class Status(Base):
    """A post. A boost is a status too: `reblog_of_id` set, no content (as Mastodon)."""

    __tablename__ = "statuses"

    id: Mapped[int] = mapped_column(primary_key=True, default=new_id)
    uri: Mapped[str] = mapped_column(String(2048), unique=True)  # AS2 id (Announce id for boosts)
    url: Mapped[str | None] = mapped_column(String(2048))  # HTML page
    actor_id: Mapped[int] = mapped_column(ForeignKey("actors.id", ondelete="CASCADE"), index=True)
    local: Mapped[bool] = mapped_column(Boolean, default=False)
    object_type: Mapped[str] = mapped_column(String(32), default="Note")
    in_reply_to_id: Mapped[int | None] = mapped_column(
        ForeignKey("statuses.id", ondelete="SET NULL"), index=True)
    in_reply_to_uri: Mapped[str | None] = mapped_column(String(2048), index=True)
    reblog_of_id: Mapped[int | None] = mapped_column(ForeignKey("statuses.id", ondelete="CASCADE"))
    visibility: Mapped[str] = mapped_column(String(16), default="public")
    local_only: Mapped[bool] = mapped_column(Boolean, default=False)
    sensitive: Mapped[bool] = mapped_column(Boolean, default=False)
    summary: Mapped[str] = mapped_column(Text, default="")  # content warning (plain text)
    content: Mapped[str] = mapped_column(Text, default="")  # sanitized HTML, primary language
    language: Mapped[str | None] = mapped_column(String(16))
    content_map: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)  # lang -> HTML
    summary_map: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    source_text: Mapped[str | None] = mapped_column(Text)  # local: what the author typed
    source_type: Mapped[str] = mapped_column(String(32), default="text/plain")
    source_map: Mapped[dict[str, str] | None] = mapped_column(JSON)  # local: the other languages' sources
    published_at: Mapped[datetime] = mapped_column(default=utcnow)
    edited_at: Mapped[datetime | None] = mapped_column()
    replies_count: Mapped[int] = mapped_column(Integer, default=0)
    reblogs_count: Mapped[int] = mapped_column(Integer, default=0)
    favourites_count: Mapped[int] = mapped_column(Integer, default=0)
    # The app a local post came from. No foreign key, so adding the column never rebuilds a big
    # statuses table on SQLite; a deleted app simply stops being shown.
    application_id: Mapped[int | None] = mapped_column(ID_INTEGER)
    # Its thread (`conversations`); no foreign key for the same reason (0018).
    conversation_id: Mapped[int | None] = mapped_column(ID_INTEGER, index=True)

    __table_args__ = (
        Index("ix_statuses_actor_id_id", "actor_id", "id"),
        # "has this member boosted it?" in one probe; also every lookup by reblog_of_id (0007)
        Index("ix_statuses_reblog_of_id_actor_id", "reblog_of_id", "actor_id"),
    )


class StatusEdit(Base):
    """An earlier version of an edited status (kept for `history`)."""

    __tablename__ = "status_edits"

    id: Mapped[int] = mapped_column(primary_key=True, default=new_id)
    status_id: Mapped[int] = mapped_column(ForeignKey("statuses.id", ondelete="CASCADE"), index=True)
    summary: Mapped[str] = mapped_column(Text, default="")
    content: Mapped[str] = mapped_column(Text, default="")
    content_map: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    sensitive: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Mention(Base):
    """An actor addressed by a status: mentioned, or a recipient of a direct message."""

    __tablename__ = "mentions"

    id: Mapped[int] = mapped_column(primary_key=True, default=new_id)
    status_id: Mapped[int] = mapped_column(ForeignKey("statuses.id", ondelete="CASCADE"))
    actor_id: Mapped[int] = mapped_column(ForeignKey("actors.id", ondelete="CASCADE"), index=True)

    __table_args__ = (UniqueConstraint("status_id", "actor_id"),)


class Favourite(Base):
    __tablename__ = "favourites"

    id: Mapped[int] = mapped_column(primary_key=True, default=new_id)
    actor_id: Mapped[int] = mapped_column(ForeignKey("actors.id", ondelete="CASCADE"))
    status_id: Mapped[int] = mapped_column(ForeignKey("statuses.id", ondelete="CASCADE"), index=True)
    uri: Mapped[str] = mapped_column(String(2048), unique=True)  # the Like activity id
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (UniqueConstraint("actor_id", "status_id"),)


class TimelineEntry(Base):
    """A status in a local account's home timeline, written by fan-out."""

    __tablename__ = "home_timeline"

    id: Mapped[int] = mapped_column(primary_key=True, default=new_id)
    owner_id: Mapped[int] = mapped_column(ForeignKey("actors.id", ondelete="CASCADE"))
    status_id: Mapped[int] = mapped_column(ForeignKey("statuses.id", ondelete="CASCADE"), index=True)

    __table_args__ = (
        UniqueConstraint("owner_id", "status_id"),
        Index("ix_home_timeline_owner_id_status_id_desc", "owner_id", "id"),
    )
