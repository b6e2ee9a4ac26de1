"""The node's own URLs (fixed in ARCHITECTURE.md; permanent once federated)."""

from __future__ import annotations

import functools
import re
from urllib.parse import urlsplit


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


_PLAIN_AUTHORITY = re.compile(r"^[a-z][a-z0-9+.-]*://([a-z0-9.-]+)(?::([0-9]{1,5}))?(?:[/?#]|$)",
                              re.IGNORECASE)


@functools.lru_cache(maxsize=4096)  # called several times per inbox request for the same URLs
def domain_of(url: str) -> str:
    """`host[:port]` of a URL, lower-case, as domains are keyed everywhere."""
    plain = _PLAIN_AUTHORITY.match(url)
    if plain is not None and (plain.group(2) is None or int(plain.group(2)) <= 65535):
        host, port = plain.group(1).lower(), int(plain.group(2) or 0)  # without urlsplit: ids are new
        return f"{host}:{port}" if port else host                    # on every request
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    if ":" in host:  # IPv6 literal
        host = f"[{host}]"
    return f"{host}:{parts.port}" if parts.port else host


def is_local(url: str, domain: str) -> bool:
    return domain_of(url) == domain
