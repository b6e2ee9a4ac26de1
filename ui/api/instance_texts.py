"""The instance's long texts, from instance settings, in Mastodon's shapes:
`GET /api/v1/instance/extended_description` (the `description` setting), `…/privacy_policy`
(`privacy_policy`, or a short default as Mastodon has its own) and `…/terms_of_service`
(`terms_of_service`; 404 while there are none, as Mastodon 4.4). Markdown, rendered as post
Markdown is (raw HTML stays text) and sanitized."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncSession

from actors.posts.compose import markdown_to_html
from federation.sanitize import clean_html
from storage.models import InstanceSetting
from ui.api.entities import iso_datetime
from ui.api.responses import NOT_FOUND, api_error, json_ok
from ui.keys import SERVICES

DEFAULT_PRIVACY_POLICY = (  # one line per paragraph: Markdown line breaks would show
    "# Privacy policy\n\n"
    "{domain} runs Amity, a federated social network server. It keeps what you give it: your account "
    "(e-mail address, a hash of your password), your profile, your posts and uploads, and whom you "
    "follow, block and mute. It sends your posts to the servers of the accounts they are addressed to, "
    "which keep copies under their own rules. Posts you delete are deleted here, and a deletion is sent "
    "to those servers. Ask the administrators of this server about anything else.\n")
DEFAULT_POLICY_DATE = datetime(2026, 1, 1, tzinfo=UTC)


async def text_setting(db: AsyncSession, key: str) -> tuple[str, datetime | None]:
    row = await db.get(InstanceSetting, key)
    text = str(row.value or "") if row is not None else ""
    return text, (row.updated_at if row is not None and text.strip() else None)


def markdown_html(text: str) -> str:
    return clean_html(markdown_to_html(text))


async def extended_description(request: web.Request) -> web.Response:
    async with request.app[SERVICES].sessions() as db:
        text, updated = await text_setting(db, "description")
    return json_ok({"updated_at": None if updated is None else iso_datetime(updated),
                    "content": markdown_html(text) if updated is not None else ""})


async def privacy_policy(request: web.Request) -> web.Response:
    async with request.app[SERVICES].sessions() as db:
        text, updated = await text_setting(db, "privacy_policy")
    if updated is None:
        text = DEFAULT_PRIVACY_POLICY.format(domain=request.app[SERVICES].config.domain)
    return json_ok({"updated_at": iso_datetime(updated or DEFAULT_POLICY_DATE),
                    "content": markdown_html(text)})


async def terms_of_service(request: web.Request) -> web.Response:
    async with request.app[SERVICES].sessions() as db:
        text, updated = await text_setting(db, "terms_of_service")
    if updated is None:
        api_error(404, NOT_FOUND)
    body: dict[str, Any] = {"effective_date": updated.date().isoformat(), "effective": True,
                            "content": markdown_html(text), "succeeded_by": None}
    return json_ok(body)
