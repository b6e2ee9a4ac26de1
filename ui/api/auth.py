"""Bearer tokens on client API requests, and the per-endpoint scope check.

Mastodon's order of refusals: no or unknown token 401, a revoked one 401, the token of a
disabled, suspended, unapproved or unconfirmed member 403 on every endpoint (reads of public
data too), scopes that do not cover the endpoint 403 (`This action is outside the authorized
scopes`), an app token where a member is needed 422.

A route's row in the route table (`ui.api.routes`) says who may call it, and wraps its handler
with the matching check:

    member("read:accounts", "profile")   # scoped: a member's token with either scope
    if_token("read:accounts")            # scoped_if_token: public; a token, if sent, must have
                                         # the scope (the handler's auth is None when anonymous)
    app_token("write:accounts")          # app_scoped: any valid token, an app's own too
    staff("manage_federation", "admin:read:domain_blocks")
                                         # a member's token in scope whose role has the
                                         # permission (`actors.moderation.permissions`)
    PUBLIC                               # no token looked at
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Generic, TypeVar

from aiohttp import web

from actors.moderation.permissions import FLAGS, can
from storage.models import Actor, User, utcnow
from ui.api.responses import api_error
from ui.keys import SERVICES
from ui.oauth import store
from ui.oauth.credentials import DISABLED, PENDING, UNCONFIRMED, refusal
from ui.recent import recent_of

TOUCH_EVERY = timedelta(hours=1)  # last_used_at is a hint, not a per-request write
OUT_OF_SCOPE = "This action is outside the authorized scopes"
NOT_ALLOWED = "This action is not allowed"  # Mastodon's answer to a role without the permission
INVALID_TOKEN = "The access token is invalid"


@dataclass(frozen=True)
class Auth:
    token_id: int
    application_id: int
    scopes: str
    user: User | None
    actor: Actor | None


@dataclass(frozen=True)
class MemberAuth:
    """An `Auth` that acts for a member: `user` and `actor` are set."""

    token_id: int
    application_id: int
    scopes: str
    user: User
    actor: Actor


Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
MemberHandler = Callable[[web.Request, MemberAuth], Awaitable[web.StreamResponse]]
AppHandler = Callable[[web.Request, Auth], Awaitable[web.StreamResponse]]
OptionalHandler = Callable[[web.Request, Auth | None], Awaitable[web.StreamResponse]]


def _challenge(message: str) -> dict[str, str]:
    return {"WWW-Authenticate": f'Bearer realm="Amity", error="invalid_token", error_description="{message}"'}


def bearer_value(request: web.Request) -> str | None:
    """The token from `Authorization: Bearer …`, or the `access_token` query parameter."""
    header = request.headers.get("Authorization", "")
    if header[:7].lower() == "bearer ":
        return header[7:].strip()
    return request.query.get("access_token") or None


async def authenticate(request: web.Request) -> Auth | None:
    """The request's token, or None if it sent none; 401 for an unknown or revoked token."""
    value = bearer_value(request)
    if value is None:
        return None
    sessions = request.app[SERVICES].sessions
    async with sessions() as db:
        found = await store.find_bearer(db, value)
    if found is None:
        api_error(401, INVALID_TOKEN, headers=_challenge(INVALID_TOKEN))
    token = found.token
    if token.revoked_at is not None:
        api_error(401, "The access token was revoked", headers=_challenge("The access token was revoked"))
    if found.user is not None:
        _refuse_unusable(found.user, found.actor)
    now = utcnow()
    if token.last_used_at is None or now - token.last_used_at > TOUCH_EVERY:
        async with sessions() as db, db.begin():
            await store.touch(db, token.id, now)
    return Auth(token.id, token.application_id, token.scopes, found.user, found.actor)


def check_scopes(auth: Auth, needed: tuple[str, ...]) -> None:
    if needed and not store.allows(auth.scopes, *needed):
        api_error(403, OUT_OF_SCOPE)


_REFUSALS = {DISABLED: "Your login is currently disabled",
             PENDING: "Your login is currently pending approval",
             UNCONFIRMED: "Your login is missing a confirmed e-mail address"}


def _refuse_unusable(user: User, actor: Actor | None) -> None:
    """403 for a member's token once the member is disabled, suspended, unapproved or
    unconfirmed: on every endpoint, reads included (the token itself stays valid)."""
    refused = refusal(user, actor)
    if refused is not None:
        api_error(403, _REFUSALS[refused])


def as_member(auth: Auth) -> MemberAuth:
    if auth.user is None or auth.actor is None:
        api_error(422, "This method requires an authenticated user")
    _refuse_unusable(auth.user, auth.actor)
    return MemberAuth(auth.token_id, auth.application_id, auth.scopes, auth.user, auth.actor)


async def remembered_authenticate(request: web.Request) -> Auth | None:
    """`authenticate`, answered from this process's memory of valid tokens (`ui.recent`: kept
    TOKEN_MAX_AGE_S seconds, so a revocation elsewhere applies within that time). Unknown and
    revoked tokens are refused by `authenticate` and never remembered."""
    value = bearer_value(request)
    if value is None:
        return None
    tokens = recent_of(request.app).tokens
    auth: Auth | None = tokens.get(value)
    if auth is None:
        auth = await authenticate(request)
        if auth is not None:
            tokens.put(value, auth)
    return auth


async def _required(request: web.Request, needed: tuple[str, ...], *, remembered: bool = False) -> Auth:
    """The request's valid token, in scope; 401 without one."""
    auth = await (remembered_authenticate if remembered else authenticate)(request)
    if auth is None:
        api_error(401, INVALID_TOKEN, headers=_challenge(INVALID_TOKEN))
    check_scopes(auth, needed)
    return auth


def scoped(*needed: str, remembered: bool = False) -> Callable[[MemberHandler], Handler]:
    """A member's token whose scopes include one of `needed`. `remembered`: the token's lookup is
    shared for seconds (`remembered_authenticate`); only for handlers that just read the member."""
    def wrap(handler: MemberHandler) -> Handler:
        @functools.wraps(handler)
        async def run(request: web.Request) -> web.StreamResponse:
            return await handler(request, as_member(await _required(request, needed, remembered=remembered)))
        return run
    return wrap


def staff_scoped(permission: str, *needed: str) -> Callable[[MemberHandler], Handler]:
    """A member's token whose scopes include one of `needed`, for a member whose role has
    `permission` (403 otherwise, after the scope check, as Mastodon orders them)."""
    def wrap(handler: MemberHandler) -> Handler:
        @functools.wraps(handler)
        async def run(request: web.Request) -> web.StreamResponse:
            auth = as_member(await _required(request, needed))
            if not can(auth.user.role, permission):
                api_error(403, NOT_ALLOWED)
            return await handler(request, auth)
        return run
    return wrap


def app_scoped(*needed: str) -> Callable[[AppHandler], Handler]:
    """Any valid token (an app's own token too) whose scopes include one of `needed`."""
    def wrap(handler: AppHandler) -> Handler:
        @functools.wraps(handler)
        async def run(request: web.Request) -> web.StreamResponse:
            return await handler(request, await _required(request, needed))
        return run
    return wrap


def scoped_if_token(*needed: str) -> Callable[[OptionalHandler], Handler]:
    """Public endpoints: anonymous is fine, but a token that is sent must be valid and in scope."""
    def wrap(handler: OptionalHandler) -> Handler:
        @functools.wraps(handler)
        async def run(request: web.Request) -> web.StreamResponse:
            auth = await authenticate(request)
            if auth is not None:
                check_scopes(auth, needed)
            return await handler(request, auth)
        return run
    return wrap


# Who may call a route, as the route table (`ui.api.routes`) declares it; `wrap` applies the
# decorator above, so a handler's scope is written once, in its row.
H_contra = TypeVar("H_contra", contravariant=True)


class Access(Generic[H_contra]):
    kind: str  # the decorator: scoped, app_scoped, scoped_if_token; "public" for none

    def wrap(self, handler: H_contra) -> Handler:
        raise NotImplementedError


@dataclass(frozen=True)
class Member(Access[MemberHandler]):
    """`scoped`: a member's token with one of `scopes`."""

    scopes: tuple[str, ...]
    remembered: bool = False
    kind = "scoped"

    def wrap(self, handler: MemberHandler) -> Handler:
        return scoped(*self.scopes, remembered=self.remembered)(handler)


@dataclass(frozen=True)
class AppToken(Access[AppHandler]):
    """`app_scoped`: any valid token, an app's own too, with one of `scopes` (any, if none)."""

    scopes: tuple[str, ...]
    kind = "app_scoped"

    def wrap(self, handler: AppHandler) -> Handler:
        return app_scoped(*self.scopes)(handler)


@dataclass(frozen=True)
class IfToken(Access[OptionalHandler]):
    """`scoped_if_token`: anyone; a token that is sent must be valid and have one of `scopes`."""

    scopes: tuple[str, ...]
    kind = "scoped_if_token"

    def wrap(self, handler: OptionalHandler) -> Handler:
        return scoped_if_token(*self.scopes)(handler)


@dataclass(frozen=True)
class StaffMember(Access[MemberHandler]):
    """`staff_scoped`: a member's token with one of `scopes`, whose role has `permission`."""

    permission: str
    scopes: tuple[str, ...]
    kind = "staff_scoped"

    def wrap(self, handler: MemberHandler) -> Handler:
        return staff_scoped(self.permission, *self.scopes)(handler)


@dataclass(frozen=True)
class Public(Access[Handler]):
    """No token is looked at (the handler may read one itself, e.g. instance activity)."""

    kind = "public"

    def wrap(self, handler: Handler) -> Handler:
        return handler


def member(*scopes: str, remembered: bool = False) -> Member:
    return Member(scopes, remembered)


def app_token(*scopes: str) -> AppToken:
    return AppToken(scopes)


def staff(permission: str, *scopes: str) -> StaffMember:
    if permission not in FLAGS:
        raise ValueError(f"unknown permission {permission!r}")
    return StaffMember(permission, scopes)


def if_token(*scopes: str) -> IfToken:
    return IfToken(scopes)


PUBLIC = Public()
