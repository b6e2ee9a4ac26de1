"""Discovery: WebFinger, host-meta (XML and JSON) and NodeInfo 2.0/2.1.

Everything here is public (no signatures), answers JSON errors, and carries
`Access-Control-Allow-Origin: *` so web clients on other origins can look people up.
"""

from __future__ import annotations

import json
from datetime import timedelta
from importlib import metadata
from typing import Any
from urllib.parse import urlsplit

from aiohttp import web

from actors.accounts.instance import INSTANCE_USERNAME
from actors.moderation import transparency
from federation.services import Services
from federation.urls import instance_actor_uri, is_local
from storage import settings
from storage.models import Actor, utcnow
from storage.queries import actor_by_uri
from ui.activitypub import queries
from ui.keys import SERVICES

CORS = {"Access-Control-Allow-Origin": "*"}
JRD_TYPE = "application/jrd+json"
PROFILE_PAGE_REL = "http://webfinger.net/rel/profile-page"
NODEINFO_SCHEMA = "http://nodeinfo.diaspora.software/ns/schema/{version}"
NODEINFO_VERSIONS = ("2.0", "2.1")
SOFTWARE_NAME = "amity"


def _json(body: Any, *, status: int = 200, content_type: str = "application/json") -> web.Response:
    return web.Response(text=json.dumps(body), status=status, content_type=content_type, headers=CORS)


def _error(status: int, message: str) -> web.Response:
    return _json({"error": message}, status=status)


def _username_for(resource: str, services: Services) -> str | None:
    """The local username a WebFinger resource names; None if it is not ours or not an account.

    Accepts `acct:name@domain` (also without `acct:` and with a leading `@`), actor URLs
    `/users/name`, profile pages `/@name`, and the instance actor's `/actor`.
    Raises ValueError for a resource that is neither an account nor a URL.
    """
    if resource.startswith(("http://", "https://")):
        if not is_local(resource, services.domain):
            return None
        if resource == instance_actor_uri(services.base_url):
            return INSTANCE_USERNAME
        path = urlsplit(resource).path
        for prefix in ("/users/", "/@"):
            if path.startswith(prefix) and "/" not in path[len(prefix):]:
                return path[len(prefix):] or None
        return None
    account = resource.removeprefix("acct:").removeprefix("@")
    name, at, domain = account.rpartition("@")
    if not at or not name or not domain or any(c.isspace() for c in account):
        raise ValueError(resource)
    return name if domain.lower() == services.domain else None


def _jrd(actor: Actor, services: Services) -> dict[str, Any]:
    links: list[dict[str, str]] = [
        {"rel": "self", "type": "application/activity+json", "href": actor.uri},
    ]
    aliases = [actor.uri]
    if actor.url and actor.url != actor.uri and actor.actor_type == "Person":
        links.append({"rel": PROFILE_PAGE_REL, "type": "text/html", "href": actor.url})
        aliases.append(actor.url)
    return {"subject": f"acct:{actor.username}@{services.domain}", "aliases": aliases, "links": links}


async def webfinger(request: web.Request) -> web.Response:
    services = request.app[SERVICES]
    resource = request.query.get("resource", "").strip()
    if not resource:
        return _error(400, "the resource parameter is required (acct:name@domain or an actor URL)")
    try:
        name = _username_for(resource, services)
    except ValueError:
        return _error(400, "resource must be acct:name@domain or an actor URL")
    if name is None:
        return _error(404, f"no account {resource} on {services.domain}")
    async with services.sessions() as session:
        if name.lower() == INSTANCE_USERNAME:  # reserved: no member can be called that
            actor = await actor_by_uri(session, instance_actor_uri(services.base_url))
        else:
            found = await queries.local_account(session, name)
            actor = found[0] if found else None
    if actor is None:
        return _error(404, f"no account {resource} on {services.domain}")
    return _json(_jrd(actor, services), content_type=JRD_TYPE)


def _lrdd_template(services: Services) -> str:
    return f"{services.base_url}/.well-known/webfinger?resource={{uri}}"


async def host_meta(request: web.Request) -> web.Response:
    template = _lrdd_template(request.app[SERVICES]).replace("&", "&amp;").replace('"', "&quot;")
    body = ('<?xml version="1.0" encoding="UTF-8"?>\n'
            '<XRD xmlns="http://docs.oasis-open.org/ns/xri/xrd-1.0">\n'
            f'  <Link rel="lrdd" type="application/jrd+json" template="{template}"/>\n'
            "</XRD>\n")
    return web.Response(text=body, content_type="application/xrd+xml", headers=CORS)


async def host_meta_json(request: web.Request) -> web.Response:
    template = _lrdd_template(request.app[SERVICES])
    return _json({"links": [{"rel": "lrdd", "type": JRD_TYPE, "template": template}]})


async def nodeinfo_links(request: web.Request) -> web.Response:
    base_url = request.app[SERVICES].base_url
    return _json({"links": [
        {"rel": NODEINFO_SCHEMA.format(version=version), "href": f"{base_url}/nodeinfo/{version}"}
        for version in NODEINFO_VERSIONS
    ]})


def software_version() -> str:
    try:
        return metadata.version(SOFTWARE_NAME)
    except metadata.PackageNotFoundError:  # running from a checkout that was never installed
        return "0.0.0+unknown"


async def nodeinfo(request: web.Request) -> web.Response:
    version = request.match_info["version"]
    services = request.app[SERVICES]
    now = utcnow()
    async with services.sessions() as session:
        values = await settings.get_all(session)
        total, month, half_year = await queries.user_counts(
            session, month_ago=now - timedelta(days=30), half_year_ago=now - timedelta(days=180))
        posts = await queries.local_post_count(session)
        moderation = await transparency.summary(session, now)
    body = {
        "version": version,
        # 2.1 adds optional software.repository/homepage: the project publishes none yet.
        "software": {"name": SOFTWARE_NAME, "version": software_version()},
        "protocols": ["activitypub"],
        "services": {"inbound": [], "outbound": []},
        "openRegistrations": values["registration_mode"] == "open",
        "usage": {"users": {"total": total, "activeMonth": month, "activeHalfyear": half_year},
                  "localPosts": posts},
        "metadata": {"nodeName": values["title"], "nodeDescription": values["short_description"],
                     "moderation": moderation},  # the public account (/about/moderation)
    }
    profile = f'application/json; profile="{NODEINFO_SCHEMA.format(version=version)}#"'
    return web.Response(body=json.dumps(body).encode(), headers={**CORS, "Content-Type": profile})


def setup(app: web.Application) -> None:
    app.router.add_get("/.well-known/webfinger", webfinger)
    app.router.add_get("/.well-known/host-meta", host_meta)
    app.router.add_get("/.well-known/host-meta.json", host_meta_json)
    app.router.add_get("/.well-known/nodeinfo", nodeinfo_links)
    app.router.add_get(r"/nodeinfo/{version:2\.[01]}", nodeinfo)
