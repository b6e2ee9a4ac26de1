"""The inbox endpoints: `POST /users/{name}/inbox`, `POST /inbox` (shared), `POST /actor/inbox`.

A POST is checked cheaply first (signed at all, from an allowed domain; then its body, read
under the size cap, must be JSON for an activity whose ids sit on its actor's origin), then
verified, stored and queued; 202 comes only after that commit. A refused request writes
and queues nothing, and fetches nothing but its keyId document.
"""

from __future__ import annotations

import logging

from aiohttp import web
from sqlalchemy import func, select

from federation.delivery.hosts import host_answered_again
from federation.httpsig.keylookup import KEY_CACHE, KeyCache
from federation.services import SERVICES, Services
from federation.urls import domain_of
from inbox.errors import Refused
from inbox.policies import CHECKED as SOLICITATION_CHECKED
from inbox.policies import is_solicited, suspension_reason
from inbox.receive import INBOX_WRITER, Envelope, InboxWriter, parse_activity, read_capped
from inbox.verify import (
    claimed_key_id,
    is_forwarded,
    nothing_to_do,
    precheck,
    refuse_domain,
    remember_signer,
    verify_signature,
)
from storage.models import Actor

log = logging.getLogger("amity.inbox")
HOST_VIEW_TTL = 5.0  # seconds this process trusts its list of failing hosts


def setup(app: web.Application) -> None:
    app[INBOX_WRITER] = InboxWriter()
    app.router.add_post("/inbox", shared_inbox)
    app.router.add_post("/actor/inbox", shared_inbox)
    app.router.add_post("/users/{name}/inbox", personal_inbox)


async def shared_inbox(request: web.Request) -> web.Response:
    return await _answer(request, request.app[SERVICES])


async def personal_inbox(request: web.Request) -> web.Response:
    services = request.app[SERVICES]
    name = request.match_info["name"]
    async with services.sessions() as session:
        found = await session.scalar(select(Actor.id).where(
            Actor.domain.is_(None), func.lower(Actor.username) == name.lower()))
    if found is None:
        return web.json_response({"error": f"there is no account named {name!r} here"}, status=404)
    return await _answer(request, services)


async def _answer(request: web.Request, services: Services) -> web.Response:
    try:
        await receive(request, services, request.app[INBOX_WRITER], request.app[KEY_CACHE])
    except Refused as exc:
        log.info("inbox.refused", extra={"status": exc.status, "reason": exc.reason})
        response = web.json_response({"error": exc.reason}, status=exc.status)
        if exc.status == 413:
            response.force_close()  # do not wait for the rest of an oversized body
        return response
    return web.Response(status=202)


async def receive(request: web.Request, services: Services, writer: InboxWriter,
                  keys: KeyCache) -> int | None:
    """Run the POST through every check; the stored item's id, or None for a repeat."""
    config = services.config
    key_id = claimed_key_id(request.headers)  # unsigned, or from a refused domain: body unread
    await refuse_domain(services, domain_of(key_id))
    body = await read_capped(request, config.limits.max_request_bytes)
    envelope = parse_activity(body)
    await precheck(services, envelope, key_id)
    async with services.sessions() as session:
        suspended = await suspension_reason(session, envelope.actor, key_id=key_id)
        if suspended:
            raise Refused(403, suspended)
        if envelope.type == "Delete" and await nothing_to_do(session, envelope):
            return None
    signer = await verify_signature(services, method=request.method, raw_path=request.raw_path,
                                    headers=request.headers, body=body, key_id=key_id, cache=keys)
    forwarded = is_forwarded(envelope, signer)
    if await _unsolicited(services, envelope):  # dropped as Mastodon does: 202, nothing kept
        return None
    await remember_signer(services, signer)
    await _revive_host(services, domain_of(signer.uri))
    item_id = await writer.store(services, envelope, signer_uri=signer.uri)
    log.info("inbox.accepted", extra={"activity_type": envelope.type, "actor": envelope.actor,
                                      "forwarded": forwarded, "duplicate": item_id is None})
    return item_id


async def _unsolicited(services: Services, envelope: Envelope) -> bool:
    """A post or boost that concerns nobody here (`inbox.policies`)."""
    if envelope.type not in SOLICITATION_CHECKED:
        return False
    async with services.sessions() as session:
        if await is_solicited(session, services.domain, envelope.activity):
            return False
    log.info("inbox.unsolicited", extra={"activity_type": envelope.type, "actor": envelope.actor})
    return True


async def _revive_host(services: Services, domain: str) -> None:
    """A host our deliveries think is down just signed a request: it is up (`host_answered_again`)."""
    revived = await host_answered_again(services.sessions, services.deliveries.failing, domain,
                                        ttl=HOST_VIEW_TTL)
    if revived is None:
        return
    if revived:
        log.info("inbox.host_back", extra={"domain": domain})
    services.wake_workers()
