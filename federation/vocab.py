"""ActivityStreams 2 words and tolerant accessors: a field may be a string, a list, an object
(with an `id`), or missing. Nothing here trusts its input; nothing raises on odd shapes."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

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
