"""Custom emoji: the node's own (`amity emoji add`), and those seen on remote posts.

A local emoji is an image file in the blob store, checked with Pillow: a real PNG, GIF or
WebP, at most `MAX_EMOJI_BYTES` and `MAX_EMOJI_SIDE` pixels a side (read from the header
before anything is decoded). A remote emoji is a row with the remote image's URL, keyed by
(shortcode, domain), refreshed when its `updated` time moves on.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from PIL import Image, UnidentifiedImageError
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.blobs import BlobStore
from storage.errors import Conflict, Invalid, NotFound
from storage.models import CustomEmoji, utcnow
from storage.models.base import new_id

SHORTCODE = re.compile(r"^[A-Za-z0-9_]{2,64}$")
MAX_EMOJI_BYTES = 256 * 1024
MAX_EMOJI_SIDE = 512
MAX_CATEGORY_CHARS = 64
FORMATS = {"PNG": ("image/png", "png"), "GIF": ("image/gif", "gif"), "WEBP": ("image/webp", "webp")}


@dataclass(frozen=True)
class RemoteEmoji:
    """An `Emoji` tag of a remote post, checked."""

    shortcode: str
    uri: str | None
    image_url: str
    content_type: str
    updated: datetime | None


def check_shortcode(shortcode: str) -> str:
    if not SHORTCODE.match(shortcode):
        raise Invalid(f"emoji name {shortcode!r} must be 2-64 letters, digits or underscores")
    return shortcode


def inspect_image(data: bytes) -> tuple[str, str]:
    """(content type, file suffix) of an emoji image, or Invalid saying what is wrong with it."""
    if len(data) > MAX_EMOJI_BYTES:
        raise Invalid(f"an emoji image is at most {MAX_EMOJI_BYTES // 1024} KiB (this one is "
                      f"{len(data) // 1024} KiB)")
    try:
        with Image.open(io.BytesIO(data)) as image:  # reads the header only
            kind = image.format or ""
            width, height = image.size
            if kind not in FORMATS:
                raise Invalid(f"an emoji must be a PNG, GIF or WebP image, not {kind or 'this file'}")
            if width > MAX_EMOJI_SIDE or height > MAX_EMOJI_SIDE or width < 1 or height < 1:
                raise Invalid(f"an emoji is at most {MAX_EMOJI_SIDE}x{MAX_EMOJI_SIDE} pixels "
                              f"(this one is {width}x{height})")
            image.verify()  # the whole file decodes as what its header says
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise Invalid("the emoji file is not a readable PNG, GIF or WebP image") from None
    return FORMATS[kind]


async def local_emoji(session: AsyncSession, shortcode: str) -> CustomEmoji | None:
    return await session.scalar(select(CustomEmoji).where(CustomEmoji.shortcode == shortcode,
                                                          CustomEmoji.domain.is_(None)))


async def add_local(session: AsyncSession, blobs: BlobStore, *, base_url: str, shortcode: str, data: bytes,
                    category: str | None = None) -> CustomEmoji:
    """Store a new local emoji (the caller commits); Conflict if the name is taken."""
    check_shortcode(shortcode)
    if category is not None and len(category) > MAX_CATEGORY_CHARS:
        raise Invalid(f"an emoji category is at most {MAX_CATEGORY_CHARS} characters")
    content_type, suffix = inspect_image(data)
    if await local_emoji(session, shortcode) is not None:
        raise Conflict(f"there is already an emoji :{shortcode}: (remove it first to replace it)")
    key = blobs.put(data, suffix=suffix)
    emoji_id = new_id()
    emoji = CustomEmoji(id=emoji_id, shortcode=shortcode, domain=None, uri=f"{base_url}/emojis/{emoji_id}",
                        image_url=BlobStore.url(base_url, key), file_key=key, content_type=content_type,
                        category=category or None)
    session.add(emoji)
    await session.flush()
    return emoji


async def list_local(session: AsyncSession) -> list[CustomEmoji]:
    return list((await session.scalars(select(CustomEmoji).where(CustomEmoji.domain.is_(None))
                                       .order_by(CustomEmoji.category, CustomEmoji.shortcode))).all())


async def remove_local(session: AsyncSession, blobs: BlobStore, shortcode: str) -> None:
    """Delete a local emoji and its file (posts that used it keep the text `:name:`)."""
    emoji = await local_emoji(session, shortcode)
    if emoji is None:
        raise NotFound(f"there is no emoji :{shortcode}: (see `amity emoji list`)")
    await session.delete(emoji)
    await session.flush()
    if emoji.file_key:
        blobs.delete(emoji.file_key)


async def local_by_shortcode(session: AsyncSession, shortcodes: Iterable[str]) -> dict[str, CustomEmoji]:
    codes = sorted(set(shortcodes))
    if not codes:
        return {}
    rows = await session.scalars(select(CustomEmoji).where(
        CustomEmoji.shortcode.in_(codes), CustomEmoji.domain.is_(None), CustomEmoji.disabled.is_(False)))
    return {e.shortcode: e for e in rows.all()}


async def upsert_remote(session: AsyncSession, domain: str, emojis: Sequence[RemoteEmoji]
                        ) -> list[CustomEmoji]:
    """The rows for a remote post's emoji: new ones inserted, changed ones (a later `updated`,
    or a new image when there is no `updated`) refreshed."""
    wanted = {e.shortcode: e for e in emojis}
    if not wanted:
        return []
    rows = {e.shortcode: e for e in (await session.scalars(select(CustomEmoji).where(
        CustomEmoji.domain == domain, CustomEmoji.shortcode.in_(sorted(wanted))))).all()}
    for code, seen in wanted.items():
        row = rows.get(code)
        if row is None:
            async with session.begin_nested():  # another job may insert the same emoji meanwhile
                row = CustomEmoji(shortcode=code, domain=domain, uri=seen.uri, image_url=seen.image_url,
                                  content_type=seen.content_type, visible_in_picker=False,
                                  updated_at=seen.updated or utcnow())
                session.add(row)
            rows[code] = row
        elif _newer(seen, row):
            row.uri, row.image_url, row.content_type = seen.uri, seen.image_url, seen.content_type
            row.updated_at = seen.updated or utcnow()
    await session.flush()
    return [rows[code] for code in wanted]


def _newer(seen: RemoteEmoji, row: CustomEmoji) -> bool:
    if seen.updated is not None:
        return seen.updated > row.updated_at
    return seen.image_url != row.image_url
