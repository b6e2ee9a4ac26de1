"""Who sent an inbox POST: cheap checks on the claimed signer, then the signature itself.

Order matters: everything that needs no network runs first (keyId present and on an allowed
domain, activity id and objects on the actor's origin, keyId on the actor's origin unless the
activity may be forwarded); only then is the key looked up, from the cache or by fetching
the keyId document (at most twice: a cache miss, then one refetch for rotation). A key
fetched for a request that fails verification is not stored.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from federation.client import FetchError, origin
from federation.httpsig.fetch_gate import OverBudget
from federation.httpsig.keylookup import KeyCache, KeyLookup, remember_key_owner
from federation.httpsig.signatures import SignatureError, signature_key_id, verify_request
from federation.resolve import ActorFields
from federation.services import Services
from federation.urls import domain_of, is_canonical, require_canonical
from federation.vocab import POST_TYPES, id_of, type_of
from inbox.errors import Refused, bad_request, forbidden, unauthorized
from inbox.receive import Envelope
from storage.errors import AmityError, Invalid
from storage.queries import actor_id_by_uri

# Activities a third server may relay (Mastodon forwards replies and their edits/deletions);
# their object is then refetched from its origin instead of read from the body.
FORWARDABLE = frozenset({"Create", "Update", "Delete"})
# Activities about the actor's own objects: the object must live on the actor's origin.
ORIGIN_BOUND = frozenset({"Create", "Update", "Delete"})


def claimed_key_id(headers: Mapping[str, str]) -> str:
    """The keyId the request claims to be signed with (not yet verified); 401 if unsigned."""
    try:
        key_id = signature_key_id(headers)  # the verifier's own parser: no decoy keyId
    except SignatureError as exc:
        raise unauthorized(exc.reason) from None
    try:
        origin(key_id)
    except FetchError:
        raise unauthorized("the keyId is not an absolute http(s) URL") from None
    if not is_canonical(key_id):  # one key, one spelling: the cache and stored keys are keyed on it
        raise unauthorized(f"the keyId {key_id[:200]!r} does not have its host in canonical form "
                           "(lower case, punycode, no trailing dot, no default port)")
    return key_id


async def refuse_domain(services: Services, domain: str) -> None:
    """403 for a suspended domain (or a non-partner in allowlist mode); 401 for our own.

    Reads this process's snapshot of the domain rules (a few seconds old at most), as
    deliveries do: a suspension reaches every process within seconds, and an inbox under
    load does not query the rules on every request.
    """
    if domain == services.config.domain:
        raise unauthorized("activities of this server's own actors are not accepted at its inbox")
    reason = await services.domain_rules.refusal(services.sessions, domain)
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
        require_canonical(envelope.object_id, f"{envelope.type}'s object")
    except Invalid as exc:
        raise bad_request(str(exc)) from None
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
    return await actor_id_by_uri(session, envelope.actor) is None


@dataclass(frozen=True)
class Signer:
    uri: str  # the owner of the key that verified
    key_id: str
    fetched: ActorFields | None  # the key owner's document, if it was fetched for this request


async def verify_signature(services: Services, *, method: str, raw_path: str, headers: Mapping[str, str],
                           body: bytes, key_id: str, cache: KeyCache) -> Signer:
    """Check the signature (Date and Digest first, then the key); 401 with the reason otherwise."""
    lookup = KeyLookup(services, cache)
    try:
        verified = await verify_request(method, raw_path, headers, body, lookup,
                                        scheme=services.config.scheme, host=services.config.domain)
    except SignatureError as exc:
        cache.drop(key_id)
        raise unauthorized(exc.reason) from None
    except OverBudget as exc:  # nothing was fetched; the peer may try again later
        raise Refused(429, str(exc)) from None
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
    if signer.fetched is not None:
        await remember_key_owner(services, signer.key_id, signer.fetched)
