"""Remote actors and objects: WebFinger, fetch (signed by the instance actor), cache, keys.

Network work happens with no transaction open; each database write is its own short
transaction. Every fetch goes through the SSRF-guarded client, which takes an object only
from its own id (a document naming another id is refetched from it, once).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from urllib.parse import quote, urlsplit

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from federation.client import JRD, VERIFY, FetchError, Lane, origin
from federation.sanitize import clean_html, plain_text
from federation.services import Services
from federation.urls import domain_of
from federation.vocab import ACTOR_TYPES, as_list, id_of, ids, text, type_of
from storage.errors import Invalid
from storage.models import Actor, utcnow
from storage.queries.domains import federation_refused

log = logging.getLogger("amity.resolve")

ACTOR_TTL = timedelta(days=1)
MAX_FIELDS = 16


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
    kind = type_of(doc)
    if kind not in ACTOR_TYPES:
        raise NotAnActor(f"{uri} is a {kind!r}, not an actor")
    inbox = id_of(doc.get("inbox"))
    if not inbox:
        raise NotAnActor(f"actor {uri} has no inbox")
    keys = {}
    for key in as_list(doc.get("publicKey")):
        pem = key.get("publicKeyPem") if isinstance(key, dict) else None
        if isinstance(pem, str) and id_of(key.get("owner")) == uri:
            key_id = id_of(key)
            if key_id and origin(key_id) == origin(uri):
                keys[key_id] = pem
    endpoints = doc.get("endpoints")
    if not isinstance(endpoints, dict):
        endpoints = {}
    username = text(doc, "preferredUsername") or urlsplit(uri).path.rstrip("/").rsplit("/", 1)[-1]
    fields = [
        {"name": plain_text(text(item, "name"), limit=255), "value": clean_html(text(item, "value"))}
        for item in as_list(doc.get("attachment"))[:MAX_FIELDS]
        if type_of(item) == "PropertyValue"
    ]
    values = {
        "uri": uri, "username": plain_text(username, limit=255) or "unknown", "domain": domain_of(uri),
        "actor_type": kind, "display_name": plain_text(text(doc, "name"), limit=255),
        "note": clean_html(text(doc, "summary")), "url": id_of(doc.get("url")) or uri,
        "inbox_url": inbox, "shared_inbox_url": id_of(endpoints.get("sharedInbox")),
        "outbox_url": id_of(doc.get("outbox")), "followers_url": id_of(doc.get("followers")),
        "following_url": id_of(doc.get("following")), "featured_url": id_of(doc.get("featured")),
        "avatar_url": _image_url(doc.get("icon")), "header_url": _image_url(doc.get("image")),
        "locked": doc.get("manuallyApprovesFollowers") is True,
        "discoverable": doc.get("discoverable") is True, "bot": kind in ("Service", "Application"),
        "fields": fields, "also_known_as": ids(doc.get("alsoKnownAs")),
        "key_id": next(iter(keys), None), "public_key_pem": next(iter(keys.values()), None),
    }
    return ActorFields(values, keys)


def _image_url(value: Any) -> str | None:
    value = as_list(value)[0] if as_list(value) else None
    if isinstance(value, dict):
        return id_of(value.get("url"))
    return None


async def upsert_actor(session: AsyncSession, fields: ActorFields) -> Actor:
    """Insert or refresh a remote actor (the caller commits)."""
    actor = await session.scalar(select(Actor).where(Actor.uri == fields.uri))
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
        cached = await session.scalar(select(Actor).where(Actor.uri == uri))
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
    served over http talks to other development nodes on loopback over http.
    """
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
