"""`/api/v1/conversations`: a member's direct-message conversations (Mastodon's Conversation
entity), newest message first, paged by that message's id as Mastodon does; mark one read,
remove one (`actors.posts.indexing` keeps the rows as messages are stored)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from aiohttp import web
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from actors.posts import indexing
from actors.reading.visibility import visible_ids
from storage.models import AccountConversation, Actor, Mention, Status
from ui.api.auth import MemberAuth
from ui.api.entities import render_accounts
from ui.api.paging import link_header, newest_first, page_of, paginate
from ui.api.responses import NOT_FOUND, api_error, json_ok
from ui.api.routing import path_id, urls
from ui.api.timelines import render_page
from ui.keys import SERVICES
from ui.params import read_params


async def render_conversations(request: web.Request, db: AsyncSession, me: Actor,
                               rows: Sequence[AccountConversation]) -> list[dict[str, Any]]:
    """Conversation entities: `accounts` are the other participants of the newest message (the
    member alone when they wrote only to themselves), `last_status` that message if visible."""
    status_ids = [r.last_status_id for r in rows if r.last_status_id is not None]
    seen = await visible_ids(db, me, status_ids)
    statuses = {s.id: s for s in (await db.scalars(select(Status).where(Status.id.in_(seen)))).all()}
    people: dict[int, set[int]] = defaultdict(set)
    for status in statuses.values():
        people[status.id].add(status.actor_id)
    for status_id, actor_id in (await db.execute(select(Mention.status_id, Mention.actor_id)
                                                 .where(Mention.status_id.in_(seen)))).all():
        people[status_id].add(actor_id)
    others = {i: (ids - {me.id}) or {me.id} for i, ids in people.items()}
    everyone = {a for ids in others.values() for a in ids}
    actors = list((await db.scalars(select(Actor).where(Actor.id.in_(everyone)))).all())
    accounts = {int(e["id"]): e for e in await render_accounts(db, actors, urls(request))}
    rendered = await render_page(request, db, me, [i for i in status_ids if i in statuses])
    by_status = {int(e["id"]): e for e in rendered}
    return [{"id": str(row.conversation_id), "unread": bool(row.unread),
             "accounts": [accounts[a] for a in sorted(others.get(row.last_status_id or 0, ()))
                          if a in accounts],
             "last_status": by_status.get(row.last_status_id or 0)} for row in rows]


async def list_conversations(request: web.Request, auth: MemberAuth) -> web.Response:
    page = page_of(await read_params(request), default=20, maximum=40)
    query = select(AccountConversation).where(AccountConversation.actor_id == auth.actor.id,
                                              AccountConversation.last_status_id.is_not(None))
    async with request.app[SERVICES].sessions() as db:
        async with db.begin():
            await indexing.repair_conversations(db, auth.actor.id)
        rows = newest_first(list((await db.scalars(
            paginate(query, AccountConversation.last_status_id, page))).all()), page)
        body = await render_conversations(request, db, auth.actor, rows)
    keys = [row.last_status_id or 0 for row in rows]
    return json_ok(body, headers=link_header(request, urls(request).base_url, keys, page))


async def read(request: web.Request, auth: MemberAuth) -> web.Response:
    conversation_id = path_id(request)
    async with request.app[SERVICES].sessions() as db, db.begin():
        row = await indexing.mark_conversation_read(db, auth.actor.id, conversation_id)
        if row is None:
            api_error(404, NOT_FOUND)
        [entity] = await render_conversations(request, db, auth.actor, [row])
    return json_ok(entity)


async def remove(request: web.Request, auth: MemberAuth) -> web.Response:
    conversation_id = path_id(request)
    async with request.app[SERVICES].sessions() as db, db.begin():
        if not await indexing.remove_conversation(db, auth.actor.id, conversation_id):
            api_error(404, NOT_FOUND)
    return json_ok({})
