"""`GET /api/v1/preferences`: the member's stored posting defaults, in Mastodon's keys. Reading
preferences are not stored: Amity answers Mastodon's defaults for them."""

from __future__ import annotations

from aiohttp import web
from sqlalchemy import select

from storage.models import User
from ui.api.auth import MemberAuth
from ui.api.responses import json_ok
from ui.keys import SERVICES


async def preferences(request: web.Request, auth: MemberAuth) -> web.Response:
    async with request.app[SERVICES].sessions() as db:
        user = await db.scalar(select(User).where(User.actor_id == auth.actor.id))
    assert user is not None  # a member's token has a user
    return json_ok({
        "posting:default:visibility": user.default_privacy,
        "posting:default:sensitive": bool(user.default_sensitive),
        "posting:default:language": user.default_language,
        "reading:expand:media": "default",
        "reading:expand:spoilers": False,
    })
