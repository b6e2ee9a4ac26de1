"""The one sign-in page, `/auth/sign_in?next=…`, and `POST /auth/sign_out`.

Used by OAuth authorization now and by the web UI later. A failed sign-in stores nothing; a
successful one starts a fresh session and goes to `next` only if it is a path on this server.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from urllib.parse import urlencode

from aiohttp import web

from federation.render import handle
from ui.keys import SERVICES, SETTINGS_CACHE
from ui.oauth import pages
from ui.oauth.credentials import PASSWORD_GATE, check_login
from ui.oauth.redirects import DEFAULT_NEXT, safe_next
from ui.oauth.sessions import (
    CSRF_FIELD,
    csrf_token,
    csrf_valid,
    current_session,
    end_session,
    remember_csrf_cookie,
    start_session,
)

log = logging.getLogger("amity.oauth")
CSRF_REFUSED = "This form has expired or did not come from this site. Reload the page and try again."


async def node_title(request: web.Request) -> str:
    return str(await request.app[SETTINGS_CACHE].get(request.app[SERVICES].sessions, "title"))


async def sign_in_page(request: web.Request) -> web.Response:
    signed_in = await current_session(request)
    title = await node_title(request)
    next_path = safe_next(request.query.get("next"))
    if signed_in is not None:
        if next_path != DEFAULT_NEXT:
            raise web.HTTPSeeOther(next_path)
        domain = request.app[SERVICES].config.domain
        return pages.signed_in_page(title=title, handle=handle(signed_in.actor, domain),
                                    csrf=csrf_token(request, signed_in))
    token = csrf_token(request, None)
    response = pages.sign_in_form(title=title, csrf=token, next_path=next_path)
    remember_csrf_cookie(request, response, token, None)
    return response


async def sign_in(request: web.Request) -> web.StreamResponse:
    form = await request.post()
    next_path = safe_next(_field(form, "next"))
    login = _field(form, "username") or _field(form, "email")
    title = await node_title(request)
    if not csrf_valid(request, _field(form, CSRF_FIELD), None):
        token = csrf_token(request, None)
        response = pages.sign_in_form(title=title, csrf=token, next_path=next_path, username=login,
                                      error=CSRF_REFUSED, status=403)
        remember_csrf_cookie(request, response, token, None)
        return response
    result = await check_login(request.app[SERVICES].sessions, request.app[PASSWORD_GATE], login,
                               _field(form, "password"))
    if result.user is None:
        log.info("oauth.sign_in_refused")
        token = csrf_token(request, None)
        response = pages.sign_in_form(title=title, csrf=token, next_path=next_path, username=login,
                                      error=result.problem, status=401)
        remember_csrf_cookie(request, response, token, None)
        return response
    response = see_other(next_path)
    await start_session(request, response, result.user)
    log.info("oauth.signed_in", extra={"user_id": result.user.id})
    return response


async def sign_out(request: web.Request) -> web.StreamResponse:
    form = await request.post()
    signed_in = await current_session(request)
    if signed_in is not None and not csrf_valid(request, _field(form, CSRF_FIELD), signed_in):
        return pages.error_page(CSRF_REFUSED, status=403, title=await node_title(request))
    next_path = safe_next(_field(form, "next"))
    target = DEFAULT_NEXT if next_path == DEFAULT_NEXT else f"{DEFAULT_NEXT}?{urlencode({'next': next_path})}"
    response = see_other(target)
    await end_session(request, response)
    return response


def see_other(location: str) -> web.Response:
    return web.Response(status=303, headers={"Location": location, "Cache-Control": "no-store"})


def _field(form: Mapping[str, object], name: str) -> str:
    value = form.get(name)
    return value if isinstance(value, str) else ""


def setup(app: web.Application) -> None:
    app.router.add_get("/auth/sign_in", sign_in_page)
    app.router.add_post("/auth/sign_in", sign_in)
    app.router.add_post("/auth/sign_out", sign_out)
