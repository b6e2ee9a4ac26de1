"""Where a member stopped reading a timeline (Mastodon's markers: `home`, `notifications`)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base, new_id, utcnow

MARKER_TIMELINES = ("home", "notifications")


class Marker(Base):
    __tablename__ = "markers"

    id: Mapped[int] = mapped_column(primary_key=True, default=new_id)
    actor_id: Mapped[int] = mapped_column(ForeignKey("actors.id", ondelete="CASCADE"))
    timeline: Mapped[str] = mapped_column(String(16))
    last_read_id: Mapped[int] = mapped_column(BigInteger)  # a status or notification id, not a key
    version: Mapped[int] = mapped_column(Integer, default=1)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (UniqueConstraint("actor_id", "timeline"),)
