"""URLs taken from remote JSON before apps see them: which are kept, which are dropped.

Two rules (as Mastodon's since its 2024 fixes):

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

import re
from typing import Any

from yarl import URL

from federation.limits import MAX_URI_CHARS
from federation.urls import domain_of
from federation.vocab import as_list

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
