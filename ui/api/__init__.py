"""The Mastodon client API (first part): apps, instance, accounts; CORS for browser apps.

`setup(app)` registers every route. Module map: `apps`, `instance` (+ `instance_queries`,
`limits` for the configuration block), `accounts` (+ `relationships`); `auth` (bearer tokens,
the per-endpoint scope decorators), `entities` (Account, CredentialAccount, Application: for
every module that serializes accounts), `responses` (JSON and errors), `routing` (both slash
forms, CORS, path ids), `images` (default avatar and header). Request parameters: `ui.params`.
"""

from __future__ import annotations

from aiohttp import web

from ui.api import account_lists, accounts, apps, images, instance, routing, search, tags, timelines


def setup(app: web.Application) -> None:
    apps.setup(app)
    instance.setup(app)
    account_lists.setup(app)  # before accounts: /accounts/search is not an account id
    accounts.setup(app)
    search.setup(app)
    tags.setup(app)
    timelines.setup(app)
    images.setup(app)
    routing.setup_cors(app)
