"""The Mastodon client API (first part): apps, instance, accounts; CORS for browser apps.

`setup(app)` registers every route. Module map: `apps`, `instance` (+ `instance_queries`,
`limits` for the configuration block), `accounts` (+ `relationships`), `social` (follow,
block, mute…), `registration` (sign-up by apps),
`social_lists` (follow requests, blocks, mutes, domain blocks, familiar
followers, custom emoji; `paging` for Link), `account_lists` (followers, following, account
search), `timelines` (home, public, tag, account statuses, bookmarks, favourites), `search`
(+ `account_search`, `remote_lookup`), `tags`; `statuses` (+ `status_params`, `idempotency`),
`status_actions`, `media_api`, `polls_api`, all rendering with `status_entity` (+
`status_views`); `auth` (bearer tokens, the per-endpoint scope
decorators), `entities` (Account, CredentialAccount, Application: for every module that
serializes accounts), `responses` (JSON and errors), `routing` (both slash forms, CORS,
path ids), `images` (default avatar and header), `profile_images` (uploaded ones). Request
parameters: `ui.params`.
"""

from __future__ import annotations

from aiohttp import web

from ui.api import (
    apps,
    instance,
    routing,
    search,
    tags,
    timelines,
)
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
