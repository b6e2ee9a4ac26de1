"""`GET /api/v2/search`: accounts, hashtags and statuses.

- accounts: `ui.api.accounts.search` (handles, names; `resolve=true` asks WebFinger or fetches
  an actor URL, for signed-in members only);
- hashtags: known tags whose name starts with the query (exact match first);
- statuses (signed-in members only, as Mastodon without full-text search): posts the viewer
  wrote, was mentioned in, favourited, bookmarked or boosted, whose text contains every word
  of the query (case-insensitive substring match over the stored HTML, markup included),
  newest first, without blocked or muted authors, and without what the member's `hide` filters
  of the `public` context leave out (their `warn` filters mark statuses: `filtered`).
`offset` and `limit` (default 20, at most 40) apply to each type; `type` picks one.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web
from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from actors.posts.compose import normalize_tag
from actors.reading import timelines
from actors.reading.visibility import Viewer, can_see, visible_to
from federation.domain_rules import load_domain_rules
from storage.errors import Invalid
from storage.models import Bookmark, Favourite, Mention, Status, Tag
from ui.api.accounts.search import _like, is_url, search_accounts
from ui.api.auth import Auth, as_member
from ui.api.entities import render_accounts
from ui.api.paging import page_of
from ui.api.remote_lookup import resolve_url
from ui.api.responses import json_ok
from ui.api.routing import parse_id, urls
from ui.api.tags import render_tags
from ui.api.timelines import render_page
from ui.keys import SERVICES
from ui.params import read_params

TYPES = ("accounts", "hashtags", "statuses")
MAX_WORDS = 8


async def search_tags(db: AsyncSession, q: str, *, limit: int, offset: int) -> list[Tag]:
    name = normalize_tag(q.strip().removeprefix("#"))
    if not name or any(c.isspace() for c in name):
        return []
    exact = Tag.name == name
    query = (select(Tag).where(Tag.name.like(f"{_like(name)}%", escape="\\"))
             .order_by(exact.desc(), func.length(Tag.name), Tag.name).offset(offset).limit(limit))
    return list((await db.scalars(query)).all())


def status_search_query(viewer_id: int, rules: timelines.DomainRules, q: str, *, account_id: int | None
                        ) -> Any:
    """Ids of statuses the viewer has to do with that contain every word of `q` (matched in the
    stored HTML, so markup words such as `href` match too), without blocked or muted authors."""
    words = [w for w in q.lower().split() if w][:MAX_WORDS]
    related = or_(
        Status.actor_id == viewer_id,
        Status.id.in_(select(Mention.status_id).where(Mention.actor_id == viewer_id)),
        Status.id.in_(select(Favourite.status_id).where(Favourite.actor_id == viewer_id)),
        Status.id.in_(select(Bookmark.status_id).where(Bookmark.actor_id == viewer_id)),
        Status.id.in_(select(Status.reblog_of_id).where(Status.actor_id == viewer_id,
                                                        Status.reblog_of_id.is_not(None))),
    )
    query = timelines.filtered(viewer_id, rules).where(related, visible_to(Viewer(viewer_id, member=True)),
                                                       Status.reblog_of_id.is_(None))
    for word in words:
        pattern = f"%{_like(word)}%"
        query = query.where(or_(func.lower(Status.content).like(pattern, escape="\\"),
                                func.lower(Status.summary).like(pattern, escape="\\")))
    if account_id is not None:
        query = query.where(Status.actor_id == account_id)
    return query


async def search(request: web.Request, auth: Auth | None) -> web.Response:
    params = await read_params(request)
    q = params.required_text("q")
    kind = params.text("type")
    if kind is not None and kind not in TYPES:
        raise Invalid("type must be accounts, hashtags or statuses")
    limit = page_of(params, default=20, maximum=40).limit
    raw_offset = (params.text("offset") or "0").strip()
    offset = int(raw_offset) if raw_offset.isdigit() else 0
    params.flag("exclude_unreviewed")  # checked as a boolean; Amity does not review tags
    member = as_member(auth).actor if auth is not None and auth.user is not None else None
    if offset and member is None:
        raise Invalid("Search queries with an offset need a signed-in member")
    account_id = parse_id(params.text("account_id") or "") if params.text("account_id") else None
    body: dict[str, list[Any]] = {"accounts": [], "statuses": [], "hashtags": []}
    fetched = None
    if params.flag("resolve") and member is not None and is_url(q) and offset == 0:
        fetched = await resolve_url(request.app[SERVICES], q.strip())  # an account or a post
    if kind in (None, "accounts"):
        found = await search_accounts(request, member, q, limit=limit, offset=offset,
                                      following=params.flag("following") or False,
                                      resolve=bool(params.flag("resolve")) and member is not None)
        async with request.app[SERVICES].sessions() as db:
            body["accounts"] = await render_accounts(db, found, urls(request))
    async with request.app[SERVICES].sessions() as db:
        if kind in (None, "hashtags"):
            tags = await search_tags(db, q, limit=limit, offset=offset)
            base_url = urls(request).base_url
            body["hashtags"] = await render_tags(db, tags, base_url, viewer_id=member.id if member else None)
        if kind in (None, "statuses") and member is not None:
            rules = await load_domain_rules(db)
            query = status_search_query(member.id, rules, q, account_id=account_id)
            ids = list((await db.scalars(query.order_by(Status.id.desc()).offset(offset).limit(limit))).all())
            if isinstance(fetched, Status) and await can_see(db, member, fetched):
                ids = [fetched.id, *[i for i in ids if i != fetched.id]][:limit]
            body["statuses"] = await render_page(request, db, member, ids, filter_context="public")
    return json_ok(body)
