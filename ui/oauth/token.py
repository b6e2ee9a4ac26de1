"""`POST /oauth/token`, `POST /oauth/revoke` and `/.well-known/oauth-authorization-server`.

Grants: `authorization_code` (PKCE S256 or plain, required whenever the authorization used
it, refused when a verifier comes for a code that had no challenge), `client_credentials`
(an app token, no member), and `password` while the `oauth_password_grant` setting is on.
Tokens given to members (code and password grants) come with a refresh token: `refresh_token`
revokes the token it belongs to and issues a new pair, so each refresh token works once (one
used again is `invalid_grant`, and nothing is issued). Access tokens do not expire, as on
Mastodon; refreshing is for apps that rotate them. Errors are
RFC 6749 JSON: `{"error": code, "error_description": text}`; nothing is written on an error,
except that replaying a used code revokes the token it gave (RFC 6749 section 4.1.2).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import logging
import re
from typing import NoReturn
from urllib.parse import unquote_plus

import orjson
from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncSession

from storage.errors import Invalid
from storage.models import Actor, OAuthApplication, User, utcnow
from ui.keys import SERVICES, SETTINGS_CACHE
from ui.oauth import store
from ui.oauth.credentials import PASSWORD_GATE, check_login, refusal
from ui.params import Params, read_params
from ui.recent import recent_of

log = logging.getLogger("amity.oauth")
_VERIFIER = re.compile(r"^[A-Za-z0-9._~-]{43,128}$")
INVALID_GRANT = ("The provided authorization grant is invalid, expired, revoked, does not match the "
                 "redirection URI used in the authorization request, or was issued to another client.")
INVALID_CLIENT = ("Client authentication failed due to unknown client, no client authentication "
                  "included, or unsupported authentication method.")
NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}
GRANTS = ("authorization_code", "client_credentials", "password", "refresh_token")
_ERRORS: dict[int, type[web.HTTPException]] = {
    400: web.HTTPBadRequest, 401: web.HTTPUnauthorized, 403: web.HTTPForbidden,
}


def oauth_error(status: int, code: str, description: str, *, headers: dict[str, str] | None = None
                ) -> NoReturn:
    body = orjson.dumps({"error": code, "error_description": description}).decode()
    raise _ERRORS[status](text=body, content_type="application/json", headers={**NO_STORE, **(headers or {})})


async def _params(request: web.Request) -> Params:
    try:
        return await read_params(request)
    except web.HTTPBadRequest as exc:
        oauth_error(400, "invalid_request", _message(exc))


def _message(exc: web.HTTPException) -> str:
    try:
        return str(orjson.loads(exc.text or "{}").get("error", exc.reason))
    except orjson.JSONDecodeError:
        return exc.reason


def _text(params: Params, name: str) -> str:
    try:
        return params.text(name) or ""
    except Invalid as exc:
        oauth_error(400, "invalid_request", str(exc))


def client_credentials(request: web.Request, params: Params) -> tuple[str, str, bool]:
    """(client_id, client_secret, sent as HTTP Basic) from the Authorization header or the body."""
    header = request.headers.get("Authorization", "")
    if header[:6].lower() == "basic ":
        try:
            decoded = base64.b64decode(header[6:].strip(), validate=True).decode()
        except (binascii.Error, UnicodeDecodeError):
            oauth_error(401, "invalid_client", INVALID_CLIENT, headers={"WWW-Authenticate": "Basic"})
        client_id, _, secret = decoded.partition(":")
        return unquote_plus(client_id), unquote_plus(secret), True
    return _text(params, "client_id"), _text(params, "client_secret"), False


async def _authenticated_app(request: web.Request, db: AsyncSession, params: Params) -> OAuthApplication:
    client_id, secret, basic = client_credentials(request, params)
    app = await store.authenticate_app(db, client_id, secret) if client_id and secret else None
    if app is None:
        oauth_error(401, "invalid_client", INVALID_CLIENT,
                    headers={"WWW-Authenticate": "Basic"} if basic else None)
    return app


def _requested_scopes(params: Params, app: OAuthApplication) -> str:
    try:
        wanted = store.parse(_text(params, "scope") or None)
    except Invalid as exc:
        oauth_error(400, "invalid_scope", str(exc))
    if not store.within(wanted, app.scopes):
        oauth_error(400, "invalid_scope", "The requested scope is invalid, unknown, or malformed.")
    return " ".join(wanted)


def pkce_matches(verifier: str, challenge: str, method: str) -> bool:
    if not _VERIFIER.match(verifier):
        return False
    if method == "S256":
        computed = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).decode().rstrip("=")
    else:
        computed = verifier
    return hmac.compare_digest(computed.encode(), challenge.encode())


class CodeReplayed(Exception):
    def __init__(self, code_id: int, app_id: int) -> None:
        super().__init__(code_id)
        self.code_id, self.app_id = code_id, app_id


async def _authorization_code(db: AsyncSession, app: OAuthApplication, params: Params) -> store.IssuedToken:
    code = await store.find_code(db, _text(params, "code"))
    if code is None or code.application_id != app.id:
        oauth_error(400, "invalid_grant", INVALID_GRANT)
    if code.used_at is not None:
        raise CodeReplayed(code.id, app.id)
    if code.expires_at <= utcnow() or _text(params, "redirect_uri") != code.redirect_uri:
        oauth_error(400, "invalid_grant", INVALID_GRANT)
    verifier = _text(params, "code_verifier")
    if code.code_challenge is not None:
        if not pkce_matches(verifier, code.code_challenge, code.code_challenge_method or "plain"):
            oauth_error(400, "invalid_grant", "The code_verifier does not match the code_challenge.")
    elif verifier:
        oauth_error(400, "invalid_grant", "A code_verifier was sent but the authorization used no PKCE.")
    user = await db.get(User, code.user_id)
    if user is None or refusal(user, await db.get(Actor, user.actor_id)) is not None:
        oauth_error(400, "invalid_grant", INVALID_GRANT)
    if not await store.consume_code(db, code):  # another request won the race for this code
        oauth_error(400, "invalid_grant", INVALID_GRANT)
    return await store.issue_token(db, app=app, user_id=user.id, scopes=code.scopes, code_id=code.id)


async def _password(request: web.Request, params: Params) -> tuple[OAuthApplication, store.IssuedToken]:
    """The password grant, with no connection held while the password is hashed (it may wait
    its turn: `ui.oauth.credentials.PasswordGate`)."""
    sessions = request.app[SERVICES].sessions
    async with sessions() as db:
        app = await _authenticated_app(request, db, params)
    if not await request.app[SETTINGS_CACHE].get(sessions, "oauth_password_grant"):
        oauth_error(400, "unsupported_grant_type", "The password grant is turned off on this server: "
                    "sign in through the browser (authorization code) instead.")
    requested = _requested_scopes(params, app)
    result = await check_login(sessions, request.app[PASSWORD_GATE], _text(params, "username"),
                               _text(params, "password"))
    if result.user is None:
        oauth_error(400, "invalid_grant", result.problem or INVALID_GRANT)
    async with sessions() as db, db.begin():
        return app, await store.issue_token(db, app=app, user_id=result.user.id, scopes=requested)


async def token(request: web.Request) -> web.Response:
    params = await _params(request)
    grant_type = _text(params, "grant_type")
    if not grant_type:
        oauth_error(400, "invalid_request", "grant_type is required")
    if grant_type not in GRANTS:
        oauth_error(400, "unsupported_grant_type",
                    "grant_type must be authorization_code, client_credentials, password or refresh_token")
    if grant_type == "password":
        app, issued = await _password(request, params)
        return _issued(app, grant_type, issued)
    async with request.app[SERVICES].sessions() as db:
        try:
            async with db.begin():  # any error below rolls back: nothing issued
                app = await _authenticated_app(request, db, params)
                if grant_type == "authorization_code":
                    issued = await _authorization_code(db, app, params)
                elif grant_type == "refresh_token":
                    issued = await _refresh(db, app, params)
                else:
                    issued = await store.issue_token(db, app=app, user_id=None,
                                                     scopes=_requested_scopes(params, app))
        except CodeReplayed as replay:
            async with db.begin():
                await store.revoke_tokens_of_code(db, replay.code_id)
            log.warning("oauth.code_replayed", extra={"app_id": replay.app_id})
            oauth_error(400, "invalid_grant", INVALID_GRANT)
    if grant_type == "refresh_token":
        recent_of(request.app).tokens.clear()  # the refreshed token is revoked: refuse it at once here
    return _issued(app, grant_type, issued)


async def _refresh(db: AsyncSession, app: OAuthApplication, params: Params) -> store.IssuedToken:
    """RFC 6749 section 6: a new token for the refresh token's member and scopes (or fewer)."""
    old = await store.find_refreshable(db, _text(params, "refresh_token"))
    if old is None or old.application_id != app.id or old.revoked_at is not None or old.user_id is None:
        oauth_error(400, "invalid_grant", INVALID_GRANT)
    user = await db.get(User, old.user_id)
    if user is None or refusal(user, await db.get(Actor, user.actor_id)) is not None:
        oauth_error(400, "invalid_grant", INVALID_GRANT)
    scopes = old.scopes
    if _text(params, "scope"):
        narrower = _requested_scopes(params, app)
        if not store.within(tuple(narrower.split()), old.scopes):
            oauth_error(400, "invalid_scope", "The requested scope is invalid, unknown, or malformed.")
        scopes = narrower
    if not await store.retire(db, old):  # another request refreshed it first
        oauth_error(400, "invalid_grant", INVALID_GRANT)
    return await store.issue_token(db, app=app, user_id=user.id, scopes=scopes,
                                   code_id=old.authorization_code_id)  # a replayed code revokes these too


def _issued(app: OAuthApplication, grant_type: str, issued: store.IssuedToken) -> web.Response:
    log.info("oauth.token_issued", extra={"app_id": app.id, "grant": grant_type,
                                          "user_id": issued.token.user_id})
    body: dict[str, object] = {
        "access_token": issued.access_token, "token_type": "Bearer", "scope": issued.token.scopes,
        "created_at": int(issued.token.created_at.timestamp()),
    }
    if issued.refresh_token is not None:
        body["refresh_token"] = issued.refresh_token
    return web.json_response(body, headers=NO_STORE)


async def revoke(request: web.Request) -> web.Response:
    params = await _params(request)
    async with request.app[SERVICES].sessions() as db, db.begin():
        app = await _authenticated_app(request, db, params)
        value = _text(params, "token")
        if not value:
            oauth_error(403, "unauthorized_client", "You are not authorized to revoke this token")
        found = await store.find_bearer(db, value)
        token = found.token if found is not None else await store.find_refreshable(db, value)
        if token is not None:  # an unknown token is already as revoked as it can be (RFC 7009)
            if token.application_id != app.id:
                oauth_error(403, "unauthorized_client", "You are not authorized to revoke this token")
            await store.revoke(db, token)
    recent_of(request.app).tokens.clear()  # this process refuses it at once, others within seconds
    return web.json_response({}, headers=NO_STORE)


async def server_metadata(request: web.Request) -> web.Response:
    """RFC 8414 metadata, as Mastodon 4.3 publishes it (plus `password` while it is on)."""
    base = request.app[SERVICES].config.base_url
    grants = ["authorization_code", "client_credentials", "refresh_token"]
    if await request.app[SETTINGS_CACHE].get(request.app[SERVICES].sessions, "oauth_password_grant"):
        grants.append("password")
    return web.json_response({
        "issuer": f"{base}/",
        "authorization_endpoint": f"{base}/oauth/authorize",
        "token_endpoint": f"{base}/oauth/token",
        "revocation_endpoint": f"{base}/oauth/revoke",
        "userinfo_endpoint": f"{base}/oauth/userinfo",
        "app_registration_endpoint": f"{base}/api/v1/apps",
        "scopes_supported": list(store.ALL_SCOPES),
        "response_types_supported": ["code"],
        "response_modes_supported": ["query"],
        "code_challenge_methods_supported": ["S256", "plain"],
        "grant_types_supported": grants,
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
    })


def setup(app: web.Application) -> None:
    for suffix in ("", "/"):
        app.router.add_post(f"/oauth/token{suffix}", token)
        app.router.add_post(f"/oauth/revoke{suffix}", revoke)
        app.router.add_get(f"/.well-known/oauth-authorization-server{suffix}", server_metadata)
