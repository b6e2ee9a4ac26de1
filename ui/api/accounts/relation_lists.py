"""A member's lists about other accounts: follow requests, blocks, mutes, hidden domains,
familiar followers. Lists are Link-paginated by the id of the relation row, as Mastodon does,
and rendered in bulk (a fixed number of queries per page)."""

from __future__ import annotations

from typing import Any

from aiohttp import web
from sqlalchemy import Select, and_, select
from sqlalchemy.orm import aliased

from actors.social import relations
from actors.social.muting import live_mute
from storage.errors import Invalid
from storage.models import ACCEPTED, PENDING, Actor, Block, Follow, Mute, UserDomainBlock
from ui.api.auth import MemberAuth
from ui.api.entities import iso_datetime, render_accounts
from ui.api.paging import link_header, newest_first, page_of, paginate
from ui.api.responses import json_ok
from ui.api.routing import parse_id, urls
from ui.keys import SERVICES
from ui.params import read_params

MAX_FAMILIAR_IDS = 100
MAX_FAMILIAR_ACCOUNTS = 40


async def _account_page(request: web.Request, query: Select[int, Actor],
                        extra: dict[int, dict[str, Any]] | None = None, *,
                        defaults: dict[str, Any] | None = None) -> web.Response:
    """`query` selects (relation key, actor); answer its page of Account entities with Link, each
    with `defaults` and its row's `extra` attributes."""
    params = await read_params(request)
    page = page_of(params)
    key = query.selected_columns[0]
    async with request.app[SERVICES].sessions() as db:
        rows = newest_first((await db.execute(paginate(query, key, page))).all(), page)
        entities = await render_accounts(db, [actor for _, actor in rows], urls(request))
    for (row_key, _), entity in zip(rows, entities, strict=True):
        entity.update({**(defaults or {}), **(extra or {}).get(row_key, {})})
    return json_ok(entities, headers=link_header(request, urls(request).base_url, [k for k, _ in rows], page))


account_page = _account_page  # lists' members and endorsements page the same way


async def follow_requests(request: web.Request, auth: MemberAuth) -> web.Response:
    return await _account_page(request, select(Follow.id, Actor).join(Actor, Actor.id == Follow.follower_id)
                               .where(Follow.followee_id == auth.actor.id, Follow.state == PENDING))


async def list_blocks(request: web.Request, auth: MemberAuth) -> web.Response:
    return await _account_page(request, select(Block.id, Actor).join(Actor, Actor.id == Block.target_id)
                               .where(Block.actor_id == auth.actor.id))


async def list_mutes(request: web.Request, auth: MemberAuth) -> web.Response:
    async with request.app[SERVICES].sessions() as db:
        expiring = dict((await db.execute(select(Mute.id, Mute.expires_at).where(
            Mute.actor_id == auth.actor.id, Mute.expires_at.is_not(None), live_mute()))).all())
    extra = {i: {"mute_expires_at": iso_datetime(when)} for i, when in expiring.items() if when}
    query = (select(Mute.id, Actor).join(Actor, Actor.id == Mute.target_id)
             .where(Mute.actor_id == auth.actor.id, live_mute()))
    response = await _account_page(request, query, extra, defaults={"mute_expires_at": None})  # as Mastodon
    return response


async def list_domain_blocks(request: web.Request, auth: MemberAuth) -> web.Response:
    page = page_of(await read_params(request), default=100, maximum=200)
    async with request.app[SERVICES].sessions() as db:
        mine = (select(UserDomainBlock.id, UserDomainBlock.domain)
                .where(UserDomainBlock.actor_id == auth.actor.id))
        rows = newest_first((await db.execute(paginate(mine, UserDomainBlock.id, page))).all(), page)
    return json_ok([domain for _, domain in rows],
                   headers=link_header(request, urls(request).base_url, [i for i, _ in rows], page))


async def add_domain_block(request: web.Request, auth: MemberAuth) -> web.Response:
    domain = (await read_params(request)).required_text("domain")
    async with request.app[SERVICES].sessions() as db, db.begin():
        me = await db.get(Actor, auth.actor.id)
        assert me is not None
        await relations.block_domain(db, me, domain, local_domain=urls(request).domain)
    return json_ok({})


async def remove_domain_block(request: web.Request, auth: MemberAuth) -> web.Response:
    domain = (await read_params(request)).required_text("domain")
    async with request.app[SERVICES].sessions() as db, db.begin():
        me = await db.get(Actor, auth.actor.id)
        assert me is not None
        await relations.unblock_domain(db, me, domain)
    return json_ok({})


async def familiar_followers(request: web.Request, auth: MemberAuth) -> web.Response:
    """For each `id[]`: the accounts the member follows that follow it too (two queries in all)."""
    raw_ids = (await read_params(request)).strings("id")
    if len(raw_ids) > MAX_FAMILIAR_IDS:
        raise Invalid(f"at most {MAX_FAMILIAR_IDS} ids at once")
    ids = list(dict.fromkeys(i for i in map(parse_id, raw_ids) if i is not None))
    theirs, mine = aliased(Follow), aliased(Follow)
    async with request.app[SERVICES].sessions() as db:
        pairs = (await db.execute(
            select(theirs.followee_id, Actor).join(Actor, Actor.id == theirs.follower_id)
            .join(mine, and_(mine.followee_id == theirs.follower_id, mine.follower_id == auth.actor.id,
                             mine.state == ACCEPTED))
            .where(theirs.followee_id.in_(ids), theirs.state == ACCEPTED, Actor.suspended_at.is_(None))
            .order_by(theirs.followee_id, theirs.id.desc()))).all()
        by_target: dict[int, list[Actor]] = {i: [] for i in ids}
        for target, actor in pairs:
            if len(by_target[target]) < MAX_FAMILIAR_ACCOUNTS:
                by_target[target].append(actor)
        everyone = list({a.id: a for group in by_target.values() for a in group}.values())
        rendered = {int(e["id"]): e for e in await render_accounts(db, everyone, urls(request))}
    return json_ok([{"id": str(i), "accounts": [rendered[a.id] for a in by_target[i]]} for i in ids])
