"""`POST /api/v1/accounts`: an app signs a new member up (Mastodon's registration API).

The app's own token (client credentials, `write:accounts`) sends username, email, password,
agreement, locale, reason and, on invite-only nodes, invite_code. The answer is a Token
entity for the new member with the app token's scopes, as Mastodon; it works once the
account is confirmed (the mailed link) and approved: until then the API answers 403 with
the reason (`ui.api.auth.as_member`).
"""

from __future__ import annotations

import logging

from aiohttp import web

from actors.accounts.registration import sign_up
from storage.errors import Invalid
from storage.models import OAuthApplication
from ui.api.auth import Auth
from ui.api.responses import api_error, json_ok
from ui.keys import SERVICES
from ui.middlewares import client_ip
from ui.oauth import store
from ui.oauth.token import NO_STORE
from ui.params import read_params

log = logging.getLogger("amity.registration")
MAX_LOCALE_CHARS = 16


async def create_account(request: web.Request, auth: Auth) -> web.Response:
    if auth.user is not None:
        api_error(403, "This action is not allowed: sign-up needs the app's own token, not a member's")
    params = await read_params(request)
    username, email = params.required_text("username"), params.required_text("email")
    password = params.required_text("password")
    if params.flag("agreement") is not True:
        raise Invalid("You must agree to the server rules (agreement=true)")
    locale = params.text("locale", max_length=MAX_LOCALE_CHARS) or "en"
    config = request.app[SERVICES].config
    async with request.app[SERVICES].sessions() as db, db.begin():
        app = await db.get(OAuthApplication, auth.application_id)
        if app is None:
            api_error(401, "The access token is invalid")
        joined = await sign_up(db, config, username=username.strip(), email=email, password=password,
                               locale=locale, reason=params.text("reason") or "",
                               invite_code=params.text("invite_code") or None, ip=client_ip(request))
        issued = await store.issue_token(db, app=app, user_id=joined.user.id, scopes=auth.scopes)
    log.info("registration.signed_up", extra={"user_id": joined.user.id, "app_id": app.id,
                                              "awaiting_approval": joined.awaiting_approval})
    return json_ok({"access_token": issued.access_token, "token_type": "Bearer", "scope": issued.token.scopes,
                    "created_at": int(issued.token.created_at.timestamp())}, headers=NO_STORE)
