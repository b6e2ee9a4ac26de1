"""Reading what other servers send: JSON documents, media types, origins, and ActivityStreams 2
words with tolerant accessors: a field may be a string, a list, an object
(with an `id`), or missing. Nothing here trusts its input; nothing raises on odd shapes.

Pure functions (no network); the outbound client re-exports what it raises.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Iterator, Mapping
from datetime import UTC, datetime
from typing import Any

import orjson
from yarl import URL

from federation.ssrf import FetchError

PUBLIC = "https://www.w3.org/ns/activitystreams#Public"
PUBLIC_ALIASES = frozenset({PUBLIC, "as:Public", "Public"})
AS2_CONTENT_TYPE = "application/activity+json"
LD_CONTENT_TYPE = 'application/ld+json; profile="https://www.w3.org/ns/activitystreams"'

ACTOR_TYPES = frozenset({"Person", "Service", "Application", "Group", "Organization"})
POST_TYPES = frozenset({"Note", "Article", "Question", "Page"})

# Only well-known contexts (which every implementation bundles) and inline terms.
CONTEXT: list[Any] = [
    "https://www.w3.org/ns/activitystreams",
    "https://w3id.org/security/v1",
    {
        "manuallyApprovesFollowers": "as:manuallyApprovesFollowers",
        "sensitive": "as:sensitive",
        "Hashtag": "as:Hashtag",
        "movedTo": {"@id": "as:movedTo", "@type": "@id"},
        "alsoKnownAs": {"@id": "as:alsoKnownAs", "@type": "@id"},
        "toot": "http://joinmastodon.org/ns#",
        "discoverable": "toot:discoverable",
        "featured": {"@id": "toot:featured", "@type": "@id"},
        "featuredTags": {"@id": "toot:featuredTags", "@type": "@id"},
        "votersCount": "toot:votersCount",
        "Emoji": "toot:Emoji",
        "blurhash": "toot:blurhash",
        "focalPoint": {"@container": "@list", "@id": "toot:focalPoint"},
        "schema": "http://schema.org#",
        "PropertyValue": "schema:PropertyValue",
        "value": "schema:value",
    },
]


def first(value: Any) -> Any:
    """The first item of a list, or the value itself."""
    if isinstance(value, list):
        return value[0] if value else None
    return value


def as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def id_of(value: Any) -> str | None:
    """The id of a link or embedded object (first one if a list); None if there is none."""
    value = first(value)
    if isinstance(value, str):
        return value or None
    if isinstance(value, dict):
        found = value.get("id") or value.get("href")
        return found if isinstance(found, str) and found else None
    return None


def ids(value: Any) -> list[str]:
    """Every id in a field that may hold one link, an object, or a list of them."""
    out = []
    for item in as_list(value):
        found = id_of(item)
        if found:
            out.append(found)
    return out


def type_of(obj: Any) -> str | None:
    """The first type name of an object ('Note' for ['Note', 'x:Extra'])."""
    if not isinstance(obj, dict):
        return None
    value = first(obj.get("type"))
    return value if isinstance(value, str) else None


def text(obj: Any, key: str, default: str = "") -> str:
    value = obj.get(key) if isinstance(obj, dict) else None
    return value if isinstance(value, str) else default


def language_map(obj: Any, key: str) -> dict[str, str]:
    """A `contentMap`-style field as {language: text}, keeping only string entries."""
    value = obj.get(key) if isinstance(obj, dict) else None
    if not isinstance(value, dict):
        return {}
    return {k: v for k, v in value.items() if isinstance(k, str) and isinstance(v, str)}


def addressed(activity: dict[str, Any]) -> set[str]:
    """Everyone in to, cc, bto, bcc and audience."""
    found: set[str] = set()
    for key in ("to", "cc", "bto", "bcc", "audience"):
        found.update(ids(activity.get(key)))
    return found



def tags(obj: dict[str, Any]) -> Iterator[dict[str, Any]]:
    for tag in as_list(obj.get("tag")):
        if isinstance(tag, dict):
            yield tag


def max_depth(value: Any) -> int:
    """Nesting depth of a JSON value, without recursion."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, depth = stack.pop()
        deepest = max(deepest, depth)
        if isinstance(item, dict):
            stack.extend((v, depth + 1) for v in item.values())
        elif isinstance(item, list):
            stack.extend((v, depth + 1) for v in item)
    return deepest


def parse_datetime(value: Any) -> datetime | None:
    """An AS2 `xsd:dateTime` (published, updated, endTime…) as aware UTC; None if it is not one."""
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


MAX_JSON_DEPTH = 64


class UnsupportedURL(FetchError):
    """Not an absolute http(s) URL with a host (and no credentials)."""


class InvalidJSON(FetchError):
    pass


class TooDeep(InvalidJSON):
    pass


# The common shape of federation URLs: http(s), a plain DNS host, maybe a port. Anything else
# (user info, IPv6 literals, percent-encoding, other schemes) takes the full parser below.
_PLAIN_ORIGIN = re.compile(r"^(https?)://([a-z0-9.-]+)(?::([0-9]{1,5}))?(?:[/?#]|$)", re.IGNORECASE)
_DEFAULT_PORTS = {"http": 80, "https": 443}


@functools.lru_cache(maxsize=4096)  # the same few actor URLs are checked on every request
def origin(url: str) -> tuple[str, str, int]:
    """(scheme, host, port) with the default port filled in; hosts compared case-insensitively."""
    plain = _PLAIN_ORIGIN.match(url)
    if plain is not None:  # an activity's ids are new on every request: skip yarl for them
        scheme, host, port = plain.group(1).lower(), plain.group(2).lower().rstrip("."), plain.group(3)
        number = _DEFAULT_PORTS[scheme] if port is None else int(port)
        if host and 0 < number <= 65535:
            return scheme, host, number
    parsed = URL(url)
    if not parsed.absolute or parsed.port is None:
        raise UnsupportedURL(f"{url!r} has no origin: not an absolute URL")
    return parsed.scheme.lower(), (parsed.raw_host or "").lower().rstrip("."), parsed.port


def parse_media_type(header: str) -> tuple[str, dict[str, str]]:
    kind, *params = header.split(";")
    parsed = {}
    for param in params:
        key, _, value = param.partition("=")
        parsed[key.strip().lower()] = value.strip().strip('"')
    return kind.strip().lower(), parsed


def content_type_matches(header: str | None, accept: Iterable[str]) -> bool:
    """Does a Content-Type header name one of the `accept` types? Parameters are ignored, except
    that an ld+json answer carrying a `profile` must include a profile we asked for."""
    if not header:
        return False
    kind, params = parse_media_type(header)
    for wanted in accept:
        wanted_kind, wanted_params = parse_media_type(wanted)
        if kind != wanted_kind:
            continue
        if kind == "application/ld+json" and not _profiles_overlap(params, wanted_params):
            continue
        return True
    return False


def _profiles_overlap(got: Mapping[str, str], wanted: Mapping[str, str]) -> bool:
    if "profile" not in got or "profile" not in wanted:
        return True  # lenient: many servers send ld+json without the AS2 profile
    return bool(set(got["profile"].split()) & set(wanted["profile"].split()))


def parse_json(body: bytes, *, max_depth: int = MAX_JSON_DEPTH) -> Any:
    """Parse JSON (no NaN/Infinity) and refuse documents nested deeper than `max_depth`."""
    try:
        data = orjson.loads(body)  # refuses NaN/Infinity and invalid UTF-8, as RFC 8259 does
    except orjson.JSONDecodeError as exc:
        if "depth limit" in str(exc):  # orjson stops at 1,024 levels
            raise TooDeep(f"JSON nested deeper than {max_depth} levels") from None
        raise InvalidJSON(f"not valid JSON: {str(exc).splitlines()[0]}") from None
    stack: list[tuple[Any, int]] = [(data, 1)] if isinstance(data, dict | list) else []
    while stack:  # iterative, so no depth can exhaust the Python stack
        value, depth = stack.pop()
        if depth > max_depth:
            raise TooDeep(f"JSON nested deeper than {max_depth} levels")
        children = value.values() if isinstance(value, dict) else value
        stack.extend((child, depth + 1) for child in children if isinstance(child, dict | list))
    return data
