"""HTML from other servers (and our own output) through one strict allow-list.

The content issue widens this to Mastodon's full list; until then: paragraphs, line breaks,
links and spans, with safe link attributes and only http(s) URLs.
"""

from __future__ import annotations

import html
import re

import bleach
from bleach.linkifier import Linker

ALLOWED_TAGS = frozenset({"p", "br", "a", "span"})
ALLOWED_ATTRIBUTES = {"a": ["href", "rel", "class", "target"], "span": ["class"]}
ALLOWED_PROTOCOLS = frozenset({"http", "https"})
_MICROFORMATS = re.compile(r"^(h-\S+|u-\S+|mention|hashtag|invisible|ellipsis)$")
MAX_HTML_CHARS = 100_000


def _keep_microformats(attrs: dict[tuple[str | None, str], str], new: bool = False
                       ) -> dict[tuple[str | None, str], str] | None:
    classes = attrs.get((None, "class"))
    if classes is not None:
        kept = " ".join(c for c in classes.split() if _MICROFORMATS.match(c))
        if kept:
            attrs[(None, "class")] = kept
        else:
            del attrs[(None, "class")]
    if (None, "href") in attrs:
        attrs[(None, "rel")] = "nofollow noopener noreferrer"
        attrs[(None, "target")] = "_blank"
    return attrs


_cleaner = bleach.sanitizer.Cleaner(tags=ALLOWED_TAGS, attributes=ALLOWED_ATTRIBUTES,
                                    protocols=ALLOWED_PROTOCOLS, strip=True, strip_comments=True)
_linker = Linker(callbacks=[_keep_microformats], skip_tags={"pre", "code"}, parse_email=False)


def clean_html(value: str) -> str:
    """Remote or local HTML → the allowed subset; scripts, styles and handlers are dropped."""
    if not value:
        return ""
    cleaned = _cleaner.clean(value[:MAX_HTML_CHARS])
    return _linker.linkify(cleaned)


def plain_text(value: str, *, limit: int = 500) -> str:
    """A name or label: tags stripped, whitespace collapsed, escaped on output by templates."""
    stripped = bleach.clean(value or "", tags=set(), strip=True)
    return " ".join(html.unescape(stripped).split())[:limit]
