"""Media that local accounts upload: checked by content, processed off the event loop, attached.

Images are processed before `upload` returns; video and audio are checked, then transcoded in a
job (`transcoding`), the row `processing` meanwhile.

`upload` turns bytes into a `MediaAttachment` row (not yet part of a status) whose files are in
the blob store under random names; the filename and the declared type a client sends are
never used for anything but a log line. `for_new_status` / `change_status_media` check what a
post may carry (at most `limits.max_media_attachments`, the author's own, not attached
elsewhere, described if `require_alt_text` is on) and attach it.
"""

from __future__ import annotations

import asyncio
import logging
import math
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from actors.media import transcoding
from actors.posts.interactions import require_local
from federation.attachments import clean_description
from federation.services import Services
from storage import ffmpeg, images, settings, sniff
from storage.blobs import BlobStore
from storage.config import NodeConfig
from storage.errors import Invalid, NotFound
from storage.media_files import StoredMedia, check_size, forget_files, mib, store_media_file
from storage.models import MEDIA_FAILED, MEDIA_READY, Actor, MediaAttachment

log = logging.getLogger("amity.media")

Focus = tuple[float, float]


@dataclass(frozen=True)
class MediaChange:
    """A change to one attachment of an edited status (Mastodon's `media_attributes[]`)."""

    id: int
    description: str | None = None
    focus: Focus | None = None


def blob_store(config: NodeConfig) -> BlobStore:
    return BlobStore(config.media_dir)


def api_limits(config: NodeConfig) -> dict[str, Any]:
    """The media limits as Mastodon's instance `configuration` reports them (the truth)."""
    limits = config.limits
    return {
        "supported_mime_types": [t.content_type for t in sniff.ACCEPTED
                                 if t.kind == "image" or ffmpeg.available()],  # A/V needs ffmpeg
        "image_size_limit": limits.max_image_bytes,
        "image_matrix_limit": limits.max_image_pixels,
        "video_size_limit": limits.max_upload_bytes,
        "video_frame_rate_limit": limits.max_video_frame_rate,  # checked by `transcoding.start`
        "video_matrix_limit": limits.max_video_pixels,
        "description_limit": limits.max_media_description_chars,
        "max_media_attachments": limits.max_media_attachments,
    }


# -- reading and checking what a client sends ----------------------------------------------

async def read_limited(read: Callable[[int], Awaitable[bytes]], *, declared_length: int | None,
                       limit: int, chunk: int = 65_536) -> bytes:
    """Read an upload body: refused before reading anything if its declared length is over
    `limit`, and as soon as more than `limit` bytes arrive otherwise."""
    if declared_length is not None and declared_length > limit:
        raise Invalid(f"the file is {mib(declared_length)}; a file may be at most {mib(limit)}")
    parts: list[bytes] = []
    total = 0
    while piece := await read(chunk):
        total += len(piece)
        if total > limit:
            raise Invalid(f"the file is more than {mib(limit)}; a file may be at most {mib(limit)}")
        parts.append(piece)
    return b"".join(parts)


def check_description(text: str | None, config: NodeConfig) -> str:
    cleaned = clean_description(text or "", limit=len(text or ""))
    cap = config.limits.max_media_description_chars
    if len(cleaned) > cap:
        raise Invalid(f"a description is at most {cap} characters (this one has {len(cleaned)})")
    return cleaned


def check_focus(focus: Focus | None) -> Focus:
    if focus is None:
        return 0.0, 0.0
    try:
        x, y = (float(v) for v in focus)
    except (TypeError, ValueError):
        raise Invalid("focus must be two numbers from -1 to 1, like 0.5,-0.25") from None
    if not all(math.isfinite(v) and -1.0 <= v <= 1.0 for v in (x, y)):
        raise Invalid("focus must be two numbers from -1 to 1, like 0.5,-0.25")
    return x, y


def parse_focus(text: str) -> Focus:
    """Mastodon's `focus` form field: "x,y"."""
    parts = text.split(",")
    if len(parts) != 2:
        raise Invalid("focus must be two numbers from -1 to 1, like 0.5,-0.25")
    try:
        return check_focus((float(parts[0]), float(parts[1])))
    except ValueError:
        raise Invalid("focus must be two numbers from -1 to 1, like 0.5,-0.25") from None


# -- upload -----------------------------------------------------------------------------

async def process_off_loop(services: Services, data: bytes) -> StoredMedia:
    """`store_media_file` in an executor thread, a few at a time per process."""
    async with services.media_slots:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(None, store_media_file, data, blob_store(services.config),
                                          services.config.limits)


async def upload(session: AsyncSession, services: Services, author: Actor, data: bytes,
                 filename: str | None = None, declared_type: str | None = None,
                 description: str | None = None, focus: Focus | None = None,
                 converted_now: bool = False) -> MediaAttachment:
    """Store an uploaded file for `author` (the caller commits); Invalid says what is wrong.
    Video and audio are `processing` until their job runs (`converted_now`: until the caller
    runs `transcoding.transcode`, as `POST /api/v1/media` does)."""
    require_local(author)
    config = services.config
    cleaned = check_description(description, config)
    focus_x, focus_y = check_focus(focus)
    check_size(len(data), None, config.limits)
    file_type = sniff.sniff(data[:sniff.HEAD_BYTES])
    if file_type.kind in ("video", "audio") or _gif_to_video(data, file_type, config):
        # transcoded in a job; the row is `processing` until then
        return await transcoding.start(session, services, author.id, data, file_type, description=cleaned,
                                       focus=(focus_x, focus_y), converted_now=converted_now)
    stored = await process_off_loop(services, data)
    if declared_type and declared_type.split(";")[0].strip().lower() != stored.content_type:
        log.info("media.declared_type_differs", extra={"declared": declared_type[:100],
                                                       "found": stored.content_type})
    meta = dict(stored.meta)
    if stored.kind == "image":
        meta["focus"] = {"x": focus_x, "y": focus_y}
    media = MediaAttachment(
        actor_id=author.id, type=stored.kind, content_type=stored.content_type, file_key=stored.file_key,
        file_size=stored.file_size, thumbnail_key=stored.thumbnail_key, small_key=stored.small_key,
        meta=meta, blurhash=stored.blurhash, focus_x=focus_x, focus_y=focus_y, description=cleaned,
        processing=MEDIA_READY)
    session.add(media)
    try:
        await session.flush()
    except BaseException:
        forget_files(blob_store(services.config), stored.keys)
        raise
    return media


def _gif_to_video(data: bytes, file_type: sniff.FileType, config: NodeConfig) -> bool:
    """An animated GIF becomes a silent MP4 (`gifv`) as on Mastodon, if ffmpeg is installed."""
    return (file_type is sniff.GIF and ffmpeg.available()
            and images.is_animated_gif(data, max_pixels=config.limits.max_image_pixels))




async def update_media(session: AsyncSession, config: NodeConfig, author: Actor, media_id: int, *,
                       description: str | None = None, focus: Focus | None = None) -> MediaAttachment:
    """Change the description or focus of an upload not yet posted (posted ones: edit the status)."""
    media = await own_media(session, author, media_id)
    if media.status_id is not None:
        raise Invalid("this attachment is part of a status already: edit the status to change it")
    _apply_change(media, MediaChange(media_id, description, focus), config)
    await session.flush()
    return media


async def own_media(session: AsyncSession, author: Actor, media_id: int) -> MediaAttachment:
    media = await session.get(MediaAttachment, media_id)
    if media is None or media.actor_id != author.id:
        raise NotFound("no such attachment")
    return media


def _apply_change(media: MediaAttachment, change: MediaChange, config: NodeConfig) -> None:
    if change.description is not None:
        media.description = check_description(change.description, config)
    if change.focus is not None:
        media.focus_x, media.focus_y = check_focus(change.focus)
        if media.type in ("image", "gifv", "video"):  # anything with a picture
            media.meta = {**(media.meta or {}), "focus": {"x": media.focus_x, "y": media.focus_y}}


# -- attaching to statuses ---------------------------------------------------------------

async def for_new_status(session: AsyncSession, config: NodeConfig, author: Actor,
                         media_ids: Sequence[int | str]) -> list[MediaAttachment]:
    """The attachments a new status will carry, in order, checked (nothing is changed yet)."""
    if not media_ids:
        return []
    media = await _postable(session, config, author, media_ids, status_id=None)
    await require_descriptions(session, media)
    return media


def attach(media: Sequence[MediaAttachment], status_id: int) -> None:
    for position, item in enumerate(media):
        item.status_id, item.position = status_id, position


async def change_status_media(session: AsyncSession, config: NodeConfig, author: Actor, status_id: int,
                              media_ids: Sequence[int | str] | None,
                              changes: Sequence[MediaChange] = ()) -> list[MediaAttachment]:
    """An edit: the status now carries `media_ids` (None: the same ones), with `changes` applied.
    Attachments left out are detached from it (they stay the author's uploads)."""
    current = list((await session.scalars(
        select(MediaAttachment).where(MediaAttachment.status_id == status_id)
        .order_by(MediaAttachment.position, MediaAttachment.id))).all())
    if media_ids is None and not changes:
        return current
    wanted_ids = [m.id for m in current] if media_ids is None else media_ids
    wanted = await _postable(session, config, author, wanted_ids, status_id=status_id) if wanted_ids else []
    by_id = {m.id: m for m in wanted}
    for change in changes:
        if change.id not in by_id:
            raise Invalid(f"attachment {change.id} is not part of this status")
        _apply_change(by_id[change.id], change, config)
    await require_descriptions(session, wanted)
    for item in current:
        if item.id not in by_id:
            item.status_id = None
    attach(wanted, status_id)
    await session.flush()
    return wanted


async def _postable(session: AsyncSession, config: NodeConfig, author: Actor, media_ids: Sequence[int | str],
                    *, status_id: int | None) -> list[MediaAttachment]:
    cap = config.limits.max_media_attachments
    try:
        ids = [int(i) for i in media_ids]
    except (TypeError, ValueError):
        raise Invalid("media ids must be attachment ids (numbers)") from None
    if len(ids) > cap:
        raise Invalid(f"a status can have at most {cap} attachments")
    if len(set(ids)) != len(ids):
        raise Invalid("the same attachment is listed twice")
    rows = {m.id: m for m in (await session.scalars(
        select(MediaAttachment).where(MediaAttachment.id.in_(ids)))).all()}
    for media_id in ids:
        media = rows.get(media_id)
        if media is None or media.actor_id != author.id:
            raise Invalid(f"attachment {media_id} does not exist or is not yours")
        if (media.status_id is not None and media.status_id != status_id) or media.scheduled_status_id:
            raise Invalid(f"attachment {media_id} is already attached to another status")
        if media.processing == MEDIA_FAILED:
            raise Invalid(f"attachment {media_id} could not be processed: upload the file again")
        if media.processing != MEDIA_READY:  # Mastodon's wording
            raise Invalid("Cannot attach files that have not finished processing. Try again in a moment!")
    return [rows[i] for i in ids]


async def require_descriptions(session: AsyncSession, media: Sequence[MediaAttachment]) -> None:
    """With `require_alt_text` on, every attachment needs a description."""
    if not media or not await settings.get(session, "require_alt_text"):
        return
    for position, item in enumerate(media, 1):
        if not item.description.strip():
            raise Invalid(f"this server requires a description (alt text) for every attachment: attachment "
                          f"{position} of {len(media)} (id {item.id}) has none; add one and post again")


__all__ = ["MediaChange", "api_limits", "attach", "change_status_media", "for_new_status",
           "parse_focus", "read_limited", "update_media", "upload"]
