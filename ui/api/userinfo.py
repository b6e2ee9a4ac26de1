"""`GET /oauth/userinfo` (and POST, as OpenID Connect allows): who the token's member is, in
the shape of Mastodon 4.4's OAuthUserinfoSerializer, for a token with the `profile` scope."""

from __future__ import annotations

from aiohttp import web

from ui.api.auth import MemberAuth, scoped
from ui.api.entities import render_accounts
from ui.api.responses import json_ok
from ui.api.routing import add, urls
from ui.keys import SERVICES

PATH = "/oauth/userinfo"


async def show(request: web.Request, auth: MemberAuth) -> web.Response:
    config = request.app[SERVICES].config
    async with request.app[SERVICES].sessions() as db:
        [account] = await render_accounts(db, [auth.actor], urls(request))
    return json_ok({
        "iss": f"{config.base_url}/",
        "sub": auth.actor.uri,
        "name": account["display_name"],
        "preferred_username": auth.actor.username,
        "profile": account["url"],
        "picture": account["avatar"],
    }, headers={"Cache-Control": "no-store"})


def setup(app: web.Application) -> None:
    handler = scoped("profile")(show)
    add(app, "GET", PATH, handler)
    add(app, "POST", PATH, handler)
