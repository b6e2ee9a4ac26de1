"""The Mastodon client API: one route table (`routes`), one module or folder per resource; CORS
for browser apps.

`setup(app)` registers every route of `routes.ROUTES` (method, path, handler, scope, rate-limit
bucket, whether it renders statuses), then the default images and CORS. Module map: `apps`,
`instance` (+ `instance_queries`, `limits` for the configuration block), `custom_emojis`,
`accounts/` (profiles, relationships, lists of accounts, sign-up: see its `__init__`),
`timelines` (home, public, tag, account statuses,
bookmarks, favourites; + `timeline_pages`, `status_cache`), `search` (+ `accounts.search`,
`remote_lookup`), `tags`, `statuses/` (posting and reading statuses, actions on them,
attachments, polls, the Status entity: see its `__init__`), `notifications/` (v1, grouped v2,
policies and requests: see its `__init__`), `markers`; `auth` (bearer tokens, the
scope checks the table applies), `entities` (Account, CredentialAccount, Application: for every
module that serializes accounts), `responses` (JSON and errors), `routing` (both slash forms,
path ids), `paging` (Link headers), `userinfo` (`/oauth/userinfo`). Request parameters:
`ui.params`; CORS: `ui.middlewares`.
"""

from __future__ import annotations

from aiohttp import web

from ui.api import routing, userinfo
from ui.api.accounts import default_images
from ui.api.routes import ROUTES
from ui.middlewares import setup_cors


def setup(app: web.Application) -> None:
    routing.register(app, ROUTES)
    default_images.setup(app)
    userinfo.setup(app)  # under /oauth/, with a member's token: Mastodon 4.4's OpenID Connect claims
    setup_cors(app)
