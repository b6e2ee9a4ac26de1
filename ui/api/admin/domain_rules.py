"""`/api/v1/admin/domain_blocks` and `/api/v1/admin/domain_allows`: the node's rules about other
servers, as Mastodon's admin API shows them. Both are views of one table (`domain_rules`): a
block is a `suspend`, `silence` or `noop` rule, an allow is a partner (`allow`). Every change
goes through `actors.moderation.domains`, which writes the audit log.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from actors.moderation import blocklists, domains
from actors.moderation.audit import Staff, staff_account
from storage.domain_names import normalize_domain
from storage.models import DomainRule
from ui.api.auth import MemberAuth
from ui.api.entities import iso_datetime
from ui.api.paging import link_header, newest_first, page_of, paginate
from ui.api.responses import NOT_FOUND, api_error, json_ok
from ui.api.routing import path_id, urls
from ui.keys import SERVICES
from ui.params import Params, read_params

ALLOW = ("allow",)


def _staff(auth: MemberAuth) -> Staff:
    return staff_account(auth.actor, auth.user.role)


def block_entity(rule: DomainRule) -> dict[str, Any]:
    """Mastodon's Admin::DomainBlock."""
    return {"id": str(rule.id), "domain": rule.domain, "digest": domains.digest(rule.domain),
            "created_at": iso_datetime(rule.created_at), "severity": rule.policy,
            "reject_media": rule.reject_media, "reject_reports": rule.reject_reports,
            "private_comment": rule.private_comment or None, "public_comment": rule.public_comment or None,
            "obfuscate": rule.obfuscate}


def allow_entity(rule: DomainRule) -> dict[str, Any]:
    """Mastodon's Admin::DomainAllow."""
    return {"id": str(rule.id), "domain": rule.domain, "created_at": iso_datetime(rule.created_at)}


async def _page(request: web.Request, policies: tuple[str, ...], render: Any) -> web.Response:
    page = page_of(await read_params(request), default=100, maximum=200)
    async with request.app[SERVICES].sessions() as db:
        rows = newest_first((await db.scalars(paginate(domains.rules_query(policies), DomainRule.id,
                                                       page))).all(), page)
    return json_ok([render(rule) for rule in rows],
                   headers=link_header(request, urls(request).base_url, [r.id for r in rows], page))


async def _one(request: web.Request, policies: tuple[str, ...]) -> DomainRule:
    async with request.app[SERVICES].sessions() as db:
        rule = await domains.rule_by_id(db, path_id(request), policies=policies)
    if rule is None:
        api_error(404, NOT_FOUND)
    return rule


def _change(params: Params, *, current: DomainRule | None = None) -> domains.RuleChange:
    def flag(name: str) -> bool:
        value = params.flag(name)
        return bool(getattr(current, name, False)) if value is None else value

    severity = params.text("severity") or (current.policy if current else "silence")
    if severity not in domains.BLOCK_POLICIES:
        api_error(422, f"severity must be one of {', '.join(domains.BLOCK_POLICIES)}")
    return domains.RuleChange(
        policy=severity, reject_media=flag("reject_media"), reject_reports=flag("reject_reports"),
        obfuscate=flag("obfuscate"),
        public_comment=_text(params, "public_comment", current.public_comment if current else ""),
        private_comment=_text(params, "private_comment", current.private_comment if current else ""))


def _text(params: Params, name: str, default: str) -> str:
    value = params.text(name, max_length=domains.MAX_COMMENT_CHARS)
    return default if value is None else value


async def list_blocks(request: web.Request, auth: MemberAuth) -> web.Response:
    return await _page(request, domains.BLOCK_POLICIES, block_entity)


async def show_block(request: web.Request, auth: MemberAuth) -> web.Response:
    return json_ok(block_entity(await _one(request, domains.BLOCK_POLICIES)))


async def create_block(request: web.Request, auth: MemberAuth) -> web.Response:
    """Block a domain; 422 with `existing_domain_block` when one exists (as Mastodon), and a
    partner (allow) rule must be removed first."""
    params = await read_params(request)
    domain = params.required_text("domain")
    change = _change(params)
    async with request.app[SERVICES].sessions() as db, db.begin():
        existing = await db.get(DomainRule, normalize_domain(domain))
        if existing is not None and existing.policy in domains.BLOCK_POLICIES:
            return json_ok({"error": f"{existing.domain} is already blocked",
                            "existing_domain_block": block_entity(existing)}, status=422)
        if existing is not None:
            api_error(422, f"{existing.domain} is a partner (an allow rule): remove that first")
        rule = await domains.set_rule(db, _staff(auth), domain, change)
    return json_ok(block_entity(rule))


async def update_block(request: web.Request, auth: MemberAuth) -> web.Response:
    params = await read_params(request)
    async with request.app[SERVICES].sessions() as db, db.begin():
        current = await domains.rule_by_id(db, path_id(request), policies=domains.BLOCK_POLICIES)
        if current is None:
            api_error(404, NOT_FOUND)
        rule = await domains.set_rule(db, _staff(auth), current.domain, _change(params, current=current))
    return json_ok(block_entity(rule))


async def delete_block(request: web.Request, auth: MemberAuth) -> web.Response:
    async with request.app[SERVICES].sessions() as db, db.begin():
        current = await domains.rule_by_id(db, path_id(request), policies=domains.BLOCK_POLICIES)
        if current is None:
            api_error(404, NOT_FOUND)
        await domains.remove_rule(db, _staff(auth), current.domain)
    return json_ok({})


async def list_allows(request: web.Request, auth: MemberAuth) -> web.Response:
    return await _page(request, ALLOW, allow_entity)


async def show_allow(request: web.Request, auth: MemberAuth) -> web.Response:
    return json_ok(allow_entity(await _one(request, ALLOW)))


async def create_allow(request: web.Request, auth: MemberAuth) -> web.Response:
    """Make a domain a partner; an existing partner is answered as is (Mastodon's behaviour), a
    blocked domain is refused (unblock it first)."""
    domain = (await read_params(request)).required_text("domain")
    async with request.app[SERVICES].sessions() as db, db.begin():
        existing = await db.get(DomainRule, normalize_domain(domain))
        if existing is not None and existing.policy == "allow":
            return json_ok(allow_entity(existing))
        if existing is not None:
            api_error(422, f"{existing.domain} is blocked ({existing.policy}): remove the block first")
        rule = await domains.set_rule(db, _staff(auth), domain, domains.RuleChange(policy="allow"))
    return json_ok(allow_entity(rule))


async def delete_allow(request: web.Request, auth: MemberAuth) -> web.Response:
    async with request.app[SERVICES].sessions() as db, db.begin():
        current = await domains.rule_by_id(db, path_id(request), policies=ALLOW)
        if current is None:
            api_error(404, NOT_FOUND)
        await domains.remove_rule(db, _staff(auth), current.domain)
    return json_ok({})


async def export_blocks(request: web.Request, auth: MemberAuth) -> web.Response:
    """The node's blocks as a blocklist in Mastodon's CSV format (an Amity extension: Mastodon
    exports from its web pages)."""
    async with request.app[SERVICES].sessions() as db:
        text = blocklists.export_blocklist(await domains.rules(db, policies=domains.BLOCK_POLICIES))
    return web.Response(text=text, content_type="text/csv",
                        headers={"Content-Disposition": 'attachment; filename="domain_blocks.csv"'})


async def import_blocks(request: web.Request, auth: MemberAuth) -> web.Response:
    """Import a blocklist (`data`: the CSV as a file or text; `dry_run`, `skip_invalid`): the
    plan as JSON, applied unless it is a dry run or has invalid lines that were not skipped."""
    params = await read_params(request)
    upload = params.files.get("data")
    text = upload.file.read() if upload is not None else (params.text("data") or "").encode()
    try:
        rows, invalid = blocklists.parse_blocklist(text.decode("utf-8-sig"))
    except UnicodeDecodeError:
        api_error(422, "data is not UTF-8 text")
    skip_invalid, dry_run = bool(params.flag("skip_invalid")), bool(params.flag("dry_run"))
    services = request.app[SERVICES]
    async with services.sessions() as db:
        plan = await blocklists.plan_import(db, rows, [] if skip_invalid else invalid)
    applied = not dry_run and not plan.invalid
    if applied:
        await blocklists.apply_import(services.sessions, _staff(auth), plan)
    return json_ok({"applied": applied, **plan.summary(),
                    "invalid_lines": [{"line": line, "error": why} for line, why in invalid]},
                   status=200 if applied or dry_run else 422)
