"""Featured tags: `/api/v1/featured_tags` (list, feature, unfeature), `…/suggestions` and an
account's (`/api/v1/accounts/:id/featured_tags`). The rules are `actors.social.tag_choices`.

`url` points at the tag's page here (Amity has no per-account tag page; Mastodon links
`/@name/tagged/tag`); `statuses_count` and `last_status_at` count the account's public and
unlisted posts with the tag.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from aiohttp import web

from actors.posts.compose import tag_url
from actors.social.tag_choices import feature_tag, featured_tags, suggested_tags, unfeature_tag
from storage.models import Actor, FeaturedTag, Tag
from ui.api.auth import Auth, MemberAuth
from ui.api.entities import iso_datetime
from ui.api.responses import NOT_FOUND, api_error, json_ok
from ui.api.routing import path_id, urls
from ui.api.tags import render_tags
from ui.keys import SERVICES
from ui.params import read_params


def render_featured(row: FeaturedTag, tag: Tag, uses: int, last: datetime | None, base_url: str
                    ) -> dict[str, Any]:
    return {"id": str(row.id), "name": tag.display_name or tag.name, "url": tag_url(base_url, tag.name),
            "statuses_count": uses, "last_status_at": iso_datetime(last) if last else None}


async def _featured_of(request: web.Request, actor_id: int) -> list[dict[str, Any]]:
    async with request.app[SERVICES].sessions() as db:
        found = await featured_tags(db, actor_id)
    return [render_featured(*item, urls(request).base_url) for item in found]


async def index(request: web.Request, auth: MemberAuth) -> web.Response:
    return json_ok(await _featured_of(request, auth.actor.id))


async def create(request: web.Request, auth: MemberAuth) -> web.Response:
    name = (await read_params(request)).required_text("name")
    async with request.app[SERVICES].sessions() as db, db.begin():
        row = await feature_tag(db, auth.actor.id, name)
    [entity] = [e for e in await _featured_of(request, auth.actor.id) if e["id"] == str(row.id)]
    return json_ok(entity)


async def delete(request: web.Request, auth: MemberAuth) -> web.Response:
    async with request.app[SERVICES].sessions() as db, db.begin():
        await unfeature_tag(db, auth.actor.id, path_id(request))
    return json_ok({})


async def suggestions(request: web.Request, auth: MemberAuth) -> web.Response:
    async with request.app[SERVICES].sessions() as db:
        tags = await suggested_tags(db, auth.actor.id)
        body = await render_tags(db, tags, urls(request).base_url, viewer_id=auth.actor.id)
    return json_ok(body)


async def of_account(request: web.Request, auth: Auth | None) -> web.Response:
    account_id = path_id(request)
    async with request.app[SERVICES].sessions() as db:
        account = await db.get(Actor, account_id)
    if account is None:
        api_error(404, NOT_FOUND)
    if account.suspended_at is not None:
        return json_ok([])
    return json_ok(await _featured_of(request, account_id))
