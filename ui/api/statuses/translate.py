"""`POST /api/v1/statuses/:id/translate`: Mastodon's Translation entity, through the node's
translation hook (`actors.reading.translation`, a LibreTranslate-compatible server).

As Mastodon: only public and unlisted posts with text are sent to the translation server
(403 otherwise; a post the member may not see is 404); with translation turned off the route
answers 404; a server that does not answer is 503. `lang` is the target (default: the
member's locale). The text and content warning are translated; polls and media descriptions
are not (empty in the answer).
"""

from __future__ import annotations

from aiohttp import web
from sqlalchemy import select

from actors.reading.translation import TranslationUnavailable, translate_status
from storage import settings
from storage.models import User
from ui.api.auth import MemberAuth
from ui.api.responses import NOT_FOUND, api_error, json_ok
from ui.api.routing import path_id
from ui.api.statuses.entity import visible_status
from ui.keys import SERVICES
from ui.params import read_params

TRANSLATABLE = ("public", "unlisted")  # Mastodon's `distributable?`
NOT_PERMITTED = "This action is not allowed"


async def translate(request: web.Request, auth: MemberAuth) -> web.Response:
    services = request.app[SERVICES]
    params = await read_params(request)
    async with services.sessions() as db:
        status = await visible_status(db, auth.actor, path_id(request))
        if not await settings.get(db, "translation_url"):
            api_error(404, NOT_FOUND)
        locale = await db.scalar(select(User.locale).where(User.actor_id == auth.actor.id))
        target = params.text("lang") or locale
    if status.visibility not in TRANSLATABLE or status.local_only or not status.content:
        api_error(403, NOT_PERMITTED)
    try:
        done = await translate_status(services, status, (target or "en").split("-")[0])
    except TranslationUnavailable:
        api_error(503, "Service Unavailable")
    return json_ok({
        "content": done.content, "spoiler_text": done.summary, "poll": None, "media_attachments": [],
        "detected_source_language": done.source_language, "language": done.target_language,
        "provider": done.provider,
    })
