"""The Tag entity (with seven days of history), `GET /api/v1/tags/:name`, following a tag
(`tags/:name/follow`, `unfollow`) and the tags a member follows (`followed_tags`)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from urllib.parse import quote

from aiohttp import web
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from actors.posts.compose import normalize_tag
from actors.social.tag_choices import follow_tag, followed_among, tag_named, unfollow_tag
from storage.models import FollowedTag, Status, StatusTag, Tag, utcnow
from ui.api.auth import Auth, MemberAuth
from ui.api.paging import link_header, newest_first, page_of, paginate
from ui.api.responses import NOT_FOUND, api_error, json_ok
from ui.api.routing import urls
from ui.keys import SERVICES
from ui.params import read_params

HISTORY_DAYS = 7


async def tag_history(session: AsyncSession, tag_ids: Sequence[int]) -> dict[int, list[dict[str, str]]]:
    """Per tag, the last seven days newest first: `day` (a UNIX timestamp at midnight UTC, as a
    string), `uses` (posts) and `accounts` (distinct authors). One grouped query for all tags."""
    today = utcnow().date()
    start = datetime.combine(today - timedelta(days=HISTORY_DAYS - 1), time.min, tzinfo=UTC)
    counts: dict[tuple[int, date], tuple[int, int]] = {}
    if tag_ids:
        day = func.date(Status.published_at)
        rows = await session.execute(
            select(StatusTag.tag_id, day, func.count(), func.count(func.distinct(Status.actor_id)))
            .join(Status, Status.id == StatusTag.status_id)
            .where(StatusTag.tag_id.in_(list(set(tag_ids))), Status.published_at >= start,
                   Status.visibility.in_(("public", "unlisted")))
            .group_by(StatusTag.tag_id, day))
        for tag_id, when, uses, accounts in rows.all():
            day_of = when if isinstance(when, date) else date.fromisoformat(str(when))
            counts[(tag_id, day_of)] = (uses, accounts)
    history: dict[int, list[dict[str, str]]] = defaultdict(list)
    for tag_id in tag_ids:
        for back in range(HISTORY_DAYS):
            when = today - timedelta(days=back)
            uses, accounts = counts.get((tag_id, when), (0, 0))
            midnight = int(datetime.combine(when, time.min, tzinfo=UTC).timestamp())
            history[tag_id].append({"day": str(midnight), "uses": str(uses), "accounts": str(accounts)})
    return history


async def render_tags(session: AsyncSession, tags: Sequence[Tag], base_url: str, *, viewer_id: int | None
                      ) -> list[dict[str, Any]]:
    """Tag entities (`following` only for a member viewing)."""
    history = await tag_history(session, [t.id for t in tags])
    followed = await followed_among(session, viewer_id, [t.id for t in tags]) if viewer_id else set()
    rendered = []
    for tag in tags:
        entity: dict[str, Any] = {"name": tag.display_name or tag.name, "id": str(tag.id),
                                  "url": f"{base_url}/tags/{quote(tag.name)}", "history": history[tag.id]}
        if viewer_id is not None:
            entity["following"] = tag.id in followed
        rendered.append(entity)
    return rendered


async def show(request: web.Request, auth: Auth | None) -> web.Response:
    name = normalize_tag(request.match_info["name"].removeprefix("#"))
    async with request.app[SERVICES].sessions() as db:
        tag = await db.scalar(select(Tag).where(Tag.name == name))
        if tag is None:
            api_error(404, NOT_FOUND)
        viewer_id = auth.actor.id if auth and auth.actor else None
        [entity] = await render_tags(db, [tag], urls(request).base_url, viewer_id=viewer_id)
    return json_ok(entity)


async def _follow(request: web.Request, auth: MemberAuth, *, following: bool) -> web.Response:
    """A name that is no hashtag is a 404, as Mastodon; following creates the tag."""
    async with request.app[SERVICES].sessions() as db, db.begin():
        tag = await tag_named(db, request.match_info["name"], create=following)
        if tag is None:
            api_error(404, NOT_FOUND)
        if following:
            await follow_tag(db, auth.actor.id, tag)
        else:
            await unfollow_tag(db, auth.actor.id, tag)
        [entity] = await render_tags(db, [tag], urls(request).base_url, viewer_id=auth.actor.id)
    return json_ok(entity)


async def follow(request: web.Request, auth: MemberAuth) -> web.Response:
    return await _follow(request, auth, following=True)


async def unfollow(request: web.Request, auth: MemberAuth) -> web.Response:
    return await _follow(request, auth, following=False)


async def followed_tags(request: web.Request, auth: MemberAuth) -> web.Response:
    """Paged by the follow's id, 100 by default and at most 200, as Mastodon."""
    page = page_of(await read_params(request), default=100, maximum=200)
    query = (select(FollowedTag.id, Tag).join(Tag, Tag.id == FollowedTag.tag_id)
             .where(FollowedTag.actor_id == auth.actor.id))
    async with request.app[SERVICES].sessions() as db:
        rows = newest_first((await db.execute(paginate(query, FollowedTag.id, page))).all(), page)
        tags = [tag for _, tag in rows]
        body = await render_tags(db, tags, urls(request).base_url, viewer_id=auth.actor.id)
    return json_ok(body, headers=link_header(request, urls(request).base_url, [key for key, _ in rows], page))
