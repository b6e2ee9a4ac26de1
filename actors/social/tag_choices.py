"""A member's choices about hashtags: the tags they follow and the tags they feature.

Following a tag brings public posts with it to the member's home timeline (the rule is in
`actors.reading.home_membership`); featuring one shows it on the profile with how often the
member used it. Both take a tag by name and create it if it is new, as Mastodon does.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from actors.posts.compose import MAX_TAG_CHARS, normalize_tag
from actors.posts.post_content import tag_ids
from storage.errors import Invalid, NotFound
from storage.models import FeaturedTag, FollowedTag, Status, StatusTag, Tag
from storage.models.base import new_id

MAX_FEATURED = 10  # per member, as Mastodon
MAX_SUGGESTIONS = 10
_NAME = re.compile(r"^#?(\w*[^\W\d]\w*)$")


def valid_name(raw: str) -> str | None:
    """The tag name as written (without `#`), or None if it is no hashtag."""
    match = _NAME.match(raw.strip()) if len(raw) <= MAX_TAG_CHARS + 1 else None
    return match.group(1) if match else None


async def tag_named(session: AsyncSession, raw: str, *, create: bool) -> Tag | None:
    """The tag called `raw` (None if it is no hashtag, or does not exist and `create` is false)."""
    name = valid_name(raw)
    if name is None:
        return None
    if create:
        await tag_ids(session, [name])
    return await session.scalar(select(Tag).where(Tag.name == normalize_tag(name)))


async def follow_tag(session: AsyncSession, actor_id: int, tag: Tag) -> None:
    """Idempotent: following a followed tag changes nothing."""
    found = await session.scalar(select(FollowedTag.id).where(FollowedTag.actor_id == actor_id,
                                                              FollowedTag.tag_id == tag.id))
    if found is None:
        session.add(FollowedTag(id=new_id(), actor_id=actor_id, tag_id=tag.id))
        await session.flush()


async def unfollow_tag(session: AsyncSession, actor_id: int, tag: Tag) -> None:
    await session.execute(delete(FollowedTag).where(FollowedTag.actor_id == actor_id,
                                                    FollowedTag.tag_id == tag.id))


async def followed_among(session: AsyncSession, actor_id: int, tag_ids_: Sequence[int]) -> set[int]:
    """Which of these tags the member follows (the Tag entity's `following`)."""
    if not tag_ids_:
        return set()
    return set((await session.scalars(select(FollowedTag.tag_id).where(
        FollowedTag.actor_id == actor_id, FollowedTag.tag_id.in_(list(tag_ids_))))).all())


async def feature_tag(session: AsyncSession, actor_id: int, raw: str) -> FeaturedTag:
    tag = await tag_named(session, raw, create=True)
    if tag is None:
        raise Invalid("Validation failed: Tag is invalid")
    count = await session.scalar(select(func.count()).select_from(FeaturedTag)
                                 .where(FeaturedTag.actor_id == actor_id))
    taken = await session.scalar(select(FeaturedTag.id).where(FeaturedTag.actor_id == actor_id,
                                                              FeaturedTag.tag_id == tag.id))
    if taken is not None:
        raise Invalid("Validation failed: Tag has already been taken")
    if (count or 0) >= MAX_FEATURED:
        raise Invalid(f"Validation failed: You can only feature up to {MAX_FEATURED} hashtags")
    row = FeaturedTag(id=new_id(), actor_id=actor_id, tag_id=tag.id)
    session.add(row)
    await session.flush()
    return row


async def unfeature_tag(session: AsyncSession, actor_id: int, featured_id: int | None) -> None:
    row = await session.get(FeaturedTag, featured_id) if featured_id is not None else None
    if row is None or row.actor_id != actor_id:
        raise NotFound("Record not found")
    await session.delete(row)
    await session.flush()


async def featured_tags(session: AsyncSession, actor_id: int
                        ) -> list[tuple[FeaturedTag, Tag, int, datetime | None]]:
    """The member's featured tags, oldest first, each with the count and the time of the last
    of their public or unlisted posts with it (Mastodon counts those)."""
    used = (select(StatusTag.tag_id, func.count().label("uses"), func.max(Status.published_at).label("last"))
            .join(Status, Status.id == StatusTag.status_id)
            .where(Status.actor_id == actor_id, Status.visibility.in_(("public", "unlisted")),
                   Status.reblog_of_id.is_(None))
            .group_by(StatusTag.tag_id).subquery())
    rows = await session.execute(
        select(FeaturedTag, Tag, func.coalesce(used.c.uses, 0), used.c.last)
        .join(Tag, Tag.id == FeaturedTag.tag_id).outerjoin(used, used.c.tag_id == FeaturedTag.tag_id)
        .where(FeaturedTag.actor_id == actor_id).order_by(FeaturedTag.id))
    return [(featured, tag, int(uses), last) for featured, tag, uses, last in rows.all()]


async def suggested_tags(session: AsyncSession, actor_id: int) -> list[Tag]:
    """The member's most used tags that are not featured yet (Mastodon's suggestions)."""
    featured = select(FeaturedTag.tag_id).where(FeaturedTag.actor_id == actor_id)
    uses = func.count().label("uses")
    rows = await session.execute(
        select(Tag, uses).join(StatusTag, StatusTag.tag_id == Tag.id)
        .join(Status, Status.id == StatusTag.status_id)
        .where(Status.actor_id == actor_id, Tag.id.not_in(featured))
        .group_by(Tag.id).order_by(uses.desc(), Tag.id).limit(MAX_SUGGESTIONS))
    return [tag for tag, _ in rows.all()]
