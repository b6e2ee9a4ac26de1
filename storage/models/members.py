"""Joining the node: invites, and single-use tokens for e-mail confirmation and password reset."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base, new_id, utcnow

TOKEN_PURPOSES = ("confirm", "reset")


class Invite(Base):
    """An invite link's code (stored as a digest); `uses` counts sign-ups made with it."""

    __tablename__ = "invites"

    id: Mapped[int] = mapped_column(primary_key=True, default=new_id)
    code_digest: Mapped[str] = mapped_column(String(64), unique=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    max_uses: Mapped[int | None] = mapped_column(Integer)  # None: unlimited
    uses: Mapped[int] = mapped_column(Integer, default=0)
    expires_at: Mapped[datetime | None] = mapped_column()
    revoked_at: Mapped[datetime | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class UserToken(Base):
    """A single-use token mailed to a member; only its digest is stored."""

    __tablename__ = "user_tokens"

    id: Mapped[int] = mapped_column(primary_key=True, default=new_id)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    purpose: Mapped[str] = mapped_column(String(16))  # one of TOKEN_PURPOSES
    digest: Mapped[str] = mapped_column(String(64), unique=True)
    expires_at: Mapped[datetime] = mapped_column()
    used_at: Mapped[datetime | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (Index("ix_user_tokens_user_id_purpose", "user_id", "purpose"),)
