"""A member's filters (Mastodon's CustomFilter): keywords and statuses that warn or hide posts in
the contexts the member chose. Private to the member; nothing of them federates."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base, new_id, utcnow

FILTER_CONTEXTS = ("home", "notifications", "public", "thread", "account")
FILTER_ACTIONS = ("warn", "hide", "blur")


class CustomFilter(Base):
    """`updated_at` moves on every change to the filter, its keywords or its statuses: with the
    member's filter count it is the version the status cache keys the member's filters by."""

    __tablename__ = "custom_filters"

    id: Mapped[int] = mapped_column(primary_key=True, default=new_id)
    actor_id: Mapped[int] = mapped_column(ForeignKey("actors.id", ondelete="CASCADE"))
    title: Mapped[str] = mapped_column(String(256))
    context: Mapped[list[str]] = mapped_column(JSON, default=list)
    action: Mapped[str] = mapped_column(String(8), default="warn")
    expires_at: Mapped[datetime | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (Index("ix_custom_filters_actor_id_id", "actor_id", "id"),)


class FilterKeyword(Base):
    __tablename__ = "filter_keywords"

    id: Mapped[int] = mapped_column(primary_key=True, default=new_id)
    filter_id: Mapped[int] = mapped_column(ForeignKey("custom_filters.id", ondelete="CASCADE"), index=True)
    keyword: Mapped[str] = mapped_column(String(512))
    whole_word: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class FilterStatus(Base):
    __tablename__ = "filter_statuses"

    id: Mapped[int] = mapped_column(primary_key=True, default=new_id)
    filter_id: Mapped[int] = mapped_column(ForeignKey("custom_filters.id", ondelete="CASCADE"))
    status_id: Mapped[int] = mapped_column(ForeignKey("statuses.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (UniqueConstraint("filter_id", "status_id"),)
