"""`/api/v1/instance`, `/api/v2/instance`, and the instance's peers, activity and rules.

Apps start here: Mastodon.py and toot read the version (three-part, Mastodon-compatible, so
their feature checks work), the streaming URL (following the node's scheme) and the limits.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncSession

from actors.moderation import domains as moderation_domains
from storage import settings
from storage.config import NodeConfig
from storage.models import utcnow
from ui.activitypub import queries
from ui.activitypub.discovery import software_version
from ui.api import instance_queries, limits
from ui.api.auth import Auth, authenticate
from ui.api.entities import DEFAULT_HEADER_PATH, Urls, render_accounts
from ui.api.responses import api_error, json_ok
from ui.api.routing import urls
from ui.keys import SERVICES

MASTODON_VERSION = "4.3.0"
MASTODON_API_VERSION = 2  # api_versions.mastodon of Mastodon 4.3
SOURCE_URL = ""  # TODO: the project's public repository, once it publishes one (AGPL)
SIGN_UP_AVAILABLE = True  # POST /api/v1/accounts and the /auth/sign_up page
REGISTRATION_MESSAGES = {  # shown by apps when sign-up is not open to everyone
    "invite": "This server accepts new accounts by invitation only: ask a member for an invite link.",
    "closed": "This server is not accepting new accounts.",
}


def version() -> str:
    return f"{MASTODON_VERSION} (compatible; Amity {software_version()})"


def streaming_url(config: NodeConfig) -> str:
    return f"{'wss' if config.scheme == 'https' else 'ws'}://{config.domain}"


def rules(values: dict[str, Any]) -> list[dict[str, str]]:
    return [{"id": str(i), "text": text, "hint": ""} for i, text in enumerate(values["rules"], start=1)]


async def _common(db: AsyncSession, config: NodeConfig, site: Urls) -> dict[str, Any]:
    """What v1 and v2 both need: settings, counts and the contact account."""
    now = utcnow()
    values = await settings.get_all(db)
    total, month, _ = await queries.user_counts(db, month_ago=now - timedelta(days=30),
                                                half_year_ago=now - timedelta(days=180))
    contact = await instance_queries.owner(db)
    return {
        "values": values, "users": total, "active_month": month,
        "statuses": await queries.local_post_count(db),
        "domains": len(await instance_queries.peers(db)),
        "contact": (await render_accounts(db, [contact], site))[0] if contact else None,
    }


def _registrations_open(values: dict[str, Any]) -> bool:
    return SIGN_UP_AVAILABLE and values["registration_mode"] in ("open", "approval")


async def instance_v2(request: web.Request) -> web.Response:
    config, site = request.app[SERVICES].config, urls(request)
    async with request.app[SERVICES].sessions() as db:
        common = await _common(db, config, site)
    values = common["values"]
    return json_ok({
        "domain": config.domain,
        "title": values["title"],
        "version": version(),
        "source_url": SOURCE_URL,
        "description": values["short_description"],
        "usage": {"users": {"active_month": common["active_month"]}},
        "thumbnail": {"url": f"{site.base_url}{DEFAULT_HEADER_PATH}"},
        "icon": [],
        "languages": values["languages"],
        "configuration": {
            "urls": {"streaming": streaming_url(config), "status": None, "about": f"{site.base_url}/about",
                     "privacy_policy": None, "terms_of_service": None},
            "accounts": limits.accounts(),
            "statuses": limits.statuses(config),
            "media_attachments": limits.media_attachments(config),
            "polls": limits.polls(config),
            "translation": {"enabled": bool(values["translation_url"])},
            "limited_federation": values["federation_mode"] == "allowlist",
        },
        "registrations": {
            "enabled": _registrations_open(values),
            "approval_required": values["registration_mode"] == "approval",
            "reason_required": False, "message": REGISTRATION_MESSAGES.get(values["registration_mode"]),
            "min_age": None, "url": None,
        },
        "api_versions": {"mastodon": MASTODON_API_VERSION},
        "contact": {"email": values["contact_email"], "account": common["contact"]},
        "rules": rules(values),
    })


async def instance_v1(request: web.Request) -> web.Response:
    config, site = request.app[SERVICES].config, urls(request)
    async with request.app[SERVICES].sessions() as db:
        common = await _common(db, config, site)
    values = common["values"]
    return json_ok({
        "uri": config.domain,
        "title": values["title"],
        "short_description": values["short_description"],
        "description": values["description"],
        "email": values["contact_email"],
        "version": version(),
        "urls": {"streaming_api": streaming_url(config)},
        "stats": {"user_count": common["users"], "status_count": common["statuses"],
                  "domain_count": common["domains"]},
        "thumbnail": f"{site.base_url}{DEFAULT_HEADER_PATH}",
        "languages": values["languages"],
        "registrations": _registrations_open(values),
        "approval_required": values["registration_mode"] == "approval",
        "invites_enabled": values["registration_mode"] == "invite",
        "configuration": {
            "accounts": {"max_featured_tags": limits.MAX_FEATURED_TAGS},
            "statuses": limits.statuses(config),
            "media_attachments": limits.media_attachments(config),
            "polls": limits.polls(config),
        },
        "contact_account": common["contact"],
        "rules": rules(values),
    })


async def _allowlisted(request: web.Request) -> bool:
    async with request.app[SERVICES].sessions() as db:
        return await settings.get(db, "federation_mode") == "allowlist"


async def _member_if_limited(request: web.Request) -> None:
    """In allowlist mode, peers and activity are for members only (as Mastodon's limited mode)."""
    if not await _allowlisted(request):
        return
    auth: Auth | None = await authenticate(request)
    if auth is None or auth.user is None:
        api_error(401, "This API requires an authenticated user")


async def peers(request: web.Request) -> web.Response:
    await _member_if_limited(request)
    async with request.app[SERVICES].sessions() as db:
        return json_ok(await instance_queries.peers(db))


async def activity(request: web.Request) -> web.Response:
    await _member_if_limited(request)
    async with request.app[SERVICES].sessions() as db:
        weeks = await instance_queries.activity(db, utcnow())
    return json_ok([{"week": str(int(w.start.timestamp())), "statuses": str(w.statuses),
                     "logins": str(w.logins), "registrations": str(w.registrations)} for w in weeks])


async def domain_blocks(request: web.Request) -> web.Response:
    """The servers this node limits or suspends, with their public reasons (Mastodon's shape),
    as the `domain_blocks_visibility` setting allows: everyone, members only, or nobody (404)."""
    async with request.app[SERVICES].sessions() as db:
        visibility = await settings.get(db, "domain_blocks_visibility")
        if visibility == "hidden":
            api_error(404, "This list is not public on this server")
        if visibility == "members":
            auth: Auth | None = await authenticate(request)
            if auth is None or auth.user is None:
                api_error(401, "This API requires an authenticated user")
        found = await moderation_domains.rules(db, policies=("suspend", "silence"))
    return json_ok([{"domain": moderation_domains.obfuscated(r.domain) if r.obfuscate else r.domain,
                     "digest": moderation_domains.digest(r.domain), "severity": r.policy,
                     "comment": r.public_comment or None} for r in found])


async def instance_rules(request: web.Request) -> web.Response:
    async with request.app[SERVICES].sessions() as db:
        values = await settings.get_all(db)
    return json_ok(rules(values))
