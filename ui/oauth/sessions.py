"""Browser sessions for the sign-in page (and, later, the web UI), and CSRF tokens for forms.

The session cookie holds a random id; the database holds its SHA-256 digest, so the table
alone lets nobody sign in. The cookie is HttpOnly, SameSite=Lax and, on https nodes, Secure
with the `__Host-` prefix (no subdomain can set or read it). On plain-http development nodes
it cannot be Secure (browsers would drop it), so there it has the bare name.

Every form carries a CSRF token. Signed in, it is the session's own random secret (kept in the
database, never in a cookie); before signing in, it is a random value that must match a
separate HttpOnly cookie set with the form (double submit), so another site can neither read
nor forge either.
"""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass
from datetime import timedelta

from aiohttp import web
from sqlalchemy import delete, select

from storage.models import Actor, BrowserSession, User, utcnow
from ui.keys import SERVICES
from ui.oauth.credentials import UNCONFIRMED, refusal
from ui.oauth.store import digest

SESSION_LIFETIME = timedelta(days=30)
CSRF_FIELD = "csrf_token"


@dataclass(frozen=True)
class SignedIn:
    session: BrowserSession
    user: User
    actor: Actor


_CURRENT = web.RequestKey[SignedIn | None]("amity_signed_in")  # current_session, once per request


def _secure(request: web.Request) -> bool:
    return request.app[SERVICES].config.scheme == "https"


def session_cookie_name(request: web.Request) -> str:
    return "__Host-amity_session" if _secure(request) else "amity_session"


def csrf_cookie_name(request: web.Request) -> str:
    return "__Host-amity_csrf" if _secure(request) else "amity_csrf"


def _set_cookie(request: web.Request, response: web.StreamResponse, name: str, value: str,
                max_age: int | None) -> None:
    response.set_cookie(name, value, max_age=max_age, path="/", httponly=True, samesite="Lax",
                        secure=_secure(request))


async def current_session(request: web.Request) -> SignedIn | None:
    """The signed-in member of this browser, or None (no cookie, unknown, expired, disabled)."""
    if _CURRENT in request:
        return request[_CURRENT]
    found = await _load_session(request)
    request[_CURRENT] = found
    return found


async def _load_session(request: web.Request) -> SignedIn | None:
    value = request.cookies.get(session_cookie_name(request))
    if not value or len(value) > 256:
        return None
    async with request.app[SERVICES].sessions() as db:
        row = (await db.execute(
            select(BrowserSession, User, Actor)
            .join(User, User.id == BrowserSession.user_id)
            .join(Actor, Actor.id == User.actor_id)
            .where(BrowserSession.session_hash == digest(value), BrowserSession.expires_at > utcnow())
        )).first()
    if row is None:
        return None
    signed_in = SignedIn(*row)
    user = signed_in.user
    if refusal(user, signed_in.actor) not in (None, UNCONFIRMED):  # unconfirmed: may confirm, sign out
        return None
    return signed_in


async def start_session(request: web.Request, response: web.StreamResponse, user: User) -> None:
    """A new session (never reusing an old id), its cookie set on `response`; the browser's
    previous session, if any, ends."""
    value = secrets.token_urlsafe(32)
    now = utcnow()
    previous = request.cookies.get(session_cookie_name(request))
    async with request.app[SERVICES].sessions() as db, db.begin():
        await db.execute(delete(BrowserSession).where(BrowserSession.expires_at < now))
        if previous and len(previous) <= 256:
            await db.execute(delete(BrowserSession).where(BrowserSession.session_hash == digest(previous)))
        db.add(BrowserSession(session_hash=digest(value), user_id=user.id,
                              csrf_secret=secrets.token_urlsafe(32), created_at=now,
                              expires_at=now + SESSION_LIFETIME))
    _set_cookie(request, response, session_cookie_name(request), value,
                int(SESSION_LIFETIME.total_seconds()))
    response.del_cookie(csrf_cookie_name(request), path="/")


async def end_session(request: web.Request, response: web.StreamResponse) -> None:
    signed_in = await current_session(request)
    if signed_in is not None:
        async with request.app[SERVICES].sessions() as db, db.begin():
            await db.execute(delete(BrowserSession).where(BrowserSession.id == signed_in.session.id))
    request[_CURRENT] = None
    response.del_cookie(session_cookie_name(request), path="/")


def csrf_token(request: web.Request, signed_in: SignedIn | None) -> str:
    """The token to put in a form shown to this browser (see `remember_csrf_cookie`)."""
    if signed_in is not None:
        return signed_in.session.csrf_secret
    existing = request.cookies.get(csrf_cookie_name(request), "")
    return existing if 20 <= len(existing) <= 64 else secrets.token_urlsafe(32)


def remember_csrf_cookie(request: web.Request, response: web.StreamResponse, token: str,
                         signed_in: SignedIn | None) -> None:
    """Before sign-in the form's token must also be in a cookie for the POST to match."""
    if signed_in is None and request.cookies.get(csrf_cookie_name(request)) != token:
        _set_cookie(request, response, csrf_cookie_name(request), token, None)


def csrf_valid(request: web.Request, presented: str | None, signed_in: SignedIn | None) -> bool:
    if not presented:
        return False
    if signed_in is not None:
        expected = signed_in.session.csrf_secret
    else:
        expected = request.cookies.get(csrf_cookie_name(request), "")
    return bool(expected) and hmac.compare_digest(presented.encode(), expected.encode())
