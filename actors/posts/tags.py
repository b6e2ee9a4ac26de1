"""Hashtags and custom emoji attached to statuses (local and remote): the link rows."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import delete, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from actors.posts.compose import MAX_TAG_CHARS, normalize_tag
from storage.models import StatusEmoji, StatusTag, Tag
from storage.models.base import new_id

MAX_TAGS = 50  # per status; Mastodon keeps every tag, but a post with more is spam


async def tag_ids(session: AsyncSession, names: Sequence[str]) -> dict[str, int]:
    """normalised name -> tag id, creating the missing tags (safe against concurrent inserts)."""
    wanted: dict[str, str] = {}
    for name in names:
        display = name[:MAX_TAG_CHARS]
        wanted.setdefault(normalize_tag(display), display)
    if not wanted:
        return {}
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    await session.execute(insert(Tag).values([
        {"id": new_id(), "name": key, "display_name": display} for key, display in wanted.items()
    ]).on_conflict_do_nothing(index_elements=["name"]))
    rows = await session.execute(select(Tag.name, Tag.id).where(Tag.name.in_(wanted)))
    return {name: tag_id for name, tag_id in rows.all()}


async def set_status_tags(session: AsyncSession, status_id: int, names: Sequence[str], *,
                          replace: bool = False) -> None:
    if replace:
        await session.execute(delete(StatusTag).where(StatusTag.status_id == status_id))
    ids = await tag_ids(session, list(names)[:MAX_TAGS])
    session.add_all(StatusTag(status_id=status_id, tag_id=tag_id) for tag_id in sorted(set(ids.values())))
    await session.flush()


async def set_status_emojis(session: AsyncSession, status_id: int, emoji_ids: Sequence[int], *,
                            replace: bool = False) -> None:
    if replace:
        await session.execute(delete(StatusEmoji).where(StatusEmoji.status_id == status_id))
    session.add_all(StatusEmoji(status_id=status_id, emoji_id=emoji_id)
                    for emoji_id in sorted(set(emoji_ids)))
    await session.flush()
