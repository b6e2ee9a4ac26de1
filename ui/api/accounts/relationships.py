"""What a member does to another account: follow, unfollow, remove from followers, block,
unblock, mute, unmute, and answering follow requests. Each answers the Relationship entity,
as Mastodon does; the work is done by `actors.social.follows`, `actors.social.blocks` and
`actors.social.relations`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncSession

from actors.social import blocks, follows, relations
from actors.social.follow_languages import follow_languages
from storage.errors import Invalid
from storage.models import Actor
from ui.api.accounts.relationship_entity import relationships
from ui.api.auth import MemberAuth, MemberHandler
from ui.api.responses import NOT_FOUND, api_error, json_ok
from ui.api.routing import path_id, urls
from ui.keys import SERVICES
from ui.params import Params, read_params

Action = Callable[[AsyncSession, Actor, Actor, Params, str], Awaitable[None]]
MAX_LANGUAGES = 20


async def _act(request: web.Request, auth: MemberAuth, action: Action) -> web.Response:
    """Run `action(db, me, target, params, base_url)` in one transaction; answer the relationship."""
    target_id = path_id(request)
    params = await read_params(request)
    base_url = urls(request).base_url
    async with request.app[SERVICES].sessions() as db, db.begin():
        me = await db.get(Actor, auth.actor.id)
        target = await db.get(Actor, target_id)
        if me is None or target is None or target.suspended_at is not None:
            api_error(404, NOT_FOUND)
        await action(db, me, target, params, base_url)
        await db.flush()
        found = await relationships(db, me.id, [target.id])
    return json_ok(found[target.id])


async def _follow(db: AsyncSession, me: Actor, target: Actor, params: Params, base_url: str) -> None:
    reblogs, notify = params.flag("reblogs"), params.flag("notify")
    if len(params.strings("languages")) > MAX_LANGUAGES:
        raise Invalid(f"at most {MAX_LANGUAGES} languages")
    languages = follow_languages(params.strings("languages")) if "languages" in params else None
    row = await follows.follow(db, me, target, base_url=base_url)
    if reblogs is not None:  # following again changes the options, as Mastodon
        row.show_reblogs = reblogs
    if notify is not None:
        row.notify = notify
    if "languages" in params:  # none chosen: every language again
        row.languages = languages


async def _unfollow(db: AsyncSession, me: Actor, target: Actor, params: Params, base_url: str) -> None:
    await follows.unfollow(db, me, target, base_url=base_url)


async def _remove_follower(db: AsyncSession, me: Actor, target: Actor, params: Params, base_url: str) -> None:
    await follows.remove_from_followers(db, me, target, base_url=base_url)


async def _authorize(db: AsyncSession, me: Actor, target: Actor, params: Params, base_url: str) -> None:
    await follows.accept_follow_request(db, me, target, base_url=base_url)


async def _reject(db: AsyncSession, me: Actor, target: Actor, params: Params, base_url: str) -> None:
    await follows.reject_follow_request(db, me, target, base_url=base_url)


async def _block(db: AsyncSession, me: Actor, target: Actor, params: Params, base_url: str) -> None:
    await blocks.block(db, me, target, base_url=base_url)


async def _unblock(db: AsyncSession, me: Actor, target: Actor, params: Params, base_url: str) -> None:
    await blocks.unblock(db, me, target, base_url=base_url)


async def _mute(db: AsyncSession, me: Actor, target: Actor, params: Params, base_url: str) -> None:
    notifications = params.flag("notifications")
    raw_duration = params.text("duration") or "0"
    if not raw_duration.isdigit():
        raise Invalid("duration must be a number of seconds (0: until you unmute)")
    await relations.mute(db, me, target, notifications=True if notifications is None else notifications,
                         duration_seconds=int(raw_duration))


async def _unmute(db: AsyncSession, me: Actor, target: Actor, params: Params, base_url: str) -> None:
    await relations.unmute(db, me, target)


def _route(action: Action) -> MemberHandler:
    async def handler(request: web.Request, auth: MemberAuth) -> web.Response:
        return await _act(request, auth, action)
    handler.__name__ = action.__name__.lstrip("_")
    return handler


# The handlers (their scopes: `ui.api.routes`).
follow = _route(_follow)
unfollow = _route(_unfollow)
remove_from_followers = _route(_remove_follower)
block = _route(_block)
unblock = _route(_unblock)
mute = _route(_mute)
unmute = _route(_unmute)
authorize = _route(_authorize)
reject = _route(_reject)
