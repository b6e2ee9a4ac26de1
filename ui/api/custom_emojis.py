"""`GET /api/v1/custom_emojis`: the node's own custom emoji, for the apps' emoji pickers."""

from __future__ import annotations

from aiohttp import web
from sqlalchemy import select

from storage.models import CustomEmoji
from ui.api.auth import Auth
from ui.api.responses import json_ok
from ui.keys import SERVICES


async def custom_emojis(request: web.Request, auth: Auth | None) -> web.Response:
    """The node's own emoji that are not disabled (those hidden from the picker say so)."""
    async with request.app[SERVICES].sessions() as db:
        rows = (await db.scalars(select(CustomEmoji).where(
            CustomEmoji.domain.is_(None), CustomEmoji.disabled.is_(False))
            .order_by(CustomEmoji.category, CustomEmoji.shortcode))).all()
    return json_ok([{"shortcode": e.shortcode, "url": e.image_url, "static_url": e.image_url,
                     "visible_in_picker": e.visible_in_picker, "category": e.category} for e in rows])
