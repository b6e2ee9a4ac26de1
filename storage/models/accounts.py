"""Actors (any account, local or remote) and users (local logins)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, ForeignKey, Index, String, Text, false, func, text, true
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base, CanonicalDomain, new_id, utcnow

ROLES = ("member", "moderator", "admin", "owner")


class Actor(CanonicalDomain, Base):
    __tablename__ = "actors"

    id: Mapped[int] = mapped_column(primary_key=True, default=new_id)
    username: Mapped[str] = mapped_column(String(255))
    domain: Mapped[str | None] = mapped_column(String(255))  # None for local actors
    uri: Mapped[str] = mapped_column(String(2048), unique=True)
    actor_type: Mapped[str] = mapped_column(String(32), default="Person")
    display_name: Mapped[str] = mapped_column(String(255), default="")
    note: Mapped[str] = mapped_column(Text, default="")
    locked: Mapped[bool] = mapped_column(Boolean, default=False)
    bot: Mapped[bool] = mapped_column(Boolean, default=False)
    discoverable: Mapped[bool] = mapped_column(Boolean, default=False)
    url: Mapped[str | None] = mapped_column(String(2048))  # profile page
    inbox_url: Mapped[str | None] = mapped_column(String(2048))
    shared_inbox_url: Mapped[str | None] = mapped_column(String(2048))
    outbox_url: Mapped[str | None] = mapped_column(String(2048))
    followers_url: Mapped[str | None] = mapped_column(String(2048))
    following_url: Mapped[str | None] = mapped_column(String(2048))
    featured_url: Mapped[str | None] = mapped_column(String(2048))
    avatar_url: Mapped[str | None] = mapped_column(String(2048))
    header_url: Mapped[str | None] = mapped_column(String(2048))
    avatar_blob: Mapped[str | None] = mapped_column(String(255))  # local: blob key, deleted when replaced
    header_blob: Mapped[str | None] = mapped_column(String(255))
    fields: Mapped[list[dict[str, str]]] = mapped_column(JSON, default=list)  # [{name, value}]
    also_known_as: Mapped[list[str]] = mapped_column(JSON, default=list)
    moved_to_id: Mapped[int | None] = mapped_column(ForeignKey("actors.id", ondelete="SET NULL"))
    moved_at: Mapped[datetime | None] = mapped_column()  # remote: when its last Move was accepted
    key_id: Mapped[str | None] = mapped_column(String(2048), index=True)
    public_key_pem: Mapped[str | None] = mapped_column(Text)
    private_key_pem: Mapped[str | None] = mapped_column(Text)  # local actors only
    fetched_at: Mapped[datetime | None] = mapped_column()  # remote: last refresh of the document
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    suspended_at: Mapped[datetime | None] = mapped_column()
    # Moderation (Mastodon's columns): limited (kept off public timelines and from non-followers),
    # media forced sensitive; a suspended local account's data deleted once its grace period ended.
    silenced_at: Mapped[datetime | None] = mapped_column()
    sensitized_at: Mapped[datetime | None] = mapped_column()
    deleted_at: Mapped[datetime | None] = mapped_column()
    profile_updated_at: Mapped[datetime | None] = mapped_column()  # remote: `updated` of the last Update

    __table_args__ = (
        # Local usernames are unique regardless of case; remote actors are unique by uri.
        Index(
            "uq_actors_local_username",
            func.lower(text("username")),
            unique=True,
            sqlite_where=text("domain IS NULL"),
            postgresql_where=text("domain IS NULL"),
        ),
        Index("ix_actors_domain_username", "domain", "username"),
    )

    @property
    def is_local(self) -> bool:
        return self.domain is None


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True, default=new_id)
    actor_id: Mapped[int] = mapped_column(ForeignKey("actors.id", ondelete="CASCADE"), unique=True)
    email: Mapped[str] = mapped_column(String(320), unique=True)  # stored lower-case
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16), default="member")
    disabled: Mapped[bool] = mapped_column(Boolean, default=False)
    locale: Mapped[str] = mapped_column(String(16), default="en")
    # Posting defaults (Mastodon's `source` block); the language also picks which version of a
    # several-language post this member reads.
    default_language: Mapped[str | None] = mapped_column(String(16))
    default_privacy: Mapped[str] = mapped_column(String(16), default="public", server_default="public")
    default_sensitive: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    default_format: Mapped[str] = mapped_column(String(32), default="text/plain", server_default="text/plain")
    # Sign-up: in approval mode an account waits for a moderator; `invite_id` says which link it used.
    approved: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    sign_up_reason: Mapped[str] = mapped_column(Text, default="", server_default="")
    invite_id: Mapped[int | None] = mapped_column()  # a record only: no key, so invites can be deleted
    sign_up_ip: Mapped[str | None] = mapped_column(String(64))  # the client address at sign-up
    confirmed_at: Mapped[datetime | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
