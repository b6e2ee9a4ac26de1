"""Signed GETs: who signed a request, and whether this node requires a signature.

A signed GET is verified like an inbox POST (draft-cavage or RFC 9421, key from the cache
or fetched through the SSRF-guarded client), with an empty body. The viewer is the actor
that owns the signing key. A signature that does not check out (bad, expired, key
unavailable, signer's domain suspended or not a partner, signer suspended) makes the request
anonymous; it is refused outright only when signatures are required (the `authorized_fetch`
setting, or allowlist mode: then only partners' signatures count), and then with 401 and a
`WWW-Authenticate: Signature` challenge, so the peer knows to sign and retry (Mastodon and
Fedify do). See `ui.activitypub.objects` for why refusals of existing but hidden objects are
404s instead.

The setting is a database row shared by every process; each process keeps it for a few
seconds (`SettingCache`), so a change takes effect everywhere within that time.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from aiohttp import web

from federation.httpsig.keylookup import KEY_CACHE, KeyLookup, remember_key_owner
from federation.httpsig.signatures import SignatureError, verify_request
from federation.urls import domain_of
from inbox.errors import Refused
from inbox.verify import claimed_key_id
from storage.errors import AmityError
from storage.models import Actor
from storage.queries import actor_by_uri
from ui.activitypub.negotiation import json_error
from ui.keys import SERVICES, SETTINGS_CACHE

log = logging.getLogger("amity.activitypub")





@dataclass(frozen=True)
class SignerCheck:
    """The verified signer of a request, or why there is none."""

    actor: Actor | None
    reason: str = ""


async def signatures_required(request: web.Request) -> bool:
    """With `authorized_fetch` on, or in allowlist mode (where only partners may read: the
    signer check already refuses anyone else's signature)."""
    sessions, cache = request.app[SERVICES].sessions, request.app[SETTINGS_CACHE]
    return (bool(await cache.get(sessions, "authorized_fetch"))
            or await cache.get(sessions, "federation_mode") == "allowlist")


async def verify_signer(request: web.Request) -> SignerCheck:
    """Check the request's signature; never raises for a bad one (see `SignerCheck.reason`)."""
    services = request.app[SERVICES]
    try:
        claimed = claimed_key_id(request.headers)  # as the inbox reads it: no decoy keyId
    except Refused as exc:
        return SignerCheck(None, exc.reason)
    # before fetching anything of theirs
    refused = await services.domain_rules.refusal(services.sessions, domain_of(claimed))
    if refused:
        return SignerCheck(None, refused)
    cache = request.app[KEY_CACHE]
    lookup = KeyLookup(services, cache)
    try:
        verified = await verify_request(request.method, request.raw_path, request.headers, b"",
                                        lookup=lookup, scheme=services.config.scheme, host=services.domain)
    except (SignatureError, AmityError) as exc:
        cache.drop(claimed)
        log.info("activitypub.signature_refused", extra={"path": request.path, "reason": str(exc)})
        return SignerCheck(None, str(exc))
    if lookup.last is not None:
        cache.put(verified.key_id, lookup.last)
    if lookup.fetched is not None and lookup.fetched.uri == verified.owner:
        await remember_key_owner(services, verified.key_id, lookup.fetched)
    async with services.sessions() as session:
        actor = await actor_by_uri(session, verified.owner)
    if actor is None or actor.suspended_at is not None:
        return SignerCheck(None, "the signing actor is suspended on this server")
    return SignerCheck(actor)


async def viewer(request: web.Request) -> Actor | None:
    """Who is asking: the verified signer, or None (anonymous).

    Raises 401 when signatures are required (`authorized_fetch`) and there is no valid one.
    Unsigned requests cost nothing more than the cached setting.
    """
    required = await signatures_required(request)
    if not required and "Signature" not in request.headers:
        return None
    signer = await verify_signer(request)
    if signer.actor is None and required:
        realm = request.app[SERVICES].domain
        challenge = f'Signature realm="{realm}",headers="(request-target) host date"'
        raise json_error(401, f"this server requires signed requests: {signer.reason}",
                         headers={"WWW-Authenticate": challenge})
    return signer.actor
