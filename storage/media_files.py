"""A media file's bytes → its blobs and what describes them (Mastodon's `meta` block, blurhash).

`store_media_file` is synchronous and CPU-bound (callers run it in an executor thread): it
checks the file by its content (`sniff`), processes an image (`images`), and writes every
rendition to the blob store under fresh random names. If anything fails, the blobs already
written are removed again: a refused file leaves nothing behind.

Audio and video given here (cached copies of remote media) are stored as they are, without
transcoding or probing: browsers play MP4, WebM, Ogg, MP3, M4A, WAV and FLAC as they are.
Local video and audio uploads are transcoded instead (`actors.media.transcoding`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from storage import images, sniff
from storage.blobs import BlobStore
from storage.config import Limits
from storage.errors import Invalid
from storage.sniff import FileType


@dataclass(frozen=True)
class StoredMedia:
    kind: str  # Mastodon's type: image, video, audio
    content_type: str
    file_key: str
    file_size: int
    thumbnail_key: str | None = None
    small_key: str | None = None  # the low-bandwidth rendition
    blurhash: str | None = None
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def keys(self) -> list[str]:
        return [k for k in (self.file_key, self.thumbnail_key, self.small_key) if k]


def forget_files(blobs: BlobStore, keys: Sequence[str | None]) -> None:
    """Delete these blobs (what a refused or superseded file had written)."""
    for key in keys:
        if key:
            blobs.delete(key)


def check_size(size: int, file_type: FileType | None, limits: Limits) -> None:
    """Refuse a file over the cap of its kind (`file_type` None: before the kind is known)."""
    cap = limits.max_image_bytes if file_type is not None and file_type.kind == "image" \
        else limits.max_upload_bytes
    if size > cap:
        what = "an image" if file_type is not None and file_type.kind == "image" else "a file"
        raise Invalid(f"the file is {mib(size)}; {what} may be at most {mib(cap)}")


def mib(size: int) -> str:
    return f"{size / 1_048_576:.1f} MiB" if size >= 1_048_576 else f"{size:,} bytes"


def store_media_file(data: bytes, blobs: BlobStore, limits: Limits) -> StoredMedia:
    """Check, process and store one file; Invalid (nothing written) if it is not acceptable."""
    check_size(len(data), None, limits)
    file_type = sniff.sniff(data[:sniff.HEAD_BYTES])
    check_size(len(data), file_type, limits)
    if file_type.kind != "image":
        key = blobs.put(data, suffix=file_type.suffix)
        return StoredMedia(file_type.kind, file_type.content_type, key, len(data))
    processed = images.process_image(data, file_type, max_pixels=limits.max_image_pixels)
    written: list[str] = []
    try:
        for rendition in (processed.original, processed.preview, processed.low_bandwidth):
            written.append(blobs.put(rendition.data, suffix=rendition.file_type.suffix))
    except BaseException:
        for key in written:
            blobs.delete(key)
        raise
    original = processed.original
    return StoredMedia(
        "image", original.file_type.content_type, written[0], len(original.data), thumbnail_key=written[1],
        small_key=written[2], blurhash=processed.blurhash,
        meta={"original": dimensions(original.width, original.height),
              "small": dimensions(processed.preview.width, processed.preview.height),
              "low_bandwidth": dimensions(processed.low_bandwidth.width, processed.low_bandwidth.height)})


def dimensions(width: int, height: int) -> dict[str, Any]:
    """One entry of Mastodon's `meta` block."""
    return {"width": width, "height": height, "size": f"{width}x{height}", "aspect": width / height}
