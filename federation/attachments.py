"""Post attachments on the wire: rendered as Mastodon does, and read (checked, capped) from others.

Out: each attachment is a `Document` with `mediaType`, `url`, `name` (the alt text),
`blurhash`, `focalPoint` [x, y] and `width`/`height` when known, in the Note's `attachment`.

In: `Document`, `Image`, `Video` and `Audio` items with an http(s) URL become
`RemoteAttachment`s; anything else in `attachment` (a profile's `PropertyValue`, a `Link`) is
skipped. Every field is checked and capped: nothing here is trusted, and nothing is fetched.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from federation.limits import MAX_ATTACHMENTS, MAX_DESCRIPTION_CHARS
from federation.urls import safe_url
from federation.vocab import as_list, type_of
from storage.blobs import BlobStore
from storage.models import MediaAttachment

MAX_REMOTE_ATTACHMENTS = MAX_ATTACHMENTS  # as Mastodon for remote posts (local posts have at most 4)
MAX_SIDE = 100_000  # a width or height beyond this is a lie, not an image
_ATTACHMENT_TYPES = {"Document", "Image", "Video", "Audio"}
_KIND_OF_TYPE = {"Image": "image", "Video": "video", "Audio": "audio"}
_MEDIA_TYPE = re.compile(r"^[a-z0-9][a-z0-9.+-]{0,63}/[a-z0-9][a-z0-9.+-]{0,63}$")
_BLURHASH = re.compile(r"^[0-9A-Za-z#$%*+,\-.:;=?@\[\]^_{|}~]{6,128}$")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


@dataclass(frozen=True)
class RemoteAttachment:
    url: str
    kind: str  # image, video, audio or unknown
    media_type: str  # as declared; the file itself is checked if it is ever fetched
    description: str
    blurhash: str | None
    focus: tuple[float, float]
    width: int | None
    height: int | None


def media_url(media: MediaAttachment, base_url: str) -> str | None:
    """Where the original file is: on this node if it has a copy, else on its origin."""
    if media.file_key:
        return BlobStore.url(base_url, media.file_key)
    return media.remote_url


def origin_of(uri: str) -> str:
    """`scheme://host[:port]` of a local status's URI: where its media are served too."""
    parts = urlsplit(uri)
    return f"{parts.scheme}://{parts.netloc}"


def attachment_document(media: MediaAttachment, base_url: str) -> dict[str, Any]:
    doc: dict[str, Any] = {"type": "Document", "mediaType": media.content_type,
                           "url": media_url(media, base_url)}
    if media.description:
        doc["name"] = media.description
    if media.blurhash:
        doc["blurhash"] = media.blurhash
    if media.type in ("image", "gifv", "video"):
        doc["focalPoint"] = [media.focus_x, media.focus_y]
    original = (media.meta or {}).get("original") or {}
    if original.get("width") and original.get("height"):
        doc["width"], doc["height"] = original["width"], original["height"]
    return doc


def attachment_documents(media: list[MediaAttachment], base_url: str) -> list[dict[str, Any]]:
    return [attachment_document(m, base_url) for m in media if media_url(m, base_url)]


def parse_attachments(obj: dict[str, Any]) -> tuple[RemoteAttachment, ...]:
    found = []
    for item in as_list(obj.get("attachment")):
        parsed = parse_attachment(item)
        if parsed is not None:
            found.append(parsed)
        if len(found) == MAX_REMOTE_ATTACHMENTS:
            break
    return tuple(found)


def parse_attachment(item: Any) -> RemoteAttachment | None:
    """One attachment, or None if it is not a usable media item."""
    kind = type_of(item)
    if not isinstance(item, dict) or kind not in _ATTACHMENT_TYPES:
        return None
    url, link_type = _url_and_type(item.get("url"))
    if url is None:
        return None
    media_type = _media_type(item.get("mediaType")) or link_type or ""
    name = item.get("name")
    return RemoteAttachment(
        url=url, kind=kind_of(media_type, kind), media_type=media_type or "application/octet-stream",
        description=clean_description(name if isinstance(name, str) else "", MAX_DESCRIPTION_CHARS),
        blurhash=_blurhash(item.get("blurhash")), focus=_focus(item.get("focalPoint")),
        width=_side(item.get("width")), height=_side(item.get("height")))


def kind_of(media_type: str, as_type: str | None = None) -> str:
    """Mastodon's attachment type for a MIME type (or, without one, the AS2 type)."""
    major = media_type.split("/", 1)[0]
    if major in ("image", "video", "audio"):
        return major
    return _KIND_OF_TYPE.get(as_type or "", "unknown")


def _url_and_type(value: Any) -> tuple[str | None, str | None]:
    """The first http(s) URL in `url` (a string, a Link, or a list of them) and its Link's mediaType."""
    for candidate in as_list(value):
        href = candidate if isinstance(candidate, str) else (
            candidate.get("href") if isinstance(candidate, dict) else None)
        if isinstance(href, str) and safe_url(href):
            link_type = _media_type(candidate.get("mediaType")) if isinstance(candidate, dict) else None
            return href, link_type
    return None, None


def _media_type(value: Any) -> str | None:
    if not isinstance(value, str):
        return None
    lowered = value.split(";", 1)[0].strip().lower()
    return lowered if _MEDIA_TYPE.match(lowered) else None


def clean_description(text: str, limit: int) -> str:
    """Alt text as plain text: control characters removed, line ends normalised, capped."""
    normalized = text.replace("\r\n", "\n").replace("\r", "\n")
    return _CONTROL.sub("", normalized).strip()[:limit]


def _blurhash(value: Any) -> str | None:
    return value if isinstance(value, str) and _BLURHASH.match(value) else None


def _focus(value: Any) -> tuple[float, float]:
    if isinstance(value, list) and len(value) == 2 and all(_is_number(v) for v in value):
        x, y = (max(-1.0, min(1.0, float(v))) for v in value)
        return x, y
    return 0.0, 0.0


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _side(value: Any) -> int | None:
    if isinstance(value, int) and not isinstance(value, bool) and 0 < value <= MAX_SIDE:
        return value
    return None
