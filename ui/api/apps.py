"""`POST /api/v1/apps` (register a client app) and `GET /api/v1/apps/verify_credentials`."""

from __future__ import annotations

import logging
from urllib.parse import urlsplit

from aiohttp import web

from storage.errors import Invalid
from storage.models import OAuthApplication
from ui.api.auth import Auth
from ui.api.entities import application, credential_application
from ui.api.responses import json_ok
from ui.keys import SERVICES
from ui.oauth import store
from ui.oauth.redirects import parse_redirect_uris
from ui.params import read_params

log = logging.getLogger("amity.oauth")
MAX_NAME_CHARS = 100
MAX_WEBSITE_CHARS = 2000


def _website(value: str | None) -> str | None:
    if not value:
        return None
    parts = urlsplit(value)
    if len(value) > MAX_WEBSITE_CHARS or parts.scheme not in ("http", "https") or not parts.hostname:
        raise Invalid("Validation failed: Website must be an http or https URL")
    return value


async def create(request: web.Request) -> web.Response:
    params = await read_params(request)
    name = (params.text("client_name") or "").strip()
    if not name:
        raise Invalid("Validation failed: Application name can't be blank")
    if len(name) > MAX_NAME_CHARS:
        raise Invalid(f"Validation failed: Application name is too long (maximum is {MAX_NAME_CHARS} "
                      "characters)")
    raw_uris = params.raw("redirect_uris")
    if raw_uris is not None and not isinstance(raw_uris, str | list):
        raise Invalid("redirect_uris must be a string or a list of strings")
    redirect_uris = parse_redirect_uris(params.strings("redirect_uris") if isinstance(raw_uris, list)
                                        else raw_uris)
    wanted = " ".join(store.parse(params.text("scopes")))
    website = _website(params.text("website"))
    async with request.app[SERVICES].sessions() as db, db.begin():
        created = await store.create_app(db, name=name, website=website, redirect_uris=redirect_uris,
                                         scopes=wanted)
    log.info("oauth.app_registered", extra={"app_id": created.app.id})
    return json_ok(credential_application(created.app, created.client_secret))


async def verify_credentials(request: web.Request, auth: Auth) -> web.Response:
    async with request.app[SERVICES].sessions() as db:
        app = await db.get(OAuthApplication, auth.application_id)
    assert app is not None  # tokens are deleted with their app
    return json_ok(application(app))
