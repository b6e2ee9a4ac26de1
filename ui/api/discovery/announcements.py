"""`/api/v1/announcements`: the node's current announcements for a member (dismissed ones
only with `with_dismissed=true`), dismiss one, add or remove an emoji reaction
(`actors.accounts.announcements`)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncSession

from actors.accounts import announcements
from storage.models import Announcement
from ui.api.auth import MemberAuth
from ui.api.entities import Urls, iso_datetime
from ui.api.responses import json_ok
from ui.api.routing import path_id, urls
from ui.api.statuses.entity import custom_emoji
from ui.keys import SERVICES
from ui.params import read_params


async def render_announcements(db: AsyncSession, actor_id: int, rows: Sequence[Announcement],
                               dismissed: set[int], links: Urls) -> list[dict[str, Any]]:
    reactions = await announcements.reactions(db, actor_id, [row.id for row in rows])
    return [_announcement(row, row.id in dismissed, reactions[row.id], links) for row in rows]


def _announcement(row: Announcement, read: bool, reactions: Sequence[announcements.ReactionCount],
                  links: Urls) -> dict[str, Any]:
    return {
        "id": str(row.id), "content": row.content,
        "starts_at": iso_datetime(row.starts_at) if row.starts_at else None,
        "ends_at": iso_datetime(row.ends_at) if row.ends_at else None,
        "all_day": bool(row.all_day), "published": True, "published_at": iso_datetime(row.published_at),
        "updated_at": iso_datetime(row.updated_at), "read": read,
        "mentions": [], "statuses": [], "tags": [], "emojis": [],
        "reactions": [_reaction(r, links) for r in reactions],
    }


def _reaction(reaction: announcements.ReactionCount, links: Urls) -> dict[str, Any]:
    entity: dict[str, Any] = {"name": reaction.name, "count": reaction.count, "me": reaction.me}
    if reaction.emoji is not None:
        image = custom_emoji(reaction.emoji, links)
        entity.update(url=image["url"], static_url=image["static_url"])
    return entity


async def list_announcements(request: web.Request, auth: MemberAuth) -> web.Response:
    with_dismissed = (await read_params(request)).flag("with_dismissed") or False
    async with request.app[SERVICES].sessions() as db:
        rows, dismissed = await announcements.current(db, auth.actor.id, with_dismissed=with_dismissed)
        return json_ok(await render_announcements(db, auth.actor.id, rows, dismissed, urls(request)))


async def dismiss(request: web.Request, auth: MemberAuth) -> web.Response:
    announcement_id = path_id(request)
    async with request.app[SERVICES].sessions() as db, db.begin():
        await announcements.dismiss(db, auth.actor.id, announcement_id)
    return json_ok({})


async def add_reaction(request: web.Request, auth: MemberAuth) -> web.Response:
    announcement_id = path_id(request)
    async with request.app[SERVICES].sessions() as db, db.begin():
        await announcements.react(db, auth.actor.id, announcement_id, request.match_info["name"])
    return json_ok({})


async def remove_reaction(request: web.Request, auth: MemberAuth) -> web.Response:
    announcement_id = path_id(request)
    async with request.app[SERVICES].sessions() as db, db.begin():
        await announcements.unreact(db, auth.actor.id, announcement_id, request.match_info["name"])
    return json_ok({})
