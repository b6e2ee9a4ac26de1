"""OAuth 2 (apps, authorization codes, access tokens) and browser sessions for the sign-in page.

Every secret here (client secrets, codes, tokens, session ids) is a high-entropy random string
given out once and stored only as its SHA-256 hex digest: a copy of the database lets nobody
act as an app or a member.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base, new_id, utcnow

DIGEST_CHARS = 64  # SHA-256 hex


class OAuthApplication(Base):
    """A client app registered with `POST /api/v1/apps` (Mastodon's CredentialApplication)."""

    __tablename__ = "oauth_applications"

    id: Mapped[int] = mapped_column(primary_key=True, default=new_id)
    client_id: Mapped[str] = mapped_column(String(64), unique=True)  # public, so stored as given
    client_secret_hash: Mapped[str] = mapped_column(String(DIGEST_CHARS))
    name: Mapped[str] = mapped_column(String(255))
    website: Mapped[str | None] = mapped_column(String(2048))
    redirect_uris: Mapped[list[str]] = mapped_column(JSON, default=list)
    scopes: Mapped[str] = mapped_column(String(1024), default="read")  # space-separated
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class OAuthAuthorizationCode(Base):
    """A one-time code from the consent page, exchanged at `/oauth/token` within minutes."""

    __tablename__ = "oauth_authorization_codes"

    id: Mapped[int] = mapped_column(primary_key=True, default=new_id)
    code_hash: Mapped[str] = mapped_column(String(DIGEST_CHARS), unique=True)
    application_id: Mapped[int] = mapped_column(
        ForeignKey("oauth_applications.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    scopes: Mapped[str] = mapped_column(String(1024))
    redirect_uri: Mapped[str] = mapped_column(String(2048))
    code_challenge: Mapped[str | None] = mapped_column(String(128))  # PKCE (RFC 7636)
    code_challenge_method: Mapped[str | None] = mapped_column(String(8))  # S256 or plain
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(index=True)
    used_at: Mapped[datetime | None] = mapped_column()  # kept so a replay revokes what it gave


class OAuthAccessToken(Base):
    """A bearer token: a member's (authorization code, password grant) or an app's own
    (client credentials, `user_id` None). Tokens do not expire; they are revoked."""

    __tablename__ = "oauth_access_tokens"

    id: Mapped[int] = mapped_column(primary_key=True, default=new_id)
    token_hash: Mapped[str] = mapped_column(String(DIGEST_CHARS), unique=True)
    application_id: Mapped[int] = mapped_column(
        ForeignKey("oauth_applications.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    authorization_code_id: Mapped[int | None] = mapped_column(
        ForeignKey("oauth_authorization_codes.id", ondelete="SET NULL"), index=True)
    scopes: Mapped[str] = mapped_column(String(1024))
    # Its refresh token's digest (authorization code and password grants); a refresh revokes
    # this row and issues a new one, so each refresh token works once.
    refresh_token_hash: Mapped[str | None] = mapped_column(String(DIGEST_CHARS), index=True, unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    last_used_at: Mapped[datetime | None] = mapped_column()
    revoked_at: Mapped[datetime | None] = mapped_column()


class BrowserSession(Base):
    """A signed-in browser (the sign-in page, OAuth consent, later the web UI)."""

    __tablename__ = "browser_sessions"

    id: Mapped[int] = mapped_column(primary_key=True, default=new_id)
    session_hash: Mapped[str] = mapped_column(String(DIGEST_CHARS), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    csrf_secret: Mapped[str] = mapped_column(String(64))  # forms carry it; never in a cookie
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    expires_at: Mapped[datetime] = mapped_column(index=True)


class IdempotencyKey(Base):
    """`Idempotency-Key` of a `POST /api/v1/statuses`: a retry with the same key and token within
    an hour gets the first post back. In the database so every web process sees it."""

    __tablename__ = "idempotency_keys"

    id: Mapped[int] = mapped_column(primary_key=True, default=new_id)
    token_id: Mapped[int] = mapped_column(ForeignKey("oauth_access_tokens.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(200))
    status_id: Mapped[int | None] = mapped_column(ForeignKey("statuses.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)

    __table_args__ = (UniqueConstraint("token_id", "key"),)
