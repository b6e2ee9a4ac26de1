"""`/api/v1/admin/accounts` (and v2's list): accounts as moderators see them, and what they do to
them. The work is `actors.moderation.accounts`'s, which writes the audit log; answers are
Mastodon's Admin::Account entity (an action answers `{}`, as Mastodon's `action` does).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from aiohttp import web
from sqlalchemy import ColumnElement, Select, and_, false, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from actors.moderation import accounts
from actors.moderation.audit import Staff, staff_account
from actors.moderation.permissions import ROLE_ENTITIES
from storage.domain_names import normalize_domain
from storage.errors import Invalid
from storage.models import Actor, User
from ui.api.admin.account_entity import admin_account
from ui.api.auth import MemberAuth
from ui.api.entities import render_accounts
from ui.api.paging import link_header, newest_first, page_of, paginate
from ui.api.responses import json_ok
from ui.api.routing import path_id, urls
from ui.keys import SERVICES
from ui.params import Params, read_params

STAFF_ROLES = ("moderator", "admin", "owner")
V1_STATUSES = ("active", "pending", "disabled", "silenced", "suspended", "sensitized")


def _staff(auth: MemberAuth) -> Staff:
    return staff_account(auth.actor, auth.user.role)


async def _render(request: web.Request, db: AsyncSession, rows: Sequence[tuple[Actor, User | None]]
                  ) -> list[dict[str, Any]]:
    shown = await render_accounts(db, [actor for actor, _ in rows], urls(request))
    return [admin_account(actor, user, entity) for (actor, user), entity in zip(rows, shown, strict=True)]


def _status_condition(status: str) -> ColumnElement[bool]:
    if status == "active":
        return and_(Actor.suspended_at.is_(None), or_(User.id.is_(None), User.approved.is_(True)))
    if status == "pending":
        return User.approved.is_(False)
    if status == "disabled":
        return User.disabled.is_(True)
    if status == "silenced":
        return Actor.silenced_at.is_not(None)
    if status == "sensitized":
        return Actor.sensitized_at.is_not(None)
    if status == "suspended":
        return Actor.suspended_at.is_not(None)
    raise Invalid(f"status must be one of {', '.join(V1_STATUSES)}")


def _text_filters(params: Params) -> list[ColumnElement[bool]]:
    found: list[ColumnElement[bool]] = []
    if username := params.text("username", max_length=255):
        found.append(Actor.username.ilike(f"{_like(username)}%", escape="\\"))
    if display_name := params.text("display_name", max_length=255):
        found.append(Actor.display_name.ilike(f"%{_like(display_name)}%", escape="\\"))
    if email := params.text("email", max_length=320):
        found.append(User.email.ilike(f"%{_like(email.lower())}%", escape="\\"))
    if ip := params.text("ip", max_length=64):
        found.append(User.sign_up_ip == ip.strip())
    if domain := params.text("by_domain", max_length=255):
        found.append(Actor.domain == normalize_domain(domain))
    return found


def _like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _v1_filters(params: Params) -> list[ColumnElement[bool]]:
    found = _text_filters(params)
    if params.flag("local"):
        found.append(Actor.domain.is_(None))
    if params.flag("remote"):
        found.append(Actor.domain.is_not(None))
    found += [_status_condition(name) for name in V1_STATUSES if params.flag(name)]
    if params.flag("staff"):
        found.append(User.role.in_(STAFF_ROLES))
    return found


def _v2_filters(params: Params) -> list[ColumnElement[bool]]:
    found = _text_filters(params)
    origin = params.text("origin")
    if origin not in (None, "", "local", "remote"):
        raise Invalid("origin must be local or remote")
    if origin:
        found.append(Actor.domain.is_(None) if origin == "local" else Actor.domain.is_not(None))
    if status := params.text("status"):
        found.append(_status_condition(status))
    permissions = params.text("permissions")
    if permissions not in (None, "", "staff"):
        raise Invalid("permissions must be staff")
    if permissions:
        found.append(User.role.in_(STAFF_ROLES))
    if role_ids := params.strings("role_ids"):
        roles = {role for role in STAFF_ROLES if ROLE_ENTITIES[role]["id"] in role_ids}
        found.append(User.role.in_(roles) if roles else false())
    return found


def _query(filters: list[ColumnElement[bool]]) -> Select[Actor, User]:
    # local accounts have a login (the instance actor has none, and is left out)
    return (select(Actor, User).outerjoin(User, User.actor_id == Actor.id)
            .where(or_(Actor.domain.is_not(None), User.id.is_not(None)), Actor.deleted_at.is_(None),
                   *filters))


async def _list(request: web.Request, filters: list[ColumnElement[bool]]) -> web.Response:
    page = page_of(await read_params(request), default=100, maximum=200)
    async with request.app[SERVICES].sessions() as db:
        found = await db.execute(paginate(_query(filters), Actor.id, page))
        rows = newest_first([(actor, user) for actor, user in found.all()], page)
        body = await _render(request, db, rows)
    return json_ok(body, headers=link_header(request, urls(request).base_url, [a.id for a, _ in rows], page))


async def list_v1(request: web.Request, auth: MemberAuth) -> web.Response:
    return await _list(request, _v1_filters(await read_params(request)))


async def list_v2(request: web.Request, auth: MemberAuth) -> web.Response:
    return await _list(request, _v2_filters(await read_params(request)))


async def _shown(request: web.Request, db: AsyncSession, actor_id: int) -> dict[str, Any]:
    who = await accounts.target(db, actor_id)
    return (await _render(request, db, [(who.actor, who.user)]))[0]


async def show(request: web.Request, auth: MemberAuth) -> web.Response:
    async with request.app[SERVICES].sessions() as db:
        return json_ok(await _shown(request, db, path_id(request)))


async def _then_show(request: web.Request, auth: MemberAuth, change: Any) -> web.Response:
    """Run `change(db, staff, target)` in a transaction; answer the account as it is now."""
    actor_id = path_id(request)
    async with request.app[SERVICES].sessions() as db:
        async with db.begin():
            await change(db, _staff(auth), await accounts.target(db, actor_id))
        return json_ok(await _shown(request, db, actor_id))


async def approve(request: web.Request, auth: MemberAuth) -> web.Response:
    return await _then_show(request, auth, accounts.approve)


async def reject(request: web.Request, auth: MemberAuth) -> web.Response:
    """The rejected sign-up is deleted; the answer is the entity as it was (Mastodon's)."""
    actor_id = path_id(request)
    async with request.app[SERVICES].sessions() as db, db.begin():
        before = await _shown(request, db, actor_id)
        await accounts.reject(db, _staff(auth), await accounts.target(db, actor_id))
    return json_ok(before)


async def action(request: web.Request, auth: MemberAuth) -> web.Response:
    """`type` (none, sensitive, disable, silence, suspend), `text`, `send_email_notification`
    (default true: the member gets a `moderation_warning` notification); `report_id` and
    `warning_preset_id` are accepted and ignored."""
    params = await read_params(request)
    kind = params.text("type") or "none"
    notify = params.flag("send_email_notification")
    text = params.text("text", max_length=accounts.MAX_TEXT_CHARS) or ""
    config = request.app[SERVICES].config
    async with request.app[SERVICES].sessions() as db, db.begin():
        who = await accounts.target(db, path_id(request))
        await accounts.act(db, config, _staff(auth), who, kind, text=text,
                           send_notification=notify is not False)
    return json_ok({})


def _undo(name: str) -> Any:
    async def handler(request: web.Request, auth: MemberAuth) -> web.Response:
        async def change(db: AsyncSession, staff: Staff, who: accounts.Target) -> None:
            await accounts.undo(db, staff, who, name)
        return await _then_show(request, auth, change)
    handler.__name__ = handler.__qualname__ = name
    return handler


enable, unsilence, unsensitive, unsuspend = (_undo(name) for name in accounts.UNDO)


async def delete_account(request: web.Request, auth: MemberAuth) -> web.Response:
    """Delete a suspended local account's data now (the `Delete` goes out with it)."""
    actor_id = path_id(request)
    config = request.app[SERVICES].config
    async with request.app[SERVICES].sessions() as db, db.begin():
        before = await _shown(request, db, actor_id)
        await accounts.delete_data_now(db, config, _staff(auth), await accounts.target(db, actor_id))
    return json_ok(before)
