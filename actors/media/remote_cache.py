"""Copies of remote media on this node (instance setting `cache_remote_media`), and pruning them.

One `media.cache_remote` job per attachment: it downloads the file through the node's
outbound client (SSRF guard, redirects re-checked, size cap, image/audio/video types only),
checks it by its content like an upload (an image is re-encoded, with a preview and a
blurhash), stores it in the blob store and sets `file_key` and `cached_at`. No transaction is
open while it downloads or processes. A `reject_media` domain rule, or the setting turned off
meanwhile, means nothing is fetched.

`prune` deletes cached files older than a cut-off but keeps the rows (URL, description,
blurhash, sizes), so apps fall back to the remote URL and `queue_cache` can copy the file
again when it is wanted; it also removes, with their files, remote attachments no status
holds any more (the post was deleted, or an Update replaced them) and local uploads older
than the cut-off that no status holds (never posted, or their post was deleted; a younger
one may still be posted, or re-used by "delete and redraft").
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from actors.media.uploads import blob_store, process_off_loop
from federation.client import FetchError, RemoteError, Unreachable
from federation.urls import domain_of
from storage import queue, settings, sniff
from storage.blobs import BlobStore
from storage.errors import Invalid
from storage.media_files import StoredMedia, forget_files
from storage.models import MEDIA_FAILED, MEDIA_READY, Actor, MediaAttachment, utcnow
from storage.queries import federation_refused, media_rejected
from storage.worker import JobContext

if TYPE_CHECKING:
    from federation.services import Services

CACHE_KIND = "media.cache_remote"
# What a server may answer with; the bytes are checked again (`sniff`) whatever it says.
ACCEPTED_TYPES = (*(t.content_type for t in sniff.ACCEPTED), "audio/mp3", "audio/x-wav", "audio/wave",
                  "audio/x-flac", "audio/x-m4a", "audio/webm", "application/ogg")
log = logging.getLogger("amity.media")


async def queue_cache(session: AsyncSession, media_ids: Sequence[int]) -> int:
    """Queue copies of these remote attachments, if the node caches remote media."""
    if not media_ids or not await settings.get(session, "cache_remote_media"):
        return 0
    return await queue.enqueue_many(session, CACHE_KIND, [{"media_id": i} for i in media_ids])


async def ensure_cached(session: AsyncSession, media: Sequence[MediaAttachment]) -> int:
    """Queue a copy of each remote attachment that has none (pruned, or cached before the
    setting was on); for whoever shows them, e.g. when a status is opened."""
    wanted = [m.id for m in media if m.remote_url and not m.file_key and m.processing != MEDIA_FAILED]
    return await queue_cache(session, wanted)


async def run_cache(ctx: JobContext) -> None:
    services: Services = ctx.deps
    media_id = int(ctx.payload["media_id"])
    async with services.sessions() as session:
        url = await _url_to_fetch(session, media_id)
    if url is None:
        return
    try:
        fetched = await services.client.get_bytes(url, accept=ACCEPTED_TYPES,
                                                  max_bytes=services.config.limits.max_upload_bytes)
    except Unreachable:
        raise  # the worker tries again later
    except RemoteError as exc:
        if exc.status >= 500 or exc.status == 429:
            raise
        await _failed(services, media_id, str(exc))
        return
    except FetchError as exc:  # too large, wrong type, refused address, too many redirects
        await _failed(services, media_id, str(exc))
        return
    try:
        stored = await process_off_loop(services, fetched.data)
    except Invalid as exc:
        await _failed(services, media_id, str(exc))
        return
    async with services.sessions() as session, session.begin():
        media = await session.get(MediaAttachment, media_id)
        if media is None or media.file_key or media.remote_url != url:
            forget_files(blob_store(services.config), stored.keys)  # gone or changed meanwhile
            return
        _apply(media, stored)


async def _url_to_fetch(session: AsyncSession, media_id: int) -> str | None:
    media = await session.get(MediaAttachment, media_id)
    if media is None or media.file_key or not media.remote_url or media.status_id is None:
        return None  # gone, copied already, local, or no post holds it any more
    if not await settings.get(session, "cache_remote_media"):
        return None
    author = await session.get(Actor, media.actor_id)
    domain = domain_of(media.remote_url)
    if await media_rejected(session, author.domain if author else None, domain):
        return None
    if await federation_refused(session, domain):
        return None
    return media.remote_url


def _apply(media: MediaAttachment, stored: StoredMedia) -> None:
    media.type, media.content_type, media.file_size = stored.kind, stored.content_type, stored.file_size
    media.file_key, media.thumbnail_key = stored.file_key, stored.thumbnail_key
    media.small_key = stored.small_key
    media.blurhash = stored.blurhash or media.blurhash
    focus = (media.meta or {}).get("focus")
    media.meta = {**stored.meta, **({"focus": focus} if focus else {})}
    media.processing, media.cached_at = MEDIA_READY, utcnow()


async def _failed(services: Services, media_id: int, reason: str) -> None:
    log.info("media.cache_failed", extra={"media_id": media_id, "reason": reason[:300]})
    async with services.sessions() as session, session.begin():
        await session.execute(update(MediaAttachment).where(MediaAttachment.id == media_id)
                              .values(processing=MEDIA_FAILED))


# -- pruning ----------------------------------------------------------------------------

@dataclass
class PruneResult:
    attachments: int = 0  # rows whose cached files were removed (the rows stay)
    orphans: int = 0  # rows no status holds (remote; local uploads past the cut-off), removed with files
    files: int = 0
    bytes: int = 0


Progress = Callable[[PruneResult, int], None]  # (so far, total rows to go through)


async def prune(sessions: async_sessionmaker[AsyncSession], blobs: BlobStore, *, older_than: timedelta,
                batch_size: int = 500, progress: Progress | None = None) -> PruneResult:
    """Delete cached remote files older than `older_than` (keeping their rows), remote
    attachments no status holds, and local uploads older than `older_than` that no status
    holds (never posted, or their post was deleted) nor a scheduled status waits to post:
    rows and files, in batches."""
    cutoff = utcnow() - older_than
    cached = (MediaAttachment.remote_url.is_not(None) & MediaAttachment.file_key.is_not(None)
              & MediaAttachment.status_id.is_not(None) & (MediaAttachment.cached_at < cutoff))
    orphaned = MediaAttachment.status_id.is_(None) & MediaAttachment.scheduled_status_id.is_(None) & (
        MediaAttachment.remote_url.is_not(None) | (MediaAttachment.created_at < cutoff))
    result = PruneResult()
    async with sessions() as session:
        total = int(await session.scalar(select(func.count()).where(cached | orphaned)) or 0)
    last_id = 0
    while True:
        async with sessions() as session, session.begin():
            rows = (await session.execute(
                select(MediaAttachment.id, MediaAttachment.status_id, MediaAttachment.file_key,
                       MediaAttachment.thumbnail_key, MediaAttachment.small_key, MediaAttachment.file_size)
                .where(cached | orphaned, MediaAttachment.id > last_id)
                .order_by(MediaAttachment.id).limit(batch_size))).all()
            if not rows:
                break
            last_id = rows[-1].id
            keys = [k for r in rows for k in (r.file_key, r.thumbnail_key, r.small_key) if k]
            result.files += await asyncio.get_running_loop().run_in_executor(None, _delete_all, blobs, keys)
            result.bytes += sum(r.file_size or 0 for r in rows if r.file_key)
            orphan_ids = [r.id for r in rows if r.status_id is None]
            kept_ids = [r.id for r in rows if r.status_id is not None]
            if orphan_ids:
                await session.execute(delete(MediaAttachment).where(MediaAttachment.id.in_(orphan_ids)))
            if kept_ids:
                await session.execute(update(MediaAttachment).where(MediaAttachment.id.in_(kept_ids)).values(
                    file_key=None, thumbnail_key=None, small_key=None, cached_at=None))
            result.orphans += len(orphan_ids)
            result.attachments += len(kept_ids)
        if progress is not None:
            progress(result, total)
    return result


def _delete_all(blobs: BlobStore, keys: list[str]) -> int:
    return sum(1 for key in keys if blobs.delete(key))
