"""Joining and account recovery pages, without JavaScript: `/auth/sign_up`, `/invite/:code`,
`/auth/confirmation`, `/auth/password` and `/auth/password/edit`.

Forms carry the sign-in page's CSRF token (double submit before sign-in); a refused form
stores nothing. The work is `actors.accounts.registration`'s; the pages say what happens next.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping

from aiohttp import web

from actors.accounts.registration import (
    confirm_email,
    invite_is_usable,
    request_password_reset,
    reset_password,
    sign_in_refusal,
    sign_up,
)
from storage import settings
from storage.errors import Conflict, Forbidden, Invalid
from ui.keys import SERVICES
from ui.middlewares import client_ip
from ui.oauth import signup_pages
from ui.oauth.sessions import CSRF_FIELD, csrf_token, csrf_valid, remember_csrf_cookie
from ui.oauth.signin import CSRF_REFUSED, node_title

log = logging.getLogger("amity.registration")
CLOSED = "This server is not accepting new accounts."
INVITE_ONLY = "This server accepts new accounts by invitation only: ask a member for an invite link."
BAD_INVITE = "This invite link is not valid (it may have expired or been used up)."
RESET_SENT = ("If an account uses that address, we have mailed it a link to choose a new password. "
              "It works once, for two hours.")


def _text(form: Mapping[str, object], name: str) -> str:
    value = form.get(name)
    return value if isinstance(value, str) else ""


def _sentence(message: str) -> str:
    """A domain error as a sentence (Mastodon's messages keep their own capitals)."""
    return message[:1].upper() + message[1:].rstrip(".") + "."


def _locale(request: web.Request) -> str:
    """The browser's first language (two letters), for the account's e-mail and interface."""
    first = request.headers.get("Accept-Language", "")[:2].lower()
    return first if len(first) == 2 and first.isalpha() and first.isascii() else "en"


async def _mode(request: web.Request) -> str:
    """Read fresh (not from the settings cache): the page must agree with what sign-up does."""
    async with request.app[SERVICES].sessions() as db:
        return str(await settings.get(db, "registration_mode"))


async def _rules(request: web.Request) -> list[str]:
    async with request.app[SERVICES].sessions() as db:
        return [str(rule) for rule in await settings.get(db, "rules")]


def _with_csrf(request: web.Request, render: signup_pages.Render) -> web.Response:
    """A form page with a fresh pre-sign-in CSRF token (and its cookie)."""
    token = csrf_token(request, None)
    response = render(token)
    remember_csrf_cookie(request, response, token, None)
    return response


async def sign_up_page(request: web.Request, invite_code: str = "") -> web.Response:
    title, mode = await node_title(request), await _mode(request)
    if invite_code:
        async with request.app[SERVICES].sessions() as db:
            usable = await invite_is_usable(db, invite_code)
        if not usable:
            return signup_pages.message_page("Invite not valid", BAD_INVITE, title=title, status=404,
                                             error=True)
    elif mode == "closed":
        return signup_pages.message_page("Sign-up is closed", CLOSED, title=title, status=403)
    elif mode == "invite":
        return signup_pages.message_page("Sign-up by invitation", INVITE_ONLY, title=title, status=403)
    rules = await _rules(request)
    return _with_csrf(request, lambda csrf: signup_pages.sign_up_form(
        title=title, csrf=csrf, invite_code=invite_code, approval=mode == "approval", rules=rules))


async def invite_page(request: web.Request) -> web.Response:
    return await sign_up_page(request, request.match_info["code"])


async def sign_up_get(request: web.Request) -> web.Response:
    return await sign_up_page(request, request.query.get("invite_code", ""))


async def sign_up_post(request: web.Request) -> web.Response:
    form = await request.post()
    title, mode = await node_title(request), await _mode(request)
    invite_code = _text(form, "invite_code")
    values = {name: _text(form, name) for name in ("username", "email", "reason")}
    rules = await _rules(request)

    def again(error: str, status: int) -> web.Response:
        return _with_csrf(request, lambda csrf: signup_pages.sign_up_form(
            title=title, csrf=csrf, invite_code=invite_code, approval=mode == "approval", values=values,
            rules=rules, error=error, status=status))

    if not csrf_valid(request, _text(form, CSRF_FIELD), None):
        return again(CSRF_REFUSED, 403)
    if _text(form, "password") != _text(form, "password_confirmation"):
        return again("The two passwords are not the same.", 422)
    if not _text(form, "agreement"):
        return again("You must agree to the server rules to join.", 422)
    config = request.app[SERVICES].config
    try:
        async with request.app[SERVICES].sessions() as db, db.begin():
            joined = await sign_up(db, config, username=values["username"].strip(), email=values["email"],
                                   password=_text(form, "password"), reason=values["reason"],
                                   locale=_locale(request),
                                   invite_code=invite_code or None, ip=client_ip(request))
    except Forbidden as refused:
        return again(_sentence(str(refused)), 403)
    except (Invalid, Conflict) as problem:
        return again(_sentence(str(problem)), 422)
    log.info("registration.signed_up", extra={"user_id": joined.user.id, "via": "page"})
    if joined.confirmation_mailed:
        message = (f"We have mailed a link to {joined.user.email}: open it to confirm your address."
                   + (" A moderator will then review your account." if joined.awaiting_approval else ""))
        return signup_pages.message_page("Check your e-mail", message, title=title)
    if joined.awaiting_approval:
        return signup_pages.message_page("Almost there", "A moderator will review your account; you can "
                                         "sign in once it is approved.", title=title)
    return signup_pages.message_page("Welcome!", "Your account is ready.", title=title, sign_in_link=True)


async def confirmation(request: web.Request) -> web.Response:
    """The mailed link: confirms the address once, then says what is next."""
    title = await node_title(request)
    token = request.query.get("confirmation_token", "")
    try:
        async with request.app[SERVICES].sessions() as db, db.begin():
            user = await confirm_email(db, token[:128])
    except Invalid as problem:
        return signup_pages.message_page("Link not valid", str(problem).capitalize() + ".", title=title,
                                         status=400, error=True)
    refusal = sign_in_refusal(user, request.app[SERVICES].config)
    if refusal:
        return signup_pages.message_page("Address confirmed", f"Thank you. Next: {refusal}.", title=title)
    return signup_pages.message_page("Address confirmed", "Thank you: you can sign in now.", title=title,
                                     sign_in_link=True)


async def reset_request_page(request: web.Request) -> web.Response:
    title = await node_title(request)
    return _with_csrf(request, lambda csrf: signup_pages.reset_request_form(title=title, csrf=csrf))


async def reset_request(request: web.Request) -> web.Response:
    form = await request.post()
    title = await node_title(request)
    if not csrf_valid(request, _text(form, CSRF_FIELD), None):
        return _with_csrf(request, lambda csrf: signup_pages.reset_request_form(
            title=title, csrf=csrf, error=CSRF_REFUSED, status=403))
    async with request.app[SERVICES].sessions() as db, db.begin():
        await request_password_reset(db, request.app[SERVICES].config, _text(form, "email")[:320])
    return signup_pages.message_page("Check your e-mail", RESET_SENT, title=title)


async def new_password_page(request: web.Request) -> web.Response:
    title = await node_title(request)
    token = request.query.get("reset_password_token", "")[:128]
    return _with_csrf(request, lambda csrf: signup_pages.new_password_form(title=title, csrf=csrf,
                                                                           token=token))


async def new_password(request: web.Request) -> web.Response:
    form = await request.post()
    title = await node_title(request)
    token = _text(form, "reset_password_token")[:128]

    def again(error: str, status: int) -> web.Response:
        return _with_csrf(request, lambda csrf: signup_pages.new_password_form(
            title=title, csrf=csrf, token=token, error=error, status=status))

    if not csrf_valid(request, _text(form, CSRF_FIELD), None):
        return again(CSRF_REFUSED, 403)
    if _text(form, "password") != _text(form, "password_confirmation"):
        return again("The two passwords are not the same.", 422)
    try:
        async with request.app[SERVICES].sessions() as db, db.begin():
            await reset_password(db, token, _text(form, "password"))
    except Invalid as problem:
        return again(str(problem).capitalize() + ".", 422)
    return signup_pages.message_page("Password changed", "Your password is changed, and every app was "
                                     "signed out: sign in again with the new one.", title=title,
                                     sign_in_link=True)


def setup(app: web.Application) -> None:
    app.router.add_get("/auth/sign_up", sign_up_get)
    app.router.add_post("/auth/sign_up", sign_up_post)
    app.router.add_get("/invite/{code}", invite_page)
    app.router.add_get("/auth/confirmation", confirmation)
    app.router.add_get("/auth/password", reset_request_page)
    app.router.add_post("/auth/password", reset_request)
    app.router.add_get("/auth/password/edit", new_password_page)
    app.router.add_post("/auth/password/edit", new_password)
