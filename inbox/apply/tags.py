"""The Hashtag and Emoji tags of remote posts: read (checked, sanitized) and stored.

Hashtags keep letters, digits and underscores only; an emoji needs a `:shortcode:` name and
an http(s) image URL. Emoji are recorded under the post author's domain and refreshed when
their `updated` moves on (see `actors.posts.emoji.upsert_remote`).
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from actors.posts.compose import MAX_TAG_CHARS
from actors.posts.emoji import SHORTCODE, RemoteEmoji, upsert_remote
from actors.posts.tags import set_status_emojis, set_status_tags
from federation.limits import MAX_EMOJIS, MAX_TAGS
from federation.remote_urls import media_url
from federation.urls import domain_of
from federation.vocab import as_list, id_of, parse_datetime, tags, text, type_of
from storage.models import Status

_TAG_NAME = re.compile(r"^#?(\w*[^\W\d]\w*)$")
_EMOJI_TYPES = ("image/png", "image/gif", "image/webp", "image/jpeg", "image/avif", "image/svg+xml")


def parse_hashtags(doc: dict[str, Any]) -> tuple[str, ...]:
    found: dict[str, None] = {}
    for tag in tags(doc):
        if len(found) == MAX_TAGS:
            break
        if type_of(tag) != "Hashtag":
            continue
        name = text(tag, "name").strip()
        match = _TAG_NAME.match(name) if len(name) <= MAX_TAG_CHARS + 1 else None  # the pattern backtracks
        if match:
            found.setdefault(match.group(1), None)
    return tuple(found)


def parse_emojis(doc: dict[str, Any]) -> tuple[RemoteEmoji, ...]:
    found: dict[str, RemoteEmoji] = {}
    for tag in tags(doc):
        if len(found) == MAX_EMOJIS:
            break
        if type_of(tag) != "Emoji":
            continue
        shortcode = text(tag, "name").strip().strip(":")
        icon = next((i for i in as_list(tag.get("icon")) if isinstance(i, dict)), None)
        url = media_url(id_of(icon.get("url"))) if icon else None
        if not SHORTCODE.match(shortcode) or url is None or shortcode in found:
            continue
        media_type = text(icon, "mediaType").lower()
        uri = id_of(tag)
        found[shortcode] = RemoteEmoji(
            shortcode=shortcode, uri=media_url(uri), image_url=url,
            content_type=media_type if media_type in _EMOJI_TYPES else "image/png",
            updated=parse_datetime(tag.get("updated")))
    return tuple(found.values())


async def store_remote_parts(session: AsyncSession, status: Status, hashtags: tuple[str, ...],
                             emojis: tuple[RemoteEmoji, ...], *, replace: bool = False) -> None:
    await set_status_tags(session, status.id, hashtags, replace=replace)
    rows = await upsert_remote(session, domain_of(status.uri), emojis)
    await set_status_emojis(session, status.id, [row.id for row in rows], replace=replace)
