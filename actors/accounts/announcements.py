"""Announcements: messages from the node's admins to every member (`amity announcement …`),
which each member dismisses and reacts to for themselves.

An announcement is shown until its `ends_at` has passed (none: until removed). A reaction is a
Unicode emoji or the shortcode of one of the node's enabled custom emoji; a member reacts with
a name once (again is a no-op).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import case, delete, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from actors.posts.compose import plain_text_to_html
from actors.posts.emoji import local_by_shortcode
from storage.errors import Invalid, NotFound
from storage.models import (
    Announcement,
    AnnouncementDismissal,
    AnnouncementReaction,
    CustomEmoji,
    utcnow,
)

MAX_TEXT_CHARS = 5_000
MAX_REACTION_CHARS = 32
NOT_AN_EMOJI = "Validation failed: Name is not a recognized emoji"
_JOINERS = {"\u200d", "\ufe0f", "\ufe0e", "\u20e3"}  # ZWJ, variation selectors, keycap


async def add(session: AsyncSession, text: str, *, starts_at: datetime | None = None,
              ends_at: datetime | None = None, all_day: bool = False) -> Announcement:
    text = text.strip()
    if not text:
        raise Invalid("an announcement needs some text")
    if len(text) > MAX_TEXT_CHARS:
        raise Invalid(f"an announcement is at most {MAX_TEXT_CHARS} characters")
    if starts_at is not None and ends_at is not None and ends_at < starts_at:
        raise Invalid("an announcement cannot end before it starts")
    row = Announcement(text=text, content=plain_text_to_html(text), starts_at=starts_at, ends_at=ends_at,
                       all_day=all_day)
    session.add(row)
    await session.flush()
    return row


async def list_all(session: AsyncSession) -> list[Announcement]:
    return list((await session.scalars(select(Announcement).order_by(Announcement.id))).all())


async def remove(session: AsyncSession, announcement_id: int) -> None:
    if await session.get(Announcement, announcement_id) is None:
        raise NotFound(f"no announcement {announcement_id} (see `amity announcement list`)")
    await session.execute(delete(Announcement).where(Announcement.id == announcement_id))


async def current(session: AsyncSession, actor_id: int, *, with_dismissed: bool = False
                  ) -> tuple[list[Announcement], set[int]]:
    """(announcements shown now, oldest first; the ids this member dismissed)."""
    query = select(Announcement).where(or_(Announcement.ends_at.is_(None), Announcement.ends_at > utcnow()))
    dismissed = set((await session.scalars(select(AnnouncementDismissal.announcement_id).where(
        AnnouncementDismissal.actor_id == actor_id))).all())
    if not with_dismissed and dismissed:
        query = query.where(Announcement.id.not_in(dismissed))
    order = func.coalesce(Announcement.starts_at, Announcement.published_at)
    return list((await session.scalars(query.order_by(order, Announcement.id))).all()), dismissed


async def shown(session: AsyncSession, announcement_id: int) -> Announcement:
    """An announcement members can see now; NotFound otherwise."""
    row = await session.get(Announcement, announcement_id)
    if row is None or (row.ends_at is not None and row.ends_at <= utcnow()):
        raise NotFound("Record not found")
    return row


async def dismiss(session: AsyncSession, actor_id: int, announcement_id: int) -> None:
    await shown(session, announcement_id)
    if await session.get(AnnouncementDismissal, (announcement_id, actor_id)) is None:
        session.add(AnnouncementDismissal(announcement_id=announcement_id, actor_id=actor_id))
        await session.flush()


def is_unicode_emoji(name: str) -> bool:
    """A Unicode emoji (with skin tones, joiners, keycaps and flags): symbols and their modifiers only."""
    if not name or len(name) > MAX_REACTION_CHARS:
        return False
    symbols = 0
    for char in name:
        kind = unicodedata.category(char)
        if kind == "So":
            symbols += 1
        elif not (char in _JOINERS or kind == "Sk" or "\U000e0020" <= char <= "\U000e007f"
                  or (char in "#*0123456789" and len(name) > 1)):
            return False
    return symbols > 0 or name.endswith("\u20e3")


async def react(session: AsyncSession, actor_id: int, announcement_id: int, name: str) -> None:
    await shown(session, announcement_id)
    if not is_unicode_emoji(name) and name not in await local_by_shortcode(session, [name]):
        raise Invalid(NOT_AN_EMOJI)
    if await session.scalar(select(AnnouncementReaction.id).where(
            AnnouncementReaction.announcement_id == announcement_id,
            AnnouncementReaction.actor_id == actor_id, AnnouncementReaction.name == name)) is None:
        session.add(AnnouncementReaction(announcement_id=announcement_id, actor_id=actor_id, name=name))
        await session.flush()


async def unreact(session: AsyncSession, actor_id: int, announcement_id: int, name: str) -> None:
    await shown(session, announcement_id)
    await session.execute(delete(AnnouncementReaction).where(
        AnnouncementReaction.announcement_id == announcement_id, AnnouncementReaction.actor_id == actor_id,
        AnnouncementReaction.name == name))


@dataclass(frozen=True)
class ReactionCount:
    name: str
    count: int
    me: bool
    emoji: CustomEmoji | None  # a custom emoji's row, for its image


async def reactions(session: AsyncSession, actor_id: int, announcement_ids: Sequence[int]
                    ) -> dict[int, list[ReactionCount]]:
    """Per announcement, its reactions by name (first used first), one query for all."""
    rows = (await session.execute(
        select(AnnouncementReaction.announcement_id, AnnouncementReaction.name,
               func.count(), func.sum(case((AnnouncementReaction.actor_id == actor_id, 1), else_=0)),
               func.min(AnnouncementReaction.id))
        .where(AnnouncementReaction.announcement_id.in_(list(announcement_ids)))
        .group_by(AnnouncementReaction.announcement_id, AnnouncementReaction.name)
        .order_by(func.min(AnnouncementReaction.id)))).all() if announcement_ids else []
    emojis = await local_by_shortcode(session, [name for _, name, *_ in rows])
    found: dict[int, list[ReactionCount]] = {i: [] for i in announcement_ids}
    for announcement_id, name, count, mine, _ in rows:
        found[announcement_id].append(ReactionCount(name, int(count), bool(mine), emojis.get(name)))
    return found

