"""What statuses carry besides their rows (hashtags, emoji, media, poll), loaded in bulk.

One query per kind of part for any number of statuses, never one per status: timelines,
outbox pages and fan-out all render many statuses at once.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from federation.render import PostParts
from storage.models import CustomEmoji, MediaAttachment, Poll, StatusEmoji, StatusTag, Tag


async def load_parts(session: AsyncSession, status_ids: Sequence[int]) -> dict[int, PostParts]:
    parts = {status_id: PostParts() for status_id in status_ids}
    if not parts:
        return parts
    await _load_media(session, parts)
    await _load_polls(session, parts)
    await _load_hashtags(session, parts)
    await _load_emojis(session, parts)
    return parts


async def _load_media(session: AsyncSession, parts: dict[int, PostParts]) -> None:
    rows = await session.scalars(
        select(MediaAttachment).where(MediaAttachment.status_id.in_(list(parts)))
        .order_by(MediaAttachment.status_id, MediaAttachment.position, MediaAttachment.id))
    for media in rows:
        if media.status_id is not None:
            parts[media.status_id].media.append(media)


async def _load_polls(session: AsyncSession, parts: dict[int, PostParts]) -> None:
    for poll in (await session.scalars(select(Poll).where(Poll.status_id.in_(list(parts))))).all():
        parts[poll.status_id].poll = poll


async def _load_hashtags(session: AsyncSession, parts: dict[int, PostParts]) -> None:
    rows = await session.execute(
        select(StatusTag.status_id, Tag).join(Tag, Tag.id == StatusTag.tag_id)
        .where(StatusTag.status_id.in_(list(parts))).order_by(StatusTag.status_id, Tag.name))
    for status_id, tag in rows.all():
        parts[status_id].hashtags.append(tag)


async def _load_emojis(session: AsyncSession, parts: dict[int, PostParts]) -> None:
    rows = await session.execute(
        select(StatusEmoji.status_id, CustomEmoji).join(CustomEmoji, CustomEmoji.id == StatusEmoji.emoji_id)
        .where(StatusEmoji.status_id.in_(list(parts)), CustomEmoji.disabled.is_(False))
        .order_by(StatusEmoji.status_id, CustomEmoji.shortcode))
    for status_id, emoji in rows.all():
        parts[status_id].emojis.append(emoji)
