"""Handlers of the public pages: HTML for browsers, the same data as JSON when the request's
Accept prefers `application/json`. Anonymous and unsigned, in every federation mode."""

from __future__ import annotations

from typing import Any

import aiohttp_jinja2
from aiohttp import web

from actors.moderation import transparency
from storage import settings
from storage.models import utcnow
from ui.activitypub.negotiation import media_ranges
from ui.api import instance_texts
from ui.api.responses import json_ok
from ui.keys import SERVICES


def wants_json(request: web.Request) -> bool:
    """True when Accept ranks a JSON type above HTML (ties, and no Accept, go to HTML)."""
    best = {"json": 0.0, "html": 0.0}
    for kind, _, q in media_ranges(request.headers.get("Accept", "*/*")):
        if kind == "application/json" or kind.endswith("+json"):
            best["json"] = max(best["json"], q)
        elif kind in ("text/html", "application/xhtml+xml", "text/*", "*/*"):
            best["html"] = max(best["html"], q)
    return best["json"] > best["html"]


def _respond(request: web.Request, template: str, data: dict[str, Any], *, title: str = "") -> web.Response:
    """`data` as JSON, or the page; `title` (the node's name) is for the page only."""
    if wants_json(request):
        response = json_ok(data)
    else:
        page = {**data, "title": title or data.get("title", "")}
        response = aiohttp_jinja2.render_template(template, request, {"data": page})
    response.headers["Vary"] = "Accept"
    return response


async def about_data(request: web.Request) -> dict[str, Any]:
    services = request.app[SERVICES]
    async with services.sessions() as db:
        values = await settings.get_all(db)
    return {
        "domain": services.config.domain,
        "title": values["title"],
        "short_description": values["short_description"],
        "description": instance_texts.markdown_html(values["description"]),  # Markdown, sanitized
        "rules": [str(rule) for rule in values["rules"]],
        "contact_email": values["contact_email"] or None,
        "registration_mode": values["registration_mode"],
        "federation_mode": values["federation_mode"],
        "terms": bool(str(values["terms_of_service"]).strip()),
    }


async def about_page(request: web.Request) -> web.Response:
    return _respond(request, "about.html", await about_data(request))


async def moderation_page(request: web.Request) -> web.Response:
    async with request.app[SERVICES].sessions() as db:
        data = await transparency.summary(db, utcnow())
        title = str(await settings.get(db, "title"))
    return _respond(request, "moderation.html", data, title=title)


async def _text_page(request: web.Request, key: str, heading: str) -> web.Response:
    async with request.app[SERVICES].sessions() as db:
        text, updated = await instance_texts.text_setting(db, key)
        title = str(await settings.get(db, "title"))
    if updated is None and key == "privacy_policy":
        text = instance_texts.DEFAULT_PRIVACY_POLICY.format(domain=request.app[SERVICES].config.domain)
    elif updated is None:
        message = "There are no terms of service on this server"
        if wants_json(request):
            return json_ok({"error": message}, status=404)
        raise web.HTTPNotFound(text=message)
    data = {"title": title, "heading": heading, "content": instance_texts.markdown_html(text),
            "updated_at": None if updated is None else updated.date().isoformat()}
    return _respond(request, "text.html", data)


async def privacy_page(request: web.Request) -> web.Response:
    return await _text_page(request, "privacy_policy", "privacy")


async def terms_page(request: web.Request) -> web.Response:
    return await _text_page(request, "terms_of_service", "terms")
