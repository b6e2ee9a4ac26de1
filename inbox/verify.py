"""Who sent an inbox POST: cheap checks on the claimed signer, then the signature itself.

Order matters: everything that needs no network runs first (keyId present and on an allowed
domain, activity id and objects on the actor's origin, keyId on the actor's origin unless the
activity may be forwarded); only then is the key looked up, from the cache or by fetching
the keyId document (at most twice: a cache miss, then one refetch for rotation). A key
fetched for a request that fails verification is not stored.
"""

from __future__ import annotations

import re
import time
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass

from aiohttp import web
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from federation.client import FetchError, origin
from federation.resolve import ActorFields, upsert_actor
from federation.resolve import _fetch_key_owner as fetch_key_owner
from federation.services import Services
from federation.signatures import PublicKeyInfo, SignatureError, verify_request
from federation.signatures_common import header_value
from federation.urls import domain_of
from federation.vocab import POST_TYPES, id_of, type_of
from inbox.body import Envelope
from inbox.errors import bad_request, forbidden, unauthorized
from storage.errors import AmityError
from storage.models import Actor

# Activities a third server may relay (Mastodon forwards replies and their edits/deletions);
# their object is then refetched from its origin instead of read from the body.
FORWARDABLE = frozenset({"Create", "Update", "Delete"})
# Activities about the actor's own objects: the object must live on the actor's origin.
ORIGIN_BOUND = frozenset({"Create", "Update", "Delete"})

RULES_TTL = 5.0  # seconds
KEY_CACHE_TTL = 600.0  # seconds a verified key is trusted without reading the database
KEY_CACHE_SIZE = 10_000

_CAVAGE_KEY_ID = re.compile(r'(?:^|,)\s*keyId\s*=\s*"([^"]*)"', re.IGNORECASE)
_RFC9421_KEY_ID = re.compile(r';\s*keyid\s*=\s*"([^"]*)"', re.IGNORECASE)


def claimed_key_id(headers: Mapping[str, str]) -> str:
    """The keyId the request claims to be signed with (not yet verified); 401 if unsigned."""
    signature = header_value(headers, "signature")
    if signature is None:
        raise unauthorized("the request is not signed: it has no Signature header")
    signature_input = header_value(headers, "signature-input")
    found = (_RFC9421_KEY_ID.search(signature_input) if signature_input is not None
             else _CAVAGE_KEY_ID.search(signature))
    if found is None or not found.group(1):
        raise unauthorized("the signature names no keyId")
    key_id = found.group(1)
    try:
        origin(key_id)
    except FetchError:
        raise unauthorized("the keyId is not an absolute http(s) URL") from None
    return key_id


async def refuse_domain(services: Services, domain: str) -> None:
    """403 for a suspended domain (or a non-partner in allowlist mode); 401 for our own.

    Reads this process's snapshot of the domain rules (at most `RULES_TTL` seconds old), as
    deliveries do: a suspension reaches every process within seconds, and an inbox under
    load does not query the rules on every request.
    """
    if domain == services.config.domain:
        raise unauthorized("activities of this server's own actors are not accepted at its inbox")
    policy = await services.deliveries.policy.get(services.sessions, RULES_TTL)
    reason = policy.refusal(domain)
    if reason:
        raise forbidden(reason)


async def precheck(services: Services, envelope: Envelope, key_id: str) -> None:
    """Everything decidable without the network: 403 for refused domains, 400/401 otherwise."""
    if domain_of(envelope.actor) != domain_of(key_id):
        await refuse_domain(services, domain_of(envelope.actor))
    actor_origin = origin(envelope.actor)
    if origin(envelope.id) != actor_origin:
        raise bad_request("the activity's id is not on its actor's server")
    if envelope.type in ORIGIN_BOUND:
        _check_own_object(envelope, actor_origin)
    if origin(key_id) != actor_origin and envelope.type not in FORWARDABLE:
        raise unauthorized(f"the keyId is on another server than the activity's actor ({envelope.type} "
                           "activities are accepted only when signed by their actor)")


def _check_own_object(envelope: Envelope, actor_origin: tuple[str, str, int]) -> None:
    if not envelope.object_id:
        raise bad_request(f"the {envelope.type} has no object")
    try:
        same = origin(envelope.object_id) == actor_origin
    except FetchError:
        same = False
    if not same:
        raise bad_request(f"a {envelope.type} may only concern objects on its actor's server, "
                          f"and {envelope.object_id} is not")
    embedded = envelope.activity.get("object")
    if isinstance(embedded, dict) and type_of(embedded) in POST_TYPES and envelope.type != "Delete":
        author = id_of(embedded.get("attributedTo"))
        if author != envelope.actor:
            raise bad_request(f"the object of this {envelope.type} is not attributed to its actor")


async def nothing_to_do(session: AsyncSession, envelope: Envelope) -> bool:
    """An actor's deletion of itself that we never knew of: accept it without any work.

    Servers send these to every peer; the deleted actor's key document is usually gone
    (410), so verifying would cost a fetch and answer 401 for nothing (Mastodon skips them
    the same way).
    """
    if envelope.type != "Delete" or envelope.object_id != envelope.actor:
        return False
    return await session.scalar(select(Actor.id).where(Actor.uri == envelope.actor)) is None


@dataclass(frozen=True)
class Signer:
    uri: str  # the owner of the key that verified
    key_id: str
    fetched: ActorFields | None  # the key owner's document, if it was fetched for this request


class KeyCache:
    """Keys that verified recently, per process: most inbox POSTs need no key query at all.

    An entry is dropped when a signature fails with it (the lookup then asks again, and
    refetches for rotation), and trusted for `KEY_CACHE_TTL` seconds at most.
    """

    def __init__(self) -> None:
        self._keys: OrderedDict[str, tuple[PublicKeyInfo, float]] = OrderedDict()

    def get(self, key_id: str) -> PublicKeyInfo | None:
        found = self._keys.get(key_id)
        if found is None or time.monotonic() - found[1] > KEY_CACHE_TTL:
            return None
        return found[0]

    def put(self, key_id: str, info: PublicKeyInfo) -> None:
        self._keys[key_id] = (info, time.monotonic())
        self._keys.move_to_end(key_id)
        while len(self._keys) > KEY_CACHE_SIZE:
            self._keys.popitem(last=False)

    def drop(self, key_id: str) -> None:
        self._keys.pop(key_id, None)


class _KeyLookup:
    """A `KeyLookup` that fetches without storing: the caller stores after verification."""

    def __init__(self, services: Services, cache: KeyCache) -> None:
        self.services = services
        self.cache = cache
        self.fetched: ActorFields | None = None
        self.last: PublicKeyInfo | None = None  # the key handed out last (the one that verified)

    async def __call__(self, key_id: str, refresh: bool) -> PublicKeyInfo:
        if not refresh:
            self.last = self.cache.get(key_id)
            if self.last is not None:
                return self.last
            async with self.services.sessions() as session:
                cached = (await session.execute(select(Actor.public_key_pem, Actor.uri)
                                                .where(Actor.key_id == key_id))).first()
            if cached is not None and cached.public_key_pem:
                self.last = PublicKeyInfo(cached.public_key_pem, cached.uri)
                return self.last
        self.cache.drop(key_id)
        fields = await fetch_key_owner(self.services, key_id)
        self.fetched = fields
        self.last = PublicKeyInfo(fields.keys[key_id], fields.uri)
        return self.last


async def verify_signature(services: Services, *, method: str, raw_path: str, headers: Mapping[str, str],
                           body: bytes, key_id: str, cache: KeyCache) -> Signer:
    """Check the signature (Date and Digest first, then the key); 401 with the reason otherwise."""
    lookup = _KeyLookup(services, cache)
    try:
        verified = await verify_request(method, raw_path, headers, body, lookup,
                                        scheme=services.config.scheme)
    except SignatureError as exc:
        cache.drop(key_id)
        raise unauthorized(exc.reason) from None
    except AmityError as exc:  # the key document could not be fetched or does not hold the key
        raise unauthorized(f"the signing key could not be used: {exc}") from None
    if verified.key_id != key_id:
        raise unauthorized("the request carries more than one keyId")
    if lookup.last is not None:
        cache.put(key_id, lookup.last)
    fetched = lookup.fetched if lookup.fetched is not None and lookup.fetched.uri == verified.owner else None
    return Signer(verified.owner, key_id, fetched)


def is_forwarded(envelope: Envelope, signer: Signer) -> bool:
    """Signed by someone other than the actor: allowed for forwardable activities only."""
    if signer.uri == envelope.actor:
        return False
    if envelope.type not in FORWARDABLE:
        raise unauthorized(f"the request is signed by {signer.uri}, not by the activity's actor")
    return True


async def remember_signer(services: Services, signer: Signer) -> None:
    """Store the key owner fetched for a request that verified (new actor or rotated key)."""
    if signer.fetched is None:
        return
    try:
        async with services.sessions() as session, session.begin():
            actor = await upsert_actor(session, signer.fetched)
            actor.key_id, actor.public_key_pem = signer.key_id, signer.fetched.keys[signer.key_id]
    except IntegrityError:  # a concurrent request stored the same actor first
        return


INBOX_KEYS = web.AppKey("inbox_keys", KeyCache)
