"""Apps, authorization codes and access tokens, and the scopes they carry.

The secrets are created random and stored as SHA-256 digests.

They are 256-bit random strings (`secrets.token_urlsafe(32)`), so one unsalted SHA-256
is enough to make a stolen table useless (there is nothing to guess), and a lookup stays one
indexed equality. Comparisons of what a client presents happen on digests.

*Scopes* as Mastodon defines them: top-level scopes that grant their granular forms.

`read` grants every `read:*`, `write` every `write:*`, the deprecated `follow` the block,
follow and mute scopes, `admin:read`/`admin:write` their `admin:…:*` forms. `profile` grants
only `GET /api/v1/accounts/verify_credentials`; `push` the push API.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.errors import Invalid
from storage.models import (
    Actor,
    OAuthAccessToken,
    OAuthApplication,
    OAuthAuthorizationCode,
    User,
    utcnow,
)

CODE_LIFETIME = timedelta(minutes=10)  # as Doorkeeper's default
STALE_CODES_AFTER = timedelta(days=1)  # used or expired codes are deleted after this


def new_secret() -> str:
    return secrets.token_urlsafe(32)


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def same_secret(presented: str, stored_digest: str) -> bool:
    return hmac.compare_digest(digest(presented), stored_digest)


@dataclass(frozen=True)
class NewApp:
    app: OAuthApplication
    client_secret: str  # shown once, in the answer to POST /api/v1/apps


async def create_app(session: AsyncSession, *, name: str, website: str | None, redirect_uris: list[str],
                     scopes: str) -> NewApp:
    secret = new_secret()
    app = OAuthApplication(client_id=new_secret(), client_secret_hash=digest(secret), name=name,
                           website=website, redirect_uris=redirect_uris, scopes=scopes)
    session.add(app)
    await session.flush()
    return NewApp(app, secret)


async def find_app(session: AsyncSession, client_id: str) -> OAuthApplication | None:
    if not client_id or len(client_id) > 64:
        return None
    return await session.scalar(select(OAuthApplication).where(OAuthApplication.client_id == client_id))


async def authenticate_app(session: AsyncSession, client_id: str, client_secret: str
                           ) -> OAuthApplication | None:
    app = await find_app(session, client_id)
    if app is None or not same_secret(client_secret, app.client_secret_hash):
        return None
    return app


@dataclass(frozen=True)
class IssuedToken:
    token: OAuthAccessToken
    access_token: str  # the bearer value, returned once
    refresh_token: str | None = None  # likewise; None for app tokens


async def issue_token(session: AsyncSession, *, app: OAuthApplication, user_id: int | None, scopes: str,
                      code_id: int | None = None) -> IssuedToken:
    """A new access token; a member's comes with a refresh token (an app's own has none, as
    RFC 6749 section 4.4.3 advises)."""
    value, refresh = new_secret(), new_secret() if user_id is not None else None
    token = OAuthAccessToken(token_hash=digest(value), application_id=app.id, user_id=user_id, scopes=scopes,
                             authorization_code_id=code_id,
                             refresh_token_hash=None if refresh is None else digest(refresh))
    session.add(token)
    await session.flush()
    return IssuedToken(token, value, refresh)


async def find_refreshable(session: AsyncSession, refresh_token: str) -> OAuthAccessToken | None:
    """The token a refresh token belongs to (revoked ones too: the caller refuses those)."""
    if not refresh_token or len(refresh_token) > 256:
        return None
    return await session.scalar(select(OAuthAccessToken)
                                .where(OAuthAccessToken.refresh_token_hash == digest(refresh_token)))


async def retire(session: AsyncSession, token: OAuthAccessToken) -> bool:
    """Revoke a token being refreshed; False if another request refreshed it first (one winner)."""
    result = await session.execute(
        update(OAuthAccessToken).where(OAuthAccessToken.id == token.id, OAuthAccessToken.revoked_at.is_(None))
        .values(revoked_at=utcnow()).execution_options(synchronize_session=False))
    return result.rowcount == 1  # type: ignore[attr-defined]


@dataclass(frozen=True)
class Bearer:
    """A presented access token with whom it acts for (user and actor None for app tokens)."""

    token: OAuthAccessToken
    user: User | None
    actor: Actor | None


async def find_bearer(session: AsyncSession, access_token: str) -> Bearer | None:
    if not access_token or len(access_token) > 256:
        return None
    row = (await session.execute(
        select(OAuthAccessToken, User, Actor)
        .outerjoin(User, User.id == OAuthAccessToken.user_id)
        .outerjoin(Actor, Actor.id == User.actor_id)
        .where(OAuthAccessToken.token_hash == digest(access_token))
    )).first()
    return None if row is None else Bearer(*row)


async def touch(session: AsyncSession, token_id: int, now: datetime) -> None:
    await session.execute(update(OAuthAccessToken).where(OAuthAccessToken.id == token_id)
                          .values(last_used_at=now))


async def revoke(session: AsyncSession, token: OAuthAccessToken) -> None:
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        await session.flush()


@dataclass(frozen=True)
class CodeRequest:
    app: OAuthApplication
    user_id: int
    scopes: str
    redirect_uri: str
    code_challenge: str | None
    code_challenge_method: str | None


async def create_code(session: AsyncSession, request: CodeRequest) -> str:
    """A new one-time code (returned in clear, stored as a digest); stale codes are swept."""
    now = utcnow()
    await session.execute(delete(OAuthAuthorizationCode)
                          .where(OAuthAuthorizationCode.expires_at < now - STALE_CODES_AFTER))
    value = new_secret()
    session.add(OAuthAuthorizationCode(
        code_hash=digest(value), application_id=request.app.id, user_id=request.user_id,
        scopes=request.scopes, redirect_uri=request.redirect_uri, code_challenge=request.code_challenge,
        code_challenge_method=request.code_challenge_method, created_at=now, expires_at=now + CODE_LIFETIME,
    ))
    await session.flush()
    return value


async def find_code(session: AsyncSession, code: str) -> OAuthAuthorizationCode | None:
    if not code or len(code) > 256:
        return None
    return await session.scalar(select(OAuthAuthorizationCode)
                                .where(OAuthAuthorizationCode.code_hash == digest(code)))


async def consume_code(session: AsyncSession, code: OAuthAuthorizationCode) -> bool:
    """Mark the code used; False if another request used it first (one winner, even in a race)."""
    result = await session.execute(
        update(OAuthAuthorizationCode)
        .where(OAuthAuthorizationCode.id == code.id, OAuthAuthorizationCode.used_at.is_(None))
        .values(used_at=utcnow())
        .execution_options(synchronize_session=False))
    return result.rowcount == 1  # type: ignore[attr-defined]


async def revoke_tokens_of_code(session: AsyncSession, code_id: int) -> None:
    """A replayed code means it leaked: what it gave is revoked (RFC 6749 section 4.1.2)."""
    await session.execute(
        update(OAuthAccessToken)
        .where(OAuthAccessToken.authorization_code_id == code_id, OAuthAccessToken.revoked_at.is_(None))
        .values(revoked_at=utcnow()))


READ = tuple(f"read:{n}" for n in ("accounts", "blocks", "bookmarks", "favourites", "filters", "follows",
                                   "lists", "mutes", "notifications", "search", "statuses"))
WRITE = tuple(f"write:{n}" for n in ("accounts", "blocks", "bookmarks", "conversations", "favourites",
                                     "filters", "follows", "lists", "media", "mutes", "notifications",
                                     "reports", "statuses"))
FOLLOW = ("read:blocks", "read:follows", "read:mutes", "write:blocks", "write:follows", "write:mutes")
_ADMIN_KINDS = ("accounts", "reports", "domain_allows", "domain_blocks", "ip_blocks", "email_domain_blocks",
                "canonical_email_blocks")
ADMIN_READ = tuple(f"admin:read:{n}" for n in _ADMIN_KINDS)
ADMIN_WRITE = tuple(f"admin:write:{n}" for n in _ADMIN_KINDS)

GRANTS: dict[str, tuple[str, ...]] = {
    "read": READ, "write": WRITE, "follow": FOLLOW, "push": (), "profile": (),
    "admin:read": ADMIN_READ, "admin:write": ADMIN_WRITE,
}
ALL_SCOPES: tuple[str, ...] = (*GRANTS, *READ, *WRITE, *ADMIN_READ, *ADMIN_WRITE)
DEFAULT_SCOPES = ("read",)
MAX_SCOPES_CHARS = 1024

# What the consent page says each scope lets the app do.
DESCRIPTIONS = {
    "read": "read your account's data: posts, timelines, follows, notifications, lists",
    "write": "post, edit and delete for you, change your profile, follow, favourite, boost",
    "follow": "see and change whom you follow, block and mute",
    "push": "send you push notifications",
    "profile": "see your profile only",
    "admin:read": "read moderation data (reports, accounts, domain rules)",
    "admin:write": "take moderation actions",
}


def parse(text: str | None, *, default: tuple[str, ...] = DEFAULT_SCOPES) -> tuple[str, ...]:
    """Space- or plus-separated scopes, deduplicated in order; unknown ones are refused."""
    if text is not None and len(text) > MAX_SCOPES_CHARS:
        raise Invalid("scopes are too long")
    words = tuple(dict.fromkeys((text or "").replace("+", " ").split()))
    if not words:
        return default
    unknown = [w for w in words if w not in ALL_SCOPES]
    if unknown:
        raise Invalid(f"unknown scope {unknown[0]!r}; known scopes: read, write, follow, push, profile, "
                      "admin:read, admin:write and their granular forms such as read:statuses")
    return words


@functools.lru_cache(maxsize=1024)  # a token's scope string is checked on every request
def expand(scopes: str) -> frozenset[str]:
    """Every scope a space-separated scope string grants, granular forms included."""
    granted: set[str] = set()
    for scope in scopes.split():
        granted.add(scope)
        granted.update(GRANTS.get(scope, ()))
    return frozenset(granted)


def allows(granted: str, *needed: str) -> bool:
    """True when the granted scopes include any one of `needed` (as Doorkeeper's `acceptable?`)."""
    have = expand(granted)
    return any(scope in have for scope in needed)


def within(requested: tuple[str, ...], registered: str) -> bool:
    """An authorization may ask only for scopes the app registered (or their granular forms)."""
    have = expand(registered)
    return all(scope in have for scope in requested)
