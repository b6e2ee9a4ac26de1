"""The Mastodon client API: one route table (`setup`), one module or folder per resource; CORS
for browser apps.

`setup(app)` registers every route. Module map: `apps`, `instance` (+ `instance_queries`,
`limits` for the configuration block), `custom_emojis`, `accounts/` (profiles, relationships, lists of
accounts, sign-up: see its `__init__`), `timelines` (home, public, tag, account statuses,
bookmarks, favourites; + `timeline_pages`, `status_cache`), `search` (+ `accounts.search`,
`remote_lookup`), `tags`, `statuses/` (posting and reading statuses, actions on them,
attachments, polls, the Status entity: see its `__init__`); `auth` (bearer tokens, the
per-endpoint scope decorators), `entities` (Account, CredentialAccount, Application: for every
module that serializes accounts), `responses` (JSON and errors), `routing` (both slash forms,
CORS, path ids), `paging` (Link headers). Request parameters: `ui.params`.
"""

from __future__ import annotations

from aiohttp import web

from ui.api import apps, custom_emojis, instance, routing, search, tags, timelines
from ui.api.accounts import (
    default_images,
    followers,
    profile_images,
    profiles,
    registration,
    relation_lists,
    relationships,
)
from ui.api.statuses import actions, attachments, crud, polls


def setup(app: web.Application) -> None:
    apps.setup(app)
    instance.setup(app)
    relation_lists.setup(app)  # before accounts: `/accounts/familiar_followers` is not an id
    custom_emojis.setup(app)
    followers.setup(app)  # before accounts: `/accounts/search` is not an id
    profiles.setup(app)
    profile_images.setup(app)
    relationships.setup(app)
    registration.setup(app)
    search.setup(app)
    tags.setup(app)
    timelines.setup(app)
    crud.setup(app)
    actions.setup(app)
    attachments.setup(app)
    polls.setup(app)
    default_images.setup(app)
    routing.setup_cors(app)
