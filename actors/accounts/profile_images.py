"""A local member's avatar and header: checked by content, resized, stored, swapped, removed.

An upload is sniffed (images only: PNG, JPEG, GIF, WebP and AVIF where supported), refused
over `max_bytes` or `limits.max_image_pixels`, decoded and re-encoded by
`storage.images.profile_image` (EXIF and anything appended are dropped) at Mastodon's sizes,
and written to the blob store *before* the database transaction; `ImageSwap` then points the
actor at the new blob, and the caller deletes the blobs that lost (`forget`): the replaced ones
after the commit, the new ones if the transaction fails. Nothing is written for a refused file.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from dataclasses import dataclass, field

from federation.services import Services
from storage import sniff
from storage.blobs import BlobStore
from storage.config import NodeConfig
from storage.errors import Invalid
from storage.images import profile_image
from storage.media_files import mib
from storage.models import Actor

AVATAR, HEADER = "avatar", "header"
AVATAR_SIZE = (400, 400)  # Mastodon's: cropped around the centre to fill
HEADER_PIXELS = 750_000  # Mastodon's (1500x500's area): scaled down to it, never cropped
MAX_PROFILE_IMAGE_BYTES = 8 * 1024 * 1024  # Mastodon's avatar and header cap
_IMAGES = "a PNG, JPEG, GIF or WebP image"


def max_bytes(config: NodeConfig) -> int:
    """The cap on one avatar or header file: Mastodon's, never above the node's image cap."""
    return min(MAX_PROFILE_IMAGE_BYTES, config.limits.max_image_bytes)


def _rendition(data: bytes, which: str, config: NodeConfig) -> tuple[bytes, str]:
    if not data:
        raise Invalid(f"the {which} file is empty: choose an image")
    try:
        file_type = sniff.sniff(data[:sniff.HEAD_BYTES])
    except sniff.UnsupportedFile as refused:  # its advice is about post media (video, audio)
        raise Invalid(f"{str(refused).partition(': ')[0]}: the {which} must be {_IMAGES}") from None
    if file_type.kind != "image":
        raise Invalid(f"the {which} must be {_IMAGES}, not {file_type.content_type}")
    if len(data) > max_bytes(config):
        raise Invalid(f"the {which} is {mib(len(data))}; it may be at most {mib(max_bytes(config))}")
    shape = {"crop_to": AVATAR_SIZE} if which == AVATAR else {"shrink_to_pixels": HEADER_PIXELS}
    done = profile_image(data, file_type, max_pixels=config.limits.max_image_pixels, **shape)
    return done.data, done.file_type.suffix


def _store(uploads: dict[str, bytes], config: NodeConfig) -> dict[str, str]:
    """Process every upload first (any Invalid leaves nothing written), then store them all."""
    renditions = {which: _rendition(data, which, config) for which, data in uploads.items()}
    blobs = BlobStore(config.media_dir)
    return {which: blobs.put(data, suffix=suffix) for which, (data, suffix) in renditions.items()}


async def store(services: Services, uploads: dict[str, bytes]) -> dict[str, str]:
    """The new blob keys of `uploads` (`avatar`/`header` → file), processed off the event loop."""
    if not uploads:
        return {}
    async with services.media_slots:
        return await asyncio.get_running_loop().run_in_executor(None, _store, uploads, services.config)


def forget(config: NodeConfig, keys: Iterable[str | None]) -> None:
    blobs = BlobStore(config.media_dir)
    for key in keys:
        if key:
            blobs.delete(key)


@dataclass
class ImageSwap:
    """What a request changes: `avatar`/`header` → a new blob key, or None to remove the image."""

    changes: dict[str, str | None]
    replaced: list[str] = field(default_factory=list)  # the blobs to delete once committed

    @property
    def new_keys(self) -> list[str]:
        return [key for key in self.changes.values() if key]

    def apply(self, actor: Actor, *, base_url: str) -> bool:
        """Point `actor` at the new images; True if anything changed."""
        if actor.domain is not None:
            raise Invalid("only local accounts change their own profile images")
        changed = False
        for which, key in self.changes.items():
            old: str | None = getattr(actor, f"{which}_blob")
            if old:
                self.replaced.append(old)
            changed = changed or bool(key or getattr(actor, f"{which}_url"))
            setattr(actor, f"{which}_blob", key)
            setattr(actor, f"{which}_url", BlobStore.url(base_url, key) if key else None)
        return changed
