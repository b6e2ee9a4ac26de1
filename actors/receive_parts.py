"""The Hashtag and Emoji tags of remote posts: read (checked, sanitized) and stored.

Hashtags keep letters, digits and underscores only; an emoji needs a `:shortcode:` name and
an http(s) image URL. Emoji are recorded under the post author's domain and refreshed when
their `updated` moves on (see `actors.emoji.upsert_remote`).
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from actors.compose import MAX_TAG_CHARS
from actors.emoji import SHORTCODE, RemoteEmoji, upsert_remote
from actors.tags import MAX_TAGS, set_status_emojis, set_status_tags
from federation.urls import domain_of
from federation.vocab import as_list, id_of, parse_datetime, tags, text, type_of
from storage.models import Status

MAX_EMOJIS = 50
MAX_URL_CHARS = 2048
_TAG_NAME = re.compile(r"^#?(\w*[^\W\d]\w*)$")
_EMOJI_TYPES = ("image/png", "image/gif", "image/webp", "image/jpeg", "image/avif", "image/svg+xml")


def parse_hashtags(doc: dict[str, Any]) -> tuple[str, ...]:
    found: dict[str, None] = {}
    for tag in tags(doc):
        if type_of(tag) != "Hashtag":
            continue
        match = _TAG_NAME.match(text(tag, "name").strip())
        if match and len(match.group(1)) <= MAX_TAG_CHARS:
            found.setdefault(match.group(1), None)
    return tuple(found)[:MAX_TAGS]


def parse_emojis(doc: dict[str, Any]) -> tuple[RemoteEmoji, ...]:
    found: dict[str, RemoteEmoji] = {}
    for tag in tags(doc):
        if type_of(tag) != "Emoji":
            continue
        shortcode = text(tag, "name").strip().strip(":")
        icon = next((i for i in as_list(tag.get("icon")) if isinstance(i, dict)), None)
        url = id_of(icon.get("url")) if icon else None
        if not SHORTCODE.match(shortcode) or not _http_url(url) or shortcode in found:
            continue
        media_type = text(icon, "mediaType").lower()
        uri = id_of(tag)
        found[shortcode] = RemoteEmoji(
            shortcode=shortcode, uri=uri if _http_url(uri) else None, image_url=str(url),
            content_type=media_type if media_type in _EMOJI_TYPES else "image/png",
            updated=parse_datetime(tag.get("updated")))
    return tuple(found.values())[:MAX_EMOJIS]


def _http_url(url: str | None) -> bool:
    return bool(url) and len(str(url)) <= MAX_URL_CHARS and str(url).lower().startswith(("https://", "http://"))


async def store_remote_parts(session: AsyncSession, status: Status, hashtags: tuple[str, ...],
                             emojis: tuple[RemoteEmoji, ...], *, replace: bool = False) -> None:
    await set_status_tags(session, status.id, hashtags, replace=replace)
    rows = await upsert_remote(session, domain_of(status.uri), emojis)
    await set_status_emojis(session, status.id, [row.id for row in rows], replace=replace)
