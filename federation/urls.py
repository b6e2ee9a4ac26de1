"""URLs: the node's own (fixed in ARCHITECTURE.md; permanent once federated), the domain of
any URL, and which URLs from remote JSON apps may see.

*URLs taken from remote JSON* before apps see them: which are kept, which are dropped. Two
rules (as Mastodon's since its 2024 fixes):

- a *page* URL (`url` of a post or an actor) is what apps open as "the original" and what URL
  search matches: it must be http(s) and on the same host as the object's `id`; otherwise it is
  dropped and the `id` stands in. So an actor on evil.example cannot claim to live at
  `https://victim.example/@alice`.
- a *media* URL (avatar, header, attachment, emoji, card image) may live on another host (a
  CDN or object store is common), but must be http(s) with a host, no credentials, no spaces or
  control characters, and at most `MAX_URI_CHARS`; otherwise the field is dropped. Such files
  are only ever fetched through the SSRF-guarded client (the media cache, emoji copies).
"""

from __future__ import annotations

import functools
import re
from typing import Any

from yarl import URL

from federation.limits import MAX_URI_CHARS
from federation.vocab import as_list
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


_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def safe_url(url: str) -> bool:
    """An absolute http(s) URL with a host and no credentials, short enough to store."""
    if len(url) > MAX_URI_CHARS or _CONTROL.search(url) or any(c.isspace() for c in url):
        return False
    try:
        parsed = URL(url)
    except ValueError:
        return False
    return (parsed.scheme in ("http", "https") and bool(parsed.raw_host)
            and parsed.raw_user is None and parsed.raw_password is None)


def media_url(value: Any) -> str | None:
    """`value` (a URL string) if it is a safe http(s) URL, else None."""
    return value if isinstance(value, str) and safe_url(value) else None


def page_url(value: Any, object_id: str) -> str | None:
    """The object's web page from its `url` (a string, a Link or a list of them; an HTML Link
    first): a safe http(s) URL on the host of `object_id`, else None."""
    candidates = []
    for item in as_list(value)[:16]:  # a list of thousands says nothing more
        href = item if isinstance(item, str) else item.get("href") if isinstance(item, dict) else None
        if isinstance(href, str):
            html = isinstance(item, dict) and str(item.get("mediaType", "")).startswith("text/html")
            candidates.append((not html, href))
    for _, href in sorted(candidates, key=lambda c: c[0]):
        if safe_url(href) and domain_of(href) == domain_of(object_id):
            return href
    return None


def shown_url(url: str | None, uri: str) -> str:
    """The page apps and pages link to for a stored object: its `url` when that is http(s) on
    the host of its `uri`, else the `uri`. Rows are checked when stored (`page_url`); this keeps
    rows stored before that check, or by any other path, from ever linking elsewhere."""
    if url and url[:8].lower().startswith(("https://", "http://")) and domain_of(url) == domain_of(uri):
        return url
    return uri


def shown_media(url: str | None) -> str | None:
    """A stored media URL if it is http(s), else None (the same defence for avatars and headers)."""
    return url if url and url[:8].lower().startswith(("https://", "http://")) else None
