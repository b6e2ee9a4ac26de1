"""Accounts, first part: verify_credentials, update_credentials, show, lookup, relationships."""

from __future__ import annotations

import re
from typing import Any

from aiohttp import web
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from actors.accounts import profile_images
from actors.accounts.profile import update_profile
from storage.domain_names import canonical_or_none
from storage.errors import Invalid
from storage.models import Actor, User
from ui.api.accounts.profile_images import image_swap, read_credentials
from ui.api.accounts.relationship_entity import relationships
from ui.api.auth import Auth, MemberAuth
from ui.api.entities import (
    credential_account,
    load_account_stats,
    pending_follow_requests,
    render_accounts,
)
from ui.api.responses import NOT_FOUND, api_error, json_ok
from ui.api.routing import parse_id, path_id, urls
from ui.keys import SERVICES
from ui.params import Params, read_params

DEFAULT_PRIVACIES = ("public", "unlisted", "private")
_LANGUAGE = re.compile(r"^[a-z]{2,3}$")
MAX_RELATIONSHIP_IDS = 100


async def _credential_account(db: AsyncSession, request: web.Request, actor: Actor, user: User
                              ) -> dict[str, Any]:
    stats = (await load_account_stats(db, [actor.id]))[actor.id]
    return credential_account(actor, user, stats, urls(request),
                              follow_requests=await pending_follow_requests(db, actor.id))


async def verify_credentials(request: web.Request, auth: MemberAuth) -> web.Response:
    async with request.app[SERVICES].sessions() as db:
        return json_ok(await _credential_account(db, request, auth.actor, auth.user))


async def update_credentials(request: web.Request, auth: MemberAuth) -> web.Response:
    form = await read_credentials(request, profile_images.max_bytes(request.app[SERVICES].config))
    params = form.params
    profile = _profile_changes(params)
    source = params.nested("source")
    privacy = source.text("privacy")
    if privacy is not None and privacy not in DEFAULT_PRIVACIES:
        raise Invalid("source[privacy] must be public, unlisted or private")
    language = source.text("language")
    if language and not _LANGUAGE.match(language):
        raise Invalid("source[language] must be an ISO 639 language code such as en or pt")
    sensitive = source.flag("sensitive")
    async with image_swap(request, form.images) as swap, request.app[SERVICES].sessions() as db, db.begin():
        actor = await db.get(Actor, auth.actor.id)
        user = await db.get(User, auth.user.id)
        assert actor is not None and user is not None
        if swap.apply(actor, base_url=urls(request).base_url) or profile:
            await update_profile(db, actor, base_url=urls(request).base_url, **profile)
        if privacy is not None:
            user.default_privacy = privacy
        if language is not None:
            user.default_language = language or None
        if sensitive is not None:
            user.default_sensitive = sensitive
        await db.flush()
        body = await _credential_account(db, request, actor, user)
    return json_ok(body)


def _profile_changes(params: Params) -> dict[str, Any]:
    """The keyword arguments for `update_profile`: only what the request sends."""
    changes: dict[str, Any] = {}
    for name in ("display_name", "note"):
        value = params.text(name)
        if value is not None:
            changes[name] = value
    for name in ("locked", "bot", "discoverable"):
        flag = params.flag(name)
        if flag is not None:
            changes[name] = flag
    if "fields_attributes" in params:
        changes["fields"] = _fields(params.raw("fields_attributes"))
    return changes


def _fields(raw: Any) -> list[dict[str, str]]:
    """`fields_attributes` as a hash of index → {name, value} (in the order sent) or a list."""
    items = list(raw.values()) if isinstance(raw, dict) else raw if isinstance(raw, list) else None
    if items is None or not all(isinstance(i, dict) for i in items):
        raise Invalid("fields_attributes must be a hash such as fields_attributes[0][name]=…")
    fields = []
    for item in items:
        name, value = str(item.get("name") or "").strip(), str(item.get("value") or "").strip()
        if not name and not value:
            continue  # Mastodon drops blank rows: that is how apps remove a field
        fields.append({"name": name, "value": value})
    return fields  # actors.accounts.profile checks their number and lengths


async def show(request: web.Request, auth: Auth | None) -> web.Response:
    actor_id = path_id(request)
    async with request.app[SERVICES].sessions() as db:
        actor = await db.get(Actor, actor_id)
        if actor is None:
            api_error(404, NOT_FOUND)
        [entity] = await render_accounts(db, [actor], urls(request))
    return json_ok(entity)


async def lookup(request: web.Request, auth: Auth | None) -> web.Response:
    """`acct` as `name`, `@name`, `name@domain` or `@name@domain`; known accounts only."""
    params = await read_params(request)
    wanted = params.required_text("acct").strip().removeprefix("@")
    username, _, domain = wanted.partition("@")
    local_domain = urls(request).domain
    async with request.app[SERVICES].sessions() as db:
        query = select(Actor).where(func.lower(Actor.username) == username.lower())
        canonical = canonical_or_none(domain) if domain else None
        if domain and canonical is None:
            api_error(404, NOT_FOUND)
        if canonical is None or canonical == local_domain:
            query = query.where(Actor.domain.is_(None))
        else:
            query = query.where(Actor.domain == canonical)
        actor = (await db.scalars(query.limit(1))).first()
        if actor is None:
            api_error(404, NOT_FOUND)
        [entity] = await render_accounts(db, [actor], urls(request))
    return json_ok(entity)


async def list_relationships(request: web.Request, auth: MemberAuth) -> web.Response:
    params = await read_params(request)
    raw_ids = params.strings("id")
    if len(raw_ids) > MAX_RELATIONSHIP_IDS:
        raise Invalid(f"at most {MAX_RELATIONSHIP_IDS} ids at once")
    ids = [i for i in map(parse_id, raw_ids) if i is not None]
    with_suspended = params.flag("with_suspended") or False
    async with request.app[SERVICES].sessions() as db:
        query = select(Actor.id).where(Actor.id.in_(ids))
        if not with_suspended:
            query = query.where(Actor.suspended_at.is_(None))
        found = set((await db.scalars(query)).all())
        by_id = await relationships(db, auth.actor.id, found)
    return json_ok([by_id[i] for i in dict.fromkeys(ids) if i in by_id])
