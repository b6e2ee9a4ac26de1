"""Statuses as AS2 objects: the Note, its Create activity, and its HTML page.

Routes: `/users/{name}/statuses/{id}` (Note), `…/activity` (Create) and `/@{name}/{id}`
(HTML page, or the Note for AS2 fetchers). Browsers asking an AS2 URL are redirected to
the page.

Who sees what is `actors.reading.visibility.can_see`, with the viewer being the verified signer of
the request (anonymous if unsigned; a signer is always remote): public and unlisted
statuses go to anyone not blocked by the author; followers-only ones to accepted followers
and mentioned actors; direct ones to mentioned actors only; local-only ones to no request
here at all. HTML pages are for anonymous readers and follow the same rule with no viewer.

404, not 401 or 403, for a status the request may not see: a different answer for "exists
but hidden" and "never existed" would let anyone probe ids for private posts (Mastodon
answers 404 too). 401 is kept for one case only, `authorized_fetch`: then every object GET
without a valid signature is refused with 401 before anything is looked up, so it reveals
nothing, and it tells the peer to sign and retry. A deleted status (a Tombstone row for its
URI) answers 410 Gone with a Tombstone document, whatever its visibility was: the row keeps
only the URI, so the answer says no more than that the id was used once.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from actors.reading import languages
from actors.reading.visibility import can_see
from federation import render
from federation.urls import status_uri, status_url
from storage.models import Actor, Status, User
from ui.activitypub import documents, queries, signed
from ui.activitypub.negotiation import Wants, as2_response, html_response, json_error, wanted
from ui.activitypub.pages import status_page
from ui.keys import SERVICES


class _Gone(Exception):
    def __init__(self, uri: str, document: dict[str, Any]) -> None:
        self.uri, self.document = uri, document


def _missing(choice: Wants) -> web.HTTPException:
    return web.HTTPNotFound() if choice is Wants.HTML else json_error(404, "Not found")


async def _visible_status(request: web.Request, viewer: Actor | None, choice: Wants
                          ) -> tuple[Status, Actor, User, dict[str, Any]]:
    """The status, its author and its Note, if `viewer` may see it; 404 or 410 otherwise."""
    services = request.app[SERVICES]
    try:
        status_id = int(request.match_info["id"])
    except ValueError:
        raise _missing(choice) from None
    if not 0 < status_id < 2**63:  # ids are signed 64-bit
        raise _missing(choice)
    async with services.sessions() as session:
        found = await queries.local_account(session, request.match_info["name"])
        if found is None:
            raise _missing(choice)
        author, account = found
        uri = status_uri(services.base_url, author.username, status_id)
        gone = await queries.tombstone(session, uri)
        if gone is not None:
            raise _Gone(uri, render.tombstone(uri, deleted=gone.deleted_at))
        status = await queries.local_status(session, author, status_id)
        if status is None or status.reblog_of_id is not None:  # boosts are Announces, not Notes
            raise _missing(choice)
        if not await can_see(session, viewer, status):
            raise _missing(choice)
        [note] = await documents.notes(session, author, [status], local_domain=services.domain)
    return status, author, account, note


def _as2(doc: dict[str, Any], status: Status) -> web.Response:
    response = as2_response(doc, vary=True)
    if status.visibility not in queries.SHOWN_TO_REMOTE:  # shown to this signer, not to caches
        response.headers["Cache-Control"] = "private"
    return response


async def _serve(request: web.Request, *, activity: bool) -> web.Response:
    viewer = await signed.viewer(request)
    try:
        status, author, _, note = await _visible_status(request, viewer, Wants.AS2)
    except _Gone as gone:
        return as2_response(gone.document, status=410, vary=True)
    return _as2(documents.create_of(note, status, author) if activity else note, status)


def _redirect_browsers(request: web.Request) -> None:
    if wanted(request) is Wants.HTML:
        page = status_url(request.app[SERVICES].base_url, request.match_info["name"],
                          int(request.match_info["id"]))
        raise web.HTTPFound(page, headers={"Vary": "Accept"})


async def note(request: web.Request) -> web.Response:
    _redirect_browsers(request)
    return await _serve(request, activity=False)


async def create_activity(request: web.Request) -> web.Response:
    _redirect_browsers(request)
    return await _serve(request, activity=True)


async def page(request: web.Request) -> web.Response:
    if wanted(request) is Wants.AS2:
        return await _serve(request, activity=False)
    try:
        status, author, account, _ = await _visible_status(request, None, Wants.HTML)
    except _Gone:
        raise web.HTTPGone(text="This post was deleted") from None
    domain = request.app[SERVICES].domain
    version, others = _language_version(request, status)
    response = html_response(status_page(status, author, lang=account.locale, domain=domain, version=version,
                                         others=others))
    response.headers["Vary"] = "Accept, Accept-Language"
    return response


def _language_version(request: web.Request, status: Status) -> tuple[languages.Version, list[str]]:
    """`?lang=xx` if the status has that version, else by Accept-Language (pages are anonymous)."""
    asked = request.query.get("lang", "")[:16]
    preferences = [asked] if asked else []
    version = languages.pick(status, preferences + languages.parse_accept_language(
        request.headers.get("Accept-Language")))
    others = [lang for lang in languages.versions(status) if lang != version.language]
    return version, others


def setup(app: web.Application) -> None:
    app.router.add_get(r"/users/{name}/statuses/{id:\d{1,20}}", note)
    app.router.add_get(r"/users/{name}/statuses/{id:\d{1,20}}/activity", create_activity)
    app.router.add_get(r"/@{name}/{id:\d{1,20}}", page)
