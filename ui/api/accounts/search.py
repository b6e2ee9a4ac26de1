"""Finding accounts by a query: known accounts by handle or name, and with `resolve` a remote
account by `@user@host` (WebFinger) or by its actor URL, through the federation layer (its
SSRF-guarded client, domain rules and actor cache). Resolving needs a signed-in member."""

from __future__ import annotations

import logging
import re

from aiohttp import web
from sqlalchemy import case, func, or_, select

from federation.client import FetchError
from federation.resolve import resolve_actor, webfinger
from storage.domain_names import canonical_or_none
from storage.errors import Invalid
from storage.models import ACCEPTED, Actor, Follow
from ui.api.remote_lookup import actor_at, resolve_url
from ui.api.routing import urls
from ui.keys import SERVICES

log = logging.getLogger("amity.api.search")
_HANDLE = re.compile(r"^@?([\w.-]+)@([\w.-]+(?::\d+)?)$", re.ASCII)
MAX_QUERY = 200


def parse_handle(q: str) -> tuple[str, str] | None:
    """(username, canonical domain) of `user@host` or `@user@host`; None if `q` is not one."""
    found = _HANDLE.match(q.strip())
    domain = canonical_or_none(found.group(2)) if found else None
    return (found.group(1), domain) if found and domain else None


def is_url(q: str) -> bool:
    return q.strip().startswith(("https://", "http://")) and " " not in q.strip()


async def resolve_remote(request: web.Request, q: str) -> Actor | None:
    """The remote account `q` names (a handle or an actor URL), fetched if unknown; None if it
    cannot be found or fetched (the reason is logged, never shown)."""
    services = request.app[SERVICES]
    try:
        handle = parse_handle(q)
        if handle is not None:
            if handle[1] == urls(request).domain:
                return None
            return await resolve_actor(services, await webfinger(services, *handle))
        if is_url(q):
            found = await resolve_url(services, q.strip())
            return found if isinstance(found, Actor) else None
    except (FetchError, Invalid) as error:
        log.info("search could not resolve %r: %s", q, error)
    return None


def _like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


async def search_accounts(request: web.Request, viewer: Actor | None, q: str, *, limit: int, offset: int,
                          following: bool = False, resolve: bool = False) -> list[Actor]:
    """Accounts matching `q`: `user@host` exactly, else username prefix or display name words.
    Exact handle matches first, then local accounts, then by username."""
    q = q.strip()[:MAX_QUERY]
    if not q:
        return []
    local_domain = urls(request).domain
    handle = parse_handle(q)
    if is_url(q):
        condition = actor_at(q, local_domain)
        exact = condition
    elif handle is not None:
        username, domain = handle
        domain_match = Actor.domain.is_(None) if domain == local_domain else Actor.domain == domain
        prefix = f"{_like(username.lower())}%"
        condition = func.lower(Actor.username).like(prefix, escape="\\") & domain_match
        exact = (func.lower(Actor.username) == username.lower()) & domain_match
    else:
        term = _like(q.removeprefix("@").lower())
        condition = or_(func.lower(Actor.username).like(f"{term}%", escape="\\"),
                        func.lower(Actor.display_name).like(f"%{term}%", escape="\\"))
        exact = func.lower(Actor.username) == q.removeprefix("@").lower()
    query = select(Actor).where(condition, Actor.suspended_at.is_(None))
    if following and viewer is not None:
        query = query.where(Actor.id.in_(select(Follow.followee_id).where(
            Follow.follower_id == viewer.id, Follow.state == ACCEPTED)))
    query = query.order_by(case((exact, 0), else_=1), case((Actor.domain.is_(None), 0), else_=1),
                           Actor.username, Actor.id).offset(offset).limit(limit)
    async with request.app[SERVICES].sessions() as db:
        found = list((await db.scalars(query)).all())
    wants_remote = resolve and viewer is not None and offset == 0 and not following and (handle or is_url(q))
    if wants_remote and not any(a.uri == q or (handle and a.username.lower() == handle[0].lower()
                                  and (a.domain or local_domain) == handle[1]) for a in found):
        remote = await resolve_remote(request, q)
        if remote is not None and remote.suspended_at is None:
            found = [remote, *[a for a in found if a.id != remote.id]][:limit]
    return found
