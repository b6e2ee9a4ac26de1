"""The node's own URLs (fixed in ARCHITECTURE.md; permanent once federated), and the domain of any URL."""

from __future__ import annotations

import functools
import re

from storage.domain_names import InvalidDomain, normalize_domain
from storage.errors import Invalid


def actor_uri(base_url: str, username: str) -> str:
    return f"{base_url}/users/{username}"


def instance_actor_uri(base_url: str) -> str:
    return f"{base_url}/actor"


def status_uri(base_url: str, username: str, status_id: int) -> str:
    return f"{base_url}/users/{username}/statuses/{status_id}"


def status_url(base_url: str, username: str, status_id: int) -> str:
    return f"{base_url}/@{username}/{status_id}"


def create_activity_uri(status_uri_: str) -> str:
    return f"{status_uri_}/activity"


def activity_uri(base_url: str, activity_id: int) -> str:
    return f"{base_url}/activities/{activity_id}"


_AUTHORITY = re.compile(r"^([a-z][a-z0-9+.-]*)://([^/?#]*)", re.IGNORECASE)


@functools.lru_cache(maxsize=4096)  # called several times per inbox request for the same URLs
def domain_of(url: str) -> str:
    """The canonical domain (`normalize_domain`) of an absolute URL, the scheme's default port
    dropped: `https://Evil.Test.:443/x` is `evil.test`. `InvalidDomain` if the URL has no
    valid host, or carries credentials."""
    found = _AUTHORITY.match(url)
    if found is None:
        raise InvalidDomain(f"{url[:200]!r} is not an absolute URL with a host")
    if "@" in found.group(2) or "\\" in found.group(2):
        raise InvalidDomain(f"{url[:200]!r} carries credentials in its host")
    return normalize_domain(found.group(2), scheme=found.group(1).lower())


def domain_or_none(url: str) -> str | None:
    """`domain_of`, or None for a URL without a valid host (for URLs from remote documents)."""
    try:
        return domain_of(url)
    except InvalidDomain:
        return None


def is_canonical(url: str) -> bool:
    """Is `url` an http(s) URL whose host is written exactly in its canonical form (lower-case
    scheme and host, A-labels, no trailing dot, no default port)? Ids that are not are refused
    before anything is stored, so one object can never be stored under two spellings."""
    found = _AUTHORITY.match(url)
    if found is None or found.group(1) not in ("http", "https"):
        return False
    try:
        return found.group(2) == domain_of(url)
    except InvalidDomain:
        return False


def require_canonical(url: str, what: str = "id") -> str:
    """`url` if `is_canonical`, else `Invalid` naming the canonical spelling when there is one."""
    if is_canonical(url):
        return url
    try:
        hint = f" (its server is written {domain_of(url)!r})"
    except InvalidDomain:
        hint = ""
    raise NonCanonicalURL(f"the {what} {url[:200]!r} is not an http(s) URL with its host in canonical "
                          f"form{hint}")


class NonCanonicalURL(Invalid):
    """An id whose host is not spelled canonically (see `is_canonical`)."""


def is_local(url: str, domain: str) -> bool:
    return domain_or_none(url) == domain
