"""Sent activities by id: `/activities/{id}` (and `/activities/{id}/undo`), as AS2.

What each answers and to whom is `actors.outgoing.sent_activities`; the viewer is the verified signer
of the request (`ui.activitypub.signed`), anonymous if unsigned. A refusal is the 404 of an
id never used. Activities have no HTML page: every request gets the AS2 document.
"""

from __future__ import annotations

from aiohttp import web

from actors.outgoing import sent_activities
from ui.activitypub import signed
from ui.activitypub.negotiation import as2_response, json_error
from ui.keys import SERVICES


async def sent_activity(request: web.Request) -> web.Response:
    viewer = await signed.viewer(request)
    services = request.app[SERVICES]
    async with services.sessions() as session:
        found = await sent_activities.find(session, f"{services.base_url}{request.path}", viewer)
    if found is None:
        raise json_error(404, "Not found")
    response = as2_response(found.document, vary=True)
    if not found.public:  # shown to this signer, not to caches
        response.headers["Cache-Control"] = "private"
    return response


def setup(app: web.Application) -> None:
    app.router.add_get(r"/activities/{id:\d{1,20}}", sent_activity)
    app.router.add_get(r"/activities/{id:\d{1,20}}/undo", sent_activity)
