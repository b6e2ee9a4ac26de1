"""`GET/POST /oauth/authorize`: sign in if needed, then a consent page, then a one-time code.

Problems with the client itself (unknown `client_id`, a `redirect_uri` it did not register)
are shown on a page and never redirected, so this endpoint cannot send a browser anywhere
an app did not register. Other problems go back to the app's redirect URI as RFC 6749 errors
(or on the page, for `urn:ietf:wg:oauth:2.0:oob`). The consent form is re-checked in full
when posted: its hidden fields are the browser's, not ours.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlencode

from aiohttp import web

from federation.render import handle
from storage.errors import Invalid
from storage.models import OAuthApplication
from ui.keys import SERVICES
from ui.middlewares import PAGE_CSP
from ui.oauth import pages, store
from ui.oauth.redirects import OOB, form_action_source, with_params
from ui.oauth.sessions import CSRF_FIELD, csrf_token, csrf_valid, current_session, remember_csrf_cookie
from ui.oauth.signin import CSRF_REFUSED, node_title, see_other

log = logging.getLogger("amity.oauth")
_PKCE_CHALLENGE = re.compile(r"^[A-Za-z0-9._~-]{43,128}$")
PKCE_METHODS = ("S256", "plain")
MAX_STATE_CHARS = 2048
FIELDS = ("client_id", "redirect_uri", "response_type", "scope", "state", "code_challenge",
          "code_challenge_method")


class ClientProblem(Exception):
    """The request cannot be trusted to redirect anywhere: shown on a page (400)."""


class AuthorizeError(Exception):
    """An RFC 6749 error to hand back to the client at its (already checked) redirect URI."""

    def __init__(self, code: str, description: str, *, redirect_uri: str, state: str | None) -> None:
        super().__init__(description)
        self.code, self.description, self.redirect_uri, self.state = code, description, redirect_uri, state


@dataclass(frozen=True)
class Grant:
    """A checked authorization request."""

    app: OAuthApplication
    redirect_uri: str
    scopes: tuple[str, ...]
    state: str | None
    code_challenge: str | None
    code_challenge_method: str | None

    def hidden_fields(self) -> dict[str, str | None]:
        return {"client_id": self.app.client_id, "redirect_uri": self.redirect_uri, "response_type": "code",
                "scope": " ".join(self.scopes), "state": self.state, "code_challenge": self.code_challenge,
                "code_challenge_method": self.code_challenge_method}


async def _check(request: web.Request, fields: Mapping[str, str]) -> Grant:
    client_id = fields.get("client_id", "")
    async with request.app[SERVICES].sessions() as db:
        app = await store.find_app(db, client_id)
    if app is None:
        raise ClientProblem("This app is not registered on this server (unknown client_id).")
    redirect_uri = fields.get("redirect_uri", "")
    if not redirect_uri and len(app.redirect_uris) == 1:
        redirect_uri = app.redirect_uris[0]
    if redirect_uri not in app.redirect_uris:
        raise ClientProblem("The redirect URI does not match any that this app registered.")
    state = fields.get("state") or None

    def fail(code: str, description: str) -> AuthorizeError:
        return AuthorizeError(code, description, redirect_uri=redirect_uri, state=state)

    if state is not None and len(state) > MAX_STATE_CHARS:
        raise fail("invalid_request", f"state must be at most {MAX_STATE_CHARS} characters")
    if fields.get("response_type") != "code":
        raise fail("unsupported_response_type", "response_type must be code")
    try:
        wanted = store.parse(fields.get("scope"))
    except Invalid as exc:
        raise fail("invalid_scope", str(exc)) from None
    if not store.within(wanted, app.scopes):
        raise fail("invalid_scope", "The requested scope is not one that this app registered.")
    challenge = fields.get("code_challenge") or None
    method = fields.get("code_challenge_method") or None
    if challenge is not None:
        method = method or "plain"  # RFC 7636 section 4.3
        if method not in PKCE_METHODS:
            raise fail("invalid_request", "code_challenge_method must be S256 or plain")
        if not _PKCE_CHALLENGE.match(challenge):
            raise fail("invalid_request", "code_challenge must be 43-128 characters of A-Z a-z 0-9 - . _ ~")
    elif method is not None:
        raise fail("invalid_request", "code_challenge_method given without a code_challenge")
    return Grant(app, redirect_uri, wanted, state, challenge, method)


def _refusal(exc: AuthorizeError, title: str) -> web.Response:
    if exc.redirect_uri == OOB:
        return pages.error_page(f"{exc.description} ({exc.code})", title=title)
    location = with_params(exc.redirect_uri, {"error": exc.code, "error_description": exc.description,
                                              "state": exc.state})
    return web.Response(status=302, headers={"Location": location, "Cache-Control": "no-store"})


async def authorize_page(request: web.Request) -> web.StreamResponse:
    title = await node_title(request)
    fields = {name: request.query.get(name, "") for name in FIELDS}
    try:
        grant = await _check(request, fields)
    except ClientProblem as exc:
        return pages.error_page(str(exc), title=title)
    except AuthorizeError as exc:
        return _refusal(exc, title)
    if request.query.get("force_login", "").lower() in ("1", "true"):
        # The sign-in form, coming back here without force_login (or it would loop). A GET
        # changes no session: the one in force is replaced only when the form is posted.
        query = {k: v for k, v in request.query.items() if k != "force_login"}
        token = csrf_token(request, None)
        response = pages.sign_in_form(title=title, csrf=token, next_path=f"{request.path}?{urlencode(query)}")
        remember_csrf_cookie(request, response, token, None)
        return response
    signed_in = await current_session(request)
    if signed_in is None:
        return see_other(f"/auth/sign_in?{urlencode({'next': request.raw_path})}")
    response = pages.consent_page(
        title=title, app_name=grant.app.name, website=grant.app.website,
        handle=handle(signed_in.actor, request.app[SERVICES].config.domain), scopes=grant.scopes,
        fields=grant.hidden_fields(), csrf=csrf_token(request, signed_in), here=request.raw_path)
    source = form_action_source(grant.redirect_uri)
    if source is not None:  # browsers apply form-action to the redirect that follows the post
        response.headers["Content-Security-Policy"] = PAGE_CSP.replace(
            "form-action 'self'", f"form-action 'self' {source}")
    return response


async def authorize(request: web.Request) -> web.StreamResponse:
    title = await node_title(request)
    form = await request.post()
    fields = {name: value for name in (*FIELDS, CSRF_FIELD, "decision")
              if isinstance(value := form.get(name, ""), str)}
    signed_in = await current_session(request)
    if signed_in is None:
        return pages.error_page("You are not signed in any more. Start again from the app.", status=403,
                                title=title)
    if not csrf_valid(request, fields.get(CSRF_FIELD), signed_in):
        return pages.error_page(CSRF_REFUSED, status=403, title=title)
    try:
        grant = await _check(request, fields)
    except ClientProblem as exc:
        return pages.error_page(str(exc), title=title)
    except AuthorizeError as exc:
        return _refusal(exc, title)
    if fields.get("decision") != "approve":
        return _refusal(AuthorizeError("access_denied", "The member denied the request.",
                                                redirect_uri=grant.redirect_uri, state=grant.state), title)
    async with request.app[SERVICES].sessions() as db, db.begin():
        code = await store.create_code(db, store.CodeRequest(
            app=grant.app, user_id=signed_in.user.id, scopes=" ".join(grant.scopes),
            redirect_uri=grant.redirect_uri, code_challenge=grant.code_challenge,
            code_challenge_method=grant.code_challenge_method))
    log.info("oauth.code_issued", extra={"app_id": grant.app.id, "user_id": signed_in.user.id})
    if grant.redirect_uri == OOB:
        return pages.code_page(title=title, app_name=grant.app.name, code=code)
    location = with_params(grant.redirect_uri, {"code": code, "state": grant.state})
    return web.Response(status=302, headers={"Location": location, "Cache-Control": "no-store"})


def setup(app: web.Application) -> None:
    for path in ("/oauth/authorize", "/oauth/authorize/"):  # toot links the trailing-slash form
        app.router.add_get(path, authorize_page)
        app.router.add_post(path, authorize)
