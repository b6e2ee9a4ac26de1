"""The attachments of remote posts: stored as rows (metadata only), replaced on Update.

Nothing is fetched here. The rows keep the remote URL, so apps load the file from its server;
with the instance setting `cache_remote_media` on, a job copies each file here
(`actors.media.remote_cache`). A domain rule with `reject_media` on the author's domain (or on the
file's host) means no rows at all: the post's text is stored, its attachments are dropped,
so nothing from that domain is fetched, stored, or shown for apps to load.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from actors.media import remote_cache
from federation.attachments import RemoteAttachment
from federation.urls import domain_or_none
from storage.media_files import dimensions
from storage.models import Actor, MediaAttachment, Status
from storage.queries.media import media_rejected


async def store_remote_attachments(session: AsyncSession, status: Status, author: Actor,
                                   attachments: Sequence[RemoteAttachment]) -> list[MediaAttachment]:
    if not attachments:
        return []
    if await media_rejected(session, author.domain, *{domain_or_none(a.url) for a in attachments}):
        return []
    rows = [_row(status, author, position, a) for position, a in enumerate(attachments)]
    session.add_all(rows)
    await session.flush()
    await remote_cache.queue_cache(session, [row.id for row in rows])
    return rows


async def replace_remote_attachments(session: AsyncSession, status: Status, author: Actor,
                                     attachments: Sequence[RemoteAttachment]) -> bool:
    """An Update: the status's attachments become `attachments`; False if nothing changed.

    The old rows are detached (`amity media prune` removes them and their files); a file
    already cached for a URL that stays moves to the new row instead of being fetched again.
    """
    current = list((await session.scalars(
        select(MediaAttachment).where(MediaAttachment.status_id == status.id)
        .order_by(MediaAttachment.position, MediaAttachment.id))).all())
    if [_fingerprint_row(m) for m in current] == [_fingerprint(a) for a in attachments]:
        return False
    for row in current:
        row.status_id = None
    await session.flush()
    cached = {m.remote_url: m for m in current if m.file_key}
    for row in await store_remote_attachments(session, status, author, attachments):
        if row.remote_url in cached:
            _move_cache(cached.pop(row.remote_url), row)
    await session.flush()
    return True


def _row(status: Status, author: Actor, position: int, found: RemoteAttachment) -> MediaAttachment:
    meta: dict[str, Any] = {}
    if found.width and found.height:
        meta["original"] = dimensions(found.width, found.height)
    if found.kind in ("image", "video"):
        meta["focus"] = {"x": found.focus[0], "y": found.focus[1]}
    return MediaAttachment(
        actor_id=author.id, status_id=status.id, position=position, type=found.kind,
        content_type=found.media_type, remote_url=found.url, description=found.description,
        blurhash=found.blurhash, focus_x=found.focus[0], focus_y=found.focus[1], meta=meta)


def _move_cache(old: MediaAttachment, new: MediaAttachment) -> None:
    new.file_key, new.thumbnail_key, new.small_key = old.file_key, old.thumbnail_key, old.small_key
    new.file_size, new.cached_at, new.content_type = old.file_size, old.cached_at, old.content_type
    new.type, new.blurhash = old.type, old.blurhash or new.blurhash
    measured = {k: v for k, v in (old.meta or {}).items() if k != "focus"}  # ours, from the file
    new.meta = {**new.meta, **measured}
    old.file_key = old.thumbnail_key = old.small_key = None
    old.cached_at = None


def _fingerprint(found: RemoteAttachment) -> tuple[Any, ...]:
    return found.url, found.description, found.focus


def _fingerprint_row(row: MediaAttachment) -> tuple[Any, ...]:
    return row.remote_url, row.description, (row.focus_x, row.focus_y)
