"""`/api/v1/admin/canonical_email_blocks`, `/email_domain_blocks` and `/ip_blocks`: what
refuses sign-ups, as Mastodon's admin API shows it. The work (and the audit log) is
`actors.moderation.signup_blocks`'s.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from aiohttp import web
from sqlalchemy import select

from actors.moderation import signup_blocks
from actors.moderation.audit import Staff, staff_account
from storage.errors import Invalid
from storage.models import CanonicalEmailBlock, EmailDomainBlock, IpBlock, utcnow
from ui.api.auth import MemberAuth
from ui.api.entities import iso_datetime
from ui.api.paging import link_header, newest_first, page_of, paginate
from ui.api.responses import NOT_FOUND, api_error, json_ok
from ui.api.routing import path_id, urls
from ui.keys import SERVICES
from ui.params import Params, read_params


def _staff(auth: MemberAuth) -> Staff:
    return staff_account(auth.actor, auth.user.role)


def canonical_entity(block: CanonicalEmailBlock) -> dict[str, Any]:
    return {"id": str(block.id), "canonical_email_hash": block.canonical_email_hash}


def email_domain_entity(block: EmailDomainBlock) -> dict[str, Any]:
    """Mastodon's Admin::EmailDomainBlock (`history` of refused attempts is not counted: empty)."""
    return {"id": str(block.id), "domain": block.domain, "created_at": iso_datetime(block.created_at),
            "history": []}


def ip_entity(block: IpBlock) -> dict[str, Any]:
    return {"id": str(block.id), "ip": block.ip, "severity": block.severity, "comment": block.comment,
            "created_at": iso_datetime(block.created_at),
            "expires_at": iso_datetime(block.expires_at) if block.expires_at else None}


_ENTITIES: dict[type, Any] = {CanonicalEmailBlock: canonical_entity, EmailDomainBlock: email_domain_entity,
                              IpBlock: ip_entity}


async def _page(request: web.Request, model: Any) -> web.Response:
    page = page_of(await read_params(request), default=100, maximum=200)
    async with request.app[SERVICES].sessions() as db:
        rows = newest_first((await db.scalars(paginate(select(model), model.id, page))).all(), page)
    return json_ok([_ENTITIES[model](row) for row in rows],
                   headers=link_header(request, urls(request).base_url, [r.id for r in rows], page))


async def _show(request: web.Request, model: Any) -> web.Response:
    async with request.app[SERVICES].sessions() as db:
        block = await db.get(model, path_id(request))
    if block is None:
        api_error(404, NOT_FOUND)
    return json_ok(_ENTITIES[model](block))


async def _remove(request: web.Request, auth: MemberAuth, model: Any) -> web.Response:
    async with request.app[SERVICES].sessions() as db, db.begin():
        await signup_blocks.remove(db, _staff(auth), model, path_id(request))
    return json_ok({})


async def list_canonical(request: web.Request, auth: MemberAuth) -> web.Response:
    return await _page(request, CanonicalEmailBlock)


async def show_canonical(request: web.Request, auth: MemberAuth) -> web.Response:
    return await _show(request, CanonicalEmailBlock)


async def create_canonical(request: web.Request, auth: MemberAuth) -> web.Response:
    params = await read_params(request)
    async with request.app[SERVICES].sessions() as db, db.begin():
        block = await signup_blocks.block_email(db, _staff(auth), email=params.text("email", max_length=320),
                                                digest=params.text("canonical_email_hash", max_length=64))
    return json_ok(canonical_entity(block))


async def test_canonical(request: web.Request, auth: MemberAuth) -> web.Response:
    """The blocks an address matches (Mastodon's `test`)."""
    email = (await read_params(request)).required_text("email")
    async with request.app[SERVICES].sessions() as db:
        rows = (await db.scalars(select(CanonicalEmailBlock).where(
            CanonicalEmailBlock.canonical_email_hash == signup_blocks.canonical_email_hash(email)))).all()
    return json_ok([canonical_entity(row) for row in rows])


async def delete_canonical(request: web.Request, auth: MemberAuth) -> web.Response:
    return await _remove(request, auth, CanonicalEmailBlock)


async def list_email_domains(request: web.Request, auth: MemberAuth) -> web.Response:
    return await _page(request, EmailDomainBlock)


async def show_email_domain(request: web.Request, auth: MemberAuth) -> web.Response:
    return await _show(request, EmailDomainBlock)


async def create_email_domain(request: web.Request, auth: MemberAuth) -> web.Response:
    domain = (await read_params(request)).required_text("domain")
    async with request.app[SERVICES].sessions() as db, db.begin():
        block = await signup_blocks.block_email_domain(db, _staff(auth), domain)
    return json_ok(email_domain_entity(block))


async def delete_email_domain(request: web.Request, auth: MemberAuth) -> web.Response:
    return await _remove(request, auth, EmailDomainBlock)


async def list_ips(request: web.Request, auth: MemberAuth) -> web.Response:
    return await _page(request, IpBlock)


async def show_ip(request: web.Request, auth: MemberAuth) -> web.Response:
    return await _show(request, IpBlock)


def _expires_in(params: Params) -> timedelta | None:
    raw = params.text("expires_in")
    if not raw:
        return None
    try:
        seconds = int(raw)
    except ValueError:
        raise Invalid("expires_in must be a number of seconds") from None
    if seconds <= 0:
        raise Invalid("expires_in must be a positive number of seconds")
    return timedelta(seconds=min(seconds, 10 * 365 * 86400))


async def create_ip(request: web.Request, auth: MemberAuth) -> web.Response:
    params = await read_params(request)
    expires = _expires_in(params)
    async with request.app[SERVICES].sessions() as db, db.begin():
        block = await signup_blocks.block_ip(
            db, _staff(auth), params.required_text("ip"), params.required_text("severity"),
            comment=params.text("comment", max_length=signup_blocks.MAX_COMMENT_CHARS) or "",
            expires_at=utcnow() + expires if expires else None)
    return json_ok(ip_entity(block))


async def update_ip(request: web.Request, auth: MemberAuth) -> web.Response:
    params = await read_params(request)
    expires = _expires_in(params)
    async with request.app[SERVICES].sessions() as db, db.begin():
        block = await db.get(IpBlock, path_id(request))
        if block is None:
            api_error(404, NOT_FOUND)
        await signup_blocks.update_ip(
            db, _staff(auth), block, ip=params.text("ip", max_length=64), severity=params.text("severity"),
            comment=params.text("comment", max_length=signup_blocks.MAX_COMMENT_CHARS),
            expires_at=utcnow() + expires if expires else None)
    return json_ok(ip_entity(block))


async def delete_ip(request: web.Request, auth: MemberAuth) -> web.Response:
    return await _remove(request, auth, IpBlock)
