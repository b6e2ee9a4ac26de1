"""Whom members may discover: the profile directory and follow suggestions.

One rule for both (`listable`): only accounts that opted in (`discoverable`), not suspended,
not moved away, local ones only once usable (approved, confirmed, not disabled); and, for a
viewer, never themselves, nor accounts they block or mute, that block them, or on a server they
hide. Suggestions also leave out accounts the member follows (or asked to) and dismissed.
"""

from __future__ import annotations

from typing import Literal

from sqlalchemy import ColumnElement, Select, and_, exists, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from actors.social.muting import live_mute
from storage.errors import NotFound
from storage.models import (
    ACCEPTED,
    Actor,
    Block,
    Follow,
    Mute,
    Status,
    SuggestionDismissal,
    User,
    UserDomainBlock,
)

DirectoryOrder = Literal["active", "new"]


def listable(viewer_id: int | None) -> ColumnElement[bool]:
    """The rule, as a WHERE clause on `Actor`."""
    usable_locally = exists().where(User.actor_id == Actor.id, User.disabled.is_(False),
                                    User.approved.is_(True), User.confirmed_at.is_not(None))
    rule = and_(Actor.discoverable.is_(True), Actor.suspended_at.is_(None), Actor.moved_to_id.is_(None),
                Actor.actor_type != "Application", or_(Actor.domain.is_not(None), usable_locally))
    if viewer_id is None:
        return rule
    return and_(
        rule, Actor.id != viewer_id,
        ~exists().where(or_(and_(Block.actor_id == viewer_id, Block.target_id == Actor.id),
                            and_(Block.actor_id == Actor.id, Block.target_id == viewer_id))),
        ~exists().where(Mute.actor_id == viewer_id, Mute.target_id == Actor.id, live_mute()),
        ~exists().where(UserDomainBlock.actor_id == viewer_id, UserDomainBlock.domain == Actor.domain))


def directory(viewer_id: int | None, *, order: DirectoryOrder, local: bool, offset: int, limit: int
              ) -> Select[Actor]:
    """The directory: most recently posting first (`active`) or newest accounts first (`new`)."""
    query = select(Actor).where(listable(viewer_id))
    if local:
        query = query.where(Actor.domain.is_(None))
    if order == "active":
        last_post = select(func.max(Status.id)).where(Status.actor_id == Actor.id).scalar_subquery()
        query = query.order_by(func.coalesce(last_post, 0).desc(), Actor.id.desc())
    else:
        query = query.order_by(Actor.created_at.desc(), Actor.id.desc())
    return query.offset(offset).limit(limit)


def _suggestable(viewer_id: int) -> ColumnElement[bool]:
    asked = aliased(Follow)  # the queries below join Follow themselves
    return and_(
        listable(viewer_id),
        ~exists().where(asked.follower_id == viewer_id, asked.followee_id == Actor.id),
        ~exists().where(SuggestionDismissal.actor_id == viewer_id, SuggestionDismissal.target_id == Actor.id))


async def suggestions(session: AsyncSession, viewer_id: int, limit: int) -> list[tuple[Actor, str]]:
    """(account, source) pairs, best first: accounts followed by those the member follows
    (`friends_of_friends`, by how many), then the accounts most followed from this node
    (`most_followed`)."""
    mine, theirs = aliased(Follow), aliased(Follow)
    friends = (select(Actor, func.count(theirs.id).label("n"))
               .join(theirs, and_(theirs.followee_id == Actor.id, theirs.state == ACCEPTED))
               .join(mine, and_(mine.followee_id == theirs.follower_id, mine.follower_id == viewer_id,
                                mine.state == ACCEPTED))
               .where(_suggestable(viewer_id)).group_by(Actor.id)
               .order_by(func.count(theirs.id).desc(), Actor.id.desc()).limit(limit))
    found: dict[int, tuple[Actor, str]] = {}
    for actor, _ in (await session.execute(friends)).all():
        found.setdefault(actor.id, (actor, "friends_of_friends"))
    if len(found) < limit:
        local_follower = aliased(Actor)
        popular = (select(Actor, func.count(Follow.id).label("n"))
                   .join(Follow, and_(Follow.followee_id == Actor.id, Follow.state == ACCEPTED))
                   .join(local_follower, and_(local_follower.id == Follow.follower_id,
                                              local_follower.domain.is_(None)))
                   .where(_suggestable(viewer_id), Actor.id.not_in(list(found)))
                   .group_by(Actor.id).order_by(func.count(Follow.id).desc(), Actor.id.desc())
                   .limit(limit - len(found)))
        for actor, _ in (await session.execute(popular)).all():
            found.setdefault(actor.id, (actor, "most_followed"))
    return list(found.values())


async def dismiss_suggestion(session: AsyncSession, viewer_id: int, target_id: int) -> None:
    """Never suggest `target_id` to `viewer_id` again (idempotent); NotFound for an unknown account."""
    if await session.get(Actor, target_id) is None:
        raise NotFound("Record not found")
    if await session.scalar(select(SuggestionDismissal.id).where(
            SuggestionDismissal.actor_id == viewer_id, SuggestionDismissal.target_id == target_id)) is None:
        session.add(SuggestionDismissal(actor_id=viewer_id, target_id=target_id))
        await session.flush()
