"""Video and audio uploads: checked when they arrive, transcoded in a job, as Mastodon does.

`start` (called by `uploads.upload`) needs ffmpeg: without it the upload is refused (Invalid,
naming what is missing). It keeps the file in the media folder's `incoming/`, named by the
row's id (never served), reads it with ffprobe and refuses what is over the node's limits
(frame size, frame rate, length) or is not what it claims, leaving nothing behind; otherwise
it adds the row, `processing`, with no file (apps see `url: null`) and queues one
`media.transcode` job.

The job (`run_transcode`) converts the file (H.264/AAC MP4 for video, MP3 for audio), takes the
poster frame of a video (a preview and its blurhash, like an image's), reads the result's
`meta` (duration, frame rate, size, bitrate), stores it all in the blob store and marks the row
ready; a file ffmpeg cannot convert marks it `failed`. Either way the incoming file is removed.
A silent video is a `gifv`, as Mastodon's (apps loop it like an animated GIF), and so is an
animated GIF, which becomes a silent MP4 the same way when ffmpeg is installed (without it,
it stays an image, as uploaded).
"""

from __future__ import annotations

import asyncio
import logging
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from storage import ffmpeg, images, queue, sniff
from storage.blobs import BlobStore
from storage.config import NodeConfig
from storage.errors import Invalid
from storage.media_files import StoredMedia, check_size, dimensions, forget_files
from storage.models import MEDIA_FAILED, MEDIA_PROCESSING, MEDIA_READY, MediaAttachment
from storage.models.base import new_id
from storage.sniff import FileType
from storage.worker import JobContext

if TYPE_CHECKING:
    from federation.services import Services

TRANSCODE_KIND = "media.transcode"
TRANSCODE_POLICY = queue.RetryPolicy(max_attempts=3, base_delay=30.0)  # a crash or a restart
POSTER_SECONDS = 30.0  # one frame
MP4 = sniff.MP4
MP3 = sniff.MP3
log = logging.getLogger("amity.media")


def incoming_dir(config: NodeConfig) -> Path:
    """Uploads waiting for ffmpeg, named by their row's id: never served (`/media/` keys are
    random hex names in two levels of folders)."""
    return Path(config.media_dir) / "incoming"


def _keep_incoming(config: NodeConfig, media_id: int, data: bytes, file_type: FileType) -> Path:
    folder = incoming_dir(config)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{media_id}.{file_type.suffix}"
    partial = folder / f".{media_id}.partial"
    with partial.open("xb") as file:
        file.write(data)
        file.flush()
        os.fsync(file.fileno())
    partial.replace(path)
    return path


def incoming_file(config: NodeConfig, media_id: int) -> tuple[Path, FileType] | None:
    """The waiting upload of this row and its type (read again from its first bytes)."""
    for path in incoming_dir(config).glob(f"{media_id}.*"):
        with path.open("rb") as file:
            head = file.read(sniff.HEAD_BYTES)
        try:
            return path, sniff.sniff(head)
        except Invalid:
            return path, sniff.FileType("unknown", "application/octet-stream", "bin")
    return None


def transcode_seconds(config: NodeConfig) -> float:
    """The conversion's timeout: with the probes and the poster frame, it must end before the
    job's own deadline (80% of its lease), or the worker would cancel it half done."""
    others = 2 * ffmpeg.PROBE_SECONDS + POSTER_SECONDS + 20
    room = config.limits.job_lease_seconds * 0.8 - others
    return max(10.0, min(float(config.limits.media_transcode_seconds), room))


async def start(session: AsyncSession, services: Services, author_id: int, data: bytes,
                file_type: FileType, *, description: str, focus: tuple[float, float],
                converted_now: bool = False) -> MediaAttachment:
    """Check a video or audio upload and queue its transcoding (the caller commits). With
    `converted_now` the caller runs `transcode` itself: the job waits, in case it cannot."""
    config = services.config
    ffmpeg.tools()
    check_size(len(data), file_type, config.limits)
    media_id = new_id()
    loop = asyncio.get_running_loop()
    path = await loop.run_in_executor(None, _keep_incoming, config, media_id, data, file_type)
    try:
        async with services.media_slots:
            found = await ffmpeg.probe(path, file_type)
        ffmpeg.check_limits(found, file_type, config.limits)
        video = ffmpeg.is_video(file_type)
        media = MediaAttachment(
            id=media_id, actor_id=author_id, type=_type_of(file_type, has_audio=bool(found.audio_codec)),
            content_type=(MP4 if video else MP3).content_type, file_key=None, file_size=None,
            meta={"focus": {"x": focus[0], "y": focus[1]}} if video else {}, focus_x=focus[0],
            focus_y=focus[1], description=description, processing=MEDIA_PROCESSING)
        session.add(media)
        await session.flush()
        delay = transcode_seconds(config) * 2 + 60 if converted_now else 0
        await queue.enqueue(session, TRANSCODE_KIND, {"media_id": media.id}, delay_seconds=delay)
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return media


def _type_of(file_type: FileType, *, has_audio: bool) -> str:
    if not ffmpeg.is_video(file_type):
        return "audio"
    return "video" if has_audio else "gifv"


# -- the job ------------------------------------------------------------------------------

async def run_transcode(ctx: JobContext) -> None:
    services: Services = ctx.deps
    await transcode(services, int(ctx.payload["media_id"]))


async def transcode(services: Services, media_id: int) -> None:
    """Convert one waiting upload and mark it ready (or failed); the incoming file is removed.
    The job runs this; so does `POST /api/v1/media`, which answers when the file is ready."""
    waiting = incoming_file(services.config, media_id)
    async with services.sessions() as session:
        media = await session.get(MediaAttachment, media_id)
    if media is None or media.processing != MEDIA_PROCESSING:
        if waiting is not None:
            waiting[0].unlink(missing_ok=True)
        return  # deleted meanwhile, or done by an earlier run
    if waiting is None:
        await _failed(services, media_id, "the uploaded file is gone")
        return
    path, file_type = waiting
    try:
        async with services.media_slots:
            stored = await _convert(services.config, path, file_type)
    except Invalid as exc:
        await _failed(services, media_id, str(exc))
        return
    finally:
        path.unlink(missing_ok=True)
    if not await _apply(services, media_id, stored):
        forget_files(BlobStore(services.config.media_dir), stored.keys)


async def _apply(services: Services, media_id: int, stored: StoredMedia) -> bool:
    async with services.sessions() as session, session.begin():
        media = await session.get(MediaAttachment, media_id, with_for_update=True)
        if media is None or media.processing != MEDIA_PROCESSING:
            return False
        focus = (media.meta or {}).get("focus")
        media.type = stored.kind
        media.content_type, media.file_key = stored.content_type, stored.file_key
        media.file_size = stored.file_size
        media.thumbnail_key, media.blurhash = stored.thumbnail_key, stored.blurhash
        media.meta = {**stored.meta, **({"focus": focus} if focus else {})}
        media.processing = MEDIA_READY
    return True


async def _failed(services: Services, media_id: int, reason: str) -> None:
    log.info("media.transcode_failed", extra={"media_id": media_id, "reason": reason[:300]})
    async with services.sessions() as session, session.begin():
        await session.execute(update(MediaAttachment).where(
            MediaAttachment.id == media_id, MediaAttachment.processing == MEDIA_PROCESSING)
            .values(processing=MEDIA_FAILED))


# -- converting -------------------------------------------------------------------------

@dataclass(frozen=True)
class _Poster:
    data: bytes
    suffix: str
    width: int
    height: int
    blurhash: str


async def _convert(config: NodeConfig, source: Path, file_type: FileType) -> StoredMedia:
    """The transcoded file and (video) its poster, written to the blob store."""
    limits, seconds = config.limits, transcode_seconds(config)
    found = await ffmpeg.probe(source, file_type)
    ffmpeg.check_limits(found, file_type, limits)
    video = ffmpeg.is_video(file_type)
    with tempfile.TemporaryDirectory(prefix="amity-av-") as work:
        target = Path(work) / ("out.mp4" if video else "out.mp3")
        args = ffmpeg.video_args(found, file_type, limits) if video else ffmpeg.audio_args(limits)
        await ffmpeg.convert(source, file_type, args, target, seconds=seconds,
                             max_bytes=2 * limits.max_upload_bytes)
        result = await ffmpeg.probe(target, MP4 if video else MP3)
        poster = await _poster(source, file_type, Path(work), limits.max_image_pixels,
                               min(POSTER_SECONDS, seconds)) if video else None
        loop = asyncio.get_running_loop()  # tens of MB read and written: off the event loop
        return await loop.run_in_executor(None, lambda: _store(config, target.read_bytes(), video=video,
                                                               result=result, poster=poster))


async def _poster(source: Path, file_type: FileType, work: Path, max_pixels: int, seconds: float) -> _Poster:
    frame = work / "poster.png"
    await ffmpeg.convert(source, file_type, ffmpeg.POSTER_ARGS, frame, seconds=seconds, max_bytes=50_000_000)
    loop = asyncio.get_running_loop()
    processed = await loop.run_in_executor(None, lambda: images.process_image(
        frame.read_bytes(), sniff.PNG, max_pixels=max_pixels))
    preview = processed.preview
    return _Poster(preview.data, preview.file_type.suffix, preview.width, preview.height, processed.blurhash)


def _store(config: NodeConfig, data: bytes, *, video: bool, result: ffmpeg.Probe,
           poster: _Poster | None) -> StoredMedia:
    blobs = BlobStore(config.media_dir)
    file_key = blobs.put(data, suffix=(MP4 if video else MP3).suffix)
    try:
        thumbnail_key = blobs.put(poster.data, suffix=poster.suffix) if poster else None
    except BaseException:
        blobs.delete(file_key)
        raise
    meta = media_meta(result, poster)
    kind = ("video" if result.audio_codec else "gifv") if video else "audio"
    return StoredMedia(kind, (MP4 if video else MP3).content_type, file_key, len(data),
                       thumbnail_key=thumbnail_key, blurhash=poster.blurhash if poster else None, meta=meta)


def media_meta(result: ffmpeg.Probe, poster: _Poster | None) -> dict[str, Any]:
    """Mastodon's `meta` for video and audio: `original` (read from the transcoded file) and
    `small` (the poster), with the top-level `length`/`duration`/`fps`/`size` apps also read."""
    duration = round(result.duration, 3)
    original: dict[str, Any] = {"duration": duration}
    meta: dict[str, Any] = {"length": _length(duration), "duration": duration}
    if result.bitrate:
        original["bitrate"] = result.bitrate
    if result.has_video and result.width and result.height:
        frame = dimensions(result.width, result.height)
        original = {**frame, "frame_rate": result.frame_rate, **original}
        meta |= {"fps": round(result.fps or 0), **frame}
    meta["original"] = original
    if poster is not None:
        meta["small"] = dimensions(poster.width, poster.height)
    return meta


def _length(seconds: float) -> str:
    """ "0:01:28.65", as Mastodon's `meta.length`."""
    whole, centis = divmod(round(seconds * 100), 100)
    return f"{whole // 3600}:{whole // 60 % 60:02d}:{whole % 60:02d}.{centis:02d}"
