"""Remote actors and objects: WebFinger, fetch (signed by the instance actor), cache, keys.

Network work happens with no transaction open; each database write is its own short
transaction. Every fetch goes through the SSRF-guarded client, which takes an object only
from its own id (a document naming another id is refetched from it, once).
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from urllib.parse import quote, urlsplit

from sqlalchemy.ext.asyncio import AsyncSession

from federation.client import JRD, VERIFY, FetchError, Lane, origin
from federation.limits import (
    MAX_ALSO_KNOWN_AS,
    MAX_FIELD_VALUE_CHARS,
    MAX_FIELDS,
    MAX_NAME_CHARS,
    MAX_NOTE_CHARS,
)
from federation.sanitize import clean_html, plain_text
from federation.services import Services
from federation.urls import (
    domain_of,
    domain_or_none,
    is_canonical,
    media_url,
    page_url,
    require_canonical,
    safe_url,
)
from federation.vocab import ACTOR_TYPES, as_list, id_of, ids, text, type_of
from storage.domain_names import normalize_domain
from storage.errors import Invalid
from storage.models import Actor, utcnow
from storage.queries import actor_by_uri, federation_refused

log = logging.getLogger("amity.resolve")

ACTOR_TTL = timedelta(days=1)
# Mastodon's username rule (ASCII letters, digits, `_`; `.` and `-` only inside), up to 64
# characters: Mastodon caps local names at 30, but PeerTube channels and Lemmy communities
# federate longer ones.
MAX_USERNAME = 64
USERNAME = re.compile(rf"(?=.{{1,{MAX_USERNAME}}}\Z)[A-Za-z0-9_](?:[A-Za-z0-9_.-]*[A-Za-z0-9_])?", re.ASCII)


class NotAnActor(Invalid):
    """A fetched document is not a usable actor (wrong type, no inbox, no key...)."""


@dataclass(frozen=True)
class ActorFields:
    """What we keep of a remote actor document, checked and sanitized."""

    values: dict[str, Any]
    keys: dict[str, str]  # key id -> PEM, every key the actor lists as its own

    @property
    def uri(self) -> str:
        return str(self.values["uri"])


def parse_actor(doc: dict[str, Any], *, fetched_from: str) -> ActorFields:
    uri = id_of(doc)
    if not uri or origin(uri) != origin(fetched_from):
        raise NotAnActor(f"actor id {uri!r} is not on the origin it was fetched from")
    require_canonical(uri, "actor id")  # one actor, one spelling of its id
    kind = type_of(doc)
    if kind not in ACTOR_TYPES:
        raise NotAnActor(f"{uri} is a {kind!r}, not an actor")
    domain = domain_of(uri)
    inbox = id_of(doc.get("inbox"))
    if not inbox:
        raise NotAnActor(f"actor {uri} has no inbox")
    if domain_or_none(inbox) != domain:
        raise NotAnActor(f"actor {uri} has its inbox on another server")
    keys = {}
    for key in as_list(doc.get("publicKey")):
        pem = key.get("publicKeyPem") if isinstance(key, dict) else None
        if isinstance(pem, str) and id_of(key.get("owner")) == uri:
            key_id = id_of(key)
            if key_id and origin(key_id) == origin(uri) and is_canonical(key_id):
                keys[key_id] = pem
    endpoints = doc.get("endpoints")
    if not isinstance(endpoints, dict):
        endpoints = {}
    username = valid_username(uri, text(doc, "preferredUsername")
                              or urlsplit(uri).path.rstrip("/").rsplit("/", 1)[-1])
    fields = [
        {"name": plain_text(text(item, "name"), limit=MAX_NAME_CHARS),
         "value": clean_html(text(item, "value"), limit=MAX_FIELD_VALUE_CHARS)}
        for item in as_list(doc.get("attachment"))[:MAX_FIELDS]
        if type_of(item) == "PropertyValue"
    ]
    values = {
        "uri": uri, "username": username, "domain": domain, "actor_type": kind,
        "display_name": plain_text(text(doc, "name"), limit=MAX_NAME_CHARS),
        "note": clean_html(text(doc, "summary"), limit=MAX_NOTE_CHARS),
        "url": page_url(doc.get("url"), uri) or uri,  # never another host's page
        "inbox_url": inbox, "shared_inbox_url": _own_shared_inbox(uri, domain, endpoints),
        "outbox_url": id_of(doc.get("outbox")), "followers_url": id_of(doc.get("followers")),
        "following_url": id_of(doc.get("following")), "featured_url": id_of(doc.get("featured")),
        "avatar_url": _image_url(doc.get("icon")), "header_url": _image_url(doc.get("image")),
        "locked": doc.get("manuallyApprovesFollowers") is True,
        "discoverable": doc.get("discoverable") is True, "bot": kind in ("Service", "Application"),
        "fields": fields, "also_known_as": _aliases(doc.get("alsoKnownAs")),
        "key_id": next(iter(keys), None), "public_key_pem": next(iter(keys.values()), None),
    }
    return ActorFields(values, keys)


def valid_username(uri: str, username: str) -> str:
    """`username` if it may stand before `@domain` in a handle; otherwise the actor is refused,
    so that no document can make its handle read as another account's (`a@other.example`,
    spaces, look-alike letters)."""
    if not USERNAME.fullmatch(username):
        raise NotAnActor(f"actor {uri} has an invalid preferredUsername {username[:100]!r}: letters a-z, "
                         f"digits and underscores, with dots and dashes inside, {MAX_USERNAME} at most")
    return username


def _own_shared_inbox(uri: str, domain: str, endpoints: dict[str, Any]) -> str | None:
    """The shared inbox, if it is on the actor's own server; one elsewhere is ignored (posts to
    all of a server's followers must not be handed to a third server)."""
    shared = id_of(endpoints.get("sharedInbox"))
    if shared and domain_or_none(shared) != domain:
        log.info("resolve.foreign_shared_inbox", extra={"actor": uri, "shared_inbox": shared[:200]})
        return None
    return shared


def _image_url(value: Any) -> str | None:
    value = as_list(value)[0] if as_list(value) else None
    if isinstance(value, dict):
        return media_url(id_of(value.get("url")))
    return None


def _aliases(value: Any) -> list[str]:
    """The first MAX_ALSO_KNOWN_AS http(s) ids of `alsoKnownAs`."""
    found = [uri for uri in ids(value)[:MAX_ALSO_KNOWN_AS * 4] if safe_url(uri)]
    return list(dict.fromkeys(found))[:MAX_ALSO_KNOWN_AS]


async def upsert_actor(session: AsyncSession, fields: ActorFields) -> Actor:
    """Insert or refresh a remote actor (the caller commits)."""
    actor = await actor_by_uri(session, fields.uri)
    if actor is None:
        actor = Actor(**fields.values)
        session.add(actor)
    else:
        if actor.domain is None:
            raise Invalid(f"{fields.uri} is a local actor")
        for key, value in fields.values.items():
            setattr(actor, key, value)
    actor.fetched_at = utcnow()
    await session.flush()
    return actor


async def fetch_actor(services: Services, uri: str, *, lane: Lane = "default") -> ActorFields:
    """Fetch and check a remote actor document (network only)."""
    result = await services.client.fetch_object(uri, lane=lane)
    return parse_actor(result.data, fetched_from=str(result.final_url))


async def resolve_actor(services: Services, uri: str, *, refresh: bool = False) -> Actor:
    """A remote actor from the cache, fetched if unknown, stale or asked to refresh."""
    async with services.sessions() as session:
        cached = await actor_by_uri(session, uri)
        if cached is not None and (cached.domain is None or (not refresh and _fresh(cached))):
            return cached
        reason = await federation_refused(session, domain_of(uri))
    if reason:
        raise Invalid(reason)
    fields = await fetch_actor(services, uri)
    async with services.sessions() as session, session.begin():
        return await upsert_actor(session, fields)


def _fresh(actor: Actor) -> bool:
    return actor.fetched_at is not None and utcnow() - actor.fetched_at < ACTOR_TTL


async def webfinger(services: Services, username: str, domain: str) -> str:
    """The actor URI for `username@domain`.

    Peers are asked over the node's own scheme: https in production; a development node
    served over http talks to other development nodes on loopback over http. A refused domain
    (suspended, or not a partner in allowlist mode) is not asked at all.
    """
    domain = normalize_domain(domain, scheme=services.config.scheme)
    async with services.sessions() as session:
        reason = await federation_refused(session, domain)
    if reason:
        raise Invalid(reason)
    resource = quote(f"acct:{username}@{domain}", safe=":@")
    url = f"{services.config.scheme}://{domain}/.well-known/webfinger?resource={resource}"
    result = await services.client.get_json(url, accept=JRD)
    links = result.data.get("links") if isinstance(result.data, dict) else None
    for link in as_list(links):
        if (isinstance(link, dict) and link.get("rel") == "self"
                and str(link.get("type", "")).startswith(("application/activity+json", "application/ld+json"))
                and isinstance(link.get("href"), str)):
            return str(link["href"])
    raise Invalid(f"{username}@{domain} has no ActivityPub actor")


async def fetch_key_owner(services: Services, key_id: str) -> ActorFields:
    """The actor that lists `key_id` as its own key, fetched from the keyId document (both
    fetches on the client's VERIFY lane: a request waits for them)."""
    document_url = key_id.split("#", 1)[0]
    try:
        result = await services.client.fetch_object(document_url, lane=VERIFY)
    except FetchError as exc:
        raise KeyUnavailable(f"could not fetch key {key_id}: {exc}") from None
    doc = result.data
    if type_of(doc) not in ACTOR_TYPES:  # a standalone key document: its owner must list it
        owner = id_of(doc.get("owner"))
        if not owner or origin(owner) != origin(key_id):
            raise KeyUnavailable(f"key {key_id} has no owner on its own origin")
        try:
            fields = await fetch_actor(services, owner, lane=VERIFY)
        except FetchError as exc:
            raise KeyUnavailable(f"could not fetch the owner of key {key_id}: {exc}") from None
        if fields.uri != owner:  # the owner is the actor its own id serves, no other
            raise KeyUnavailable(f"the owner {owner} of key {key_id} is not served at its id")
    else:
        fields = parse_actor(doc, fetched_from=str(result.final_url))
    if key_id not in fields.keys:
        raise KeyUnavailable(f"actor {fields.uri} does not list key {key_id}")
    return fields


class KeyUnavailable(Invalid):
    """The signing key could not be fetched or does not belong to the actor that lists it."""
