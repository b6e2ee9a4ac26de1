"""Actor documents: `/users/{name}`, `/@{name}` and the instance actor at `/actor`.

Actor documents are public even when `authorized_fetch` is on: a peer verifying our
signature fetches the key owner unsigned (Fedify does; see INTEROP.md), and the document
holds nothing that is not on the profile page anyway. Browsers asking `/users/{name}` are
sent to the profile page `/@{name}`; `/@{name}` itself answers AS2 fetchers with the document.
"""

from __future__ import annotations

from aiohttp import web

from federation.render import actor_document, suspended_actor_document
from federation.urls import instance_actor_uri
from storage.models import Actor, User
from storage.queries import actor_by_uri
from ui.activitypub import queries
from ui.activitypub.negotiation import Wants, as2_response, html_response, not_found, wanted
from ui.activitypub.pages import profile_page
from ui.keys import SERVICES


async def _account(request: web.Request, *, html_errors: bool = False) -> tuple[Actor, User]:
    async with request.app[SERVICES].sessions() as session:
        found = await queries.local_account(session, request.match_info["name"])
    if found is None:
        if html_errors:
            raise web.HTTPNotFound(text="No such account")
        not_found("No such account")
    return found


async def user(request: web.Request) -> web.Response:
    choice = wanted(request)
    if choice is not Wants.HTML:
        async with request.app[SERVICES].sessions() as session:
            suspended = await queries.suspended_local_actor(session, request.match_info["name"])
        if suspended is not None:  # as Mastodon: nothing but the key, so its Delete can be verified
            return as2_response(suspended_actor_document(suspended, base_url=request.app[SERVICES].base_url))
    actor, _ = await _account(request)
    if choice is Wants.HTML:
        raise web.HTTPFound(actor.url or actor.uri, headers={"Vary": "Accept"})
    return as2_response(actor_document(actor, base_url=request.app[SERVICES].base_url), vary=True)


async def profile(request: web.Request) -> web.Response:
    choice = wanted(request)
    actor, account = await _account(request, html_errors=choice is Wants.HTML)
    services = request.app[SERVICES]
    if choice is Wants.AS2:
        return as2_response(actor_document(actor, base_url=services.base_url), vary=True)
    return html_response(profile_page(actor, lang=account.locale, domain=services.domain))


async def instance_actor(request: web.Request) -> web.Response:
    """The `Application` that signs the node's own fetches (AS2 for everyone: it has no page)."""
    services = request.app[SERVICES]
    async with services.sessions() as session:
        actor = await actor_by_uri(session, instance_actor_uri(services.base_url))
    if actor is None:  # created at startup; missing only while the schema is not migrated
        not_found("The instance actor does not exist yet")
    return as2_response(actor_document(actor, base_url=services.base_url))


def setup(app: web.Application) -> None:
    app.router.add_get("/users/{name}", user)
    app.router.add_get("/@{name}", profile)
    app.router.add_get("/actor", instance_actor)
