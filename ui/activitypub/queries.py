"""The reads behind the ActivityPub GET routes (each takes the request's session first)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Select, exists, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import ACCEPTED, Actor, Follow, Mention, Status, Tombstone, User

SHOWN_TO_REMOTE = ("public", "unlisted")  # what the outbox lists
AnySelect = Select[*tuple[Any, ...]]


async def local_account(session: AsyncSession, username: str) -> tuple[Actor, User] | None:
    """A local member by name (any case), unless disabled, suspended or waiting for approval
    (Mastodon shows a pending sign-up to nobody)."""
    row = (await session.execute(
        select(Actor, User).join(User, User.actor_id == Actor.id)
        .where(Actor.domain.is_(None), func.lower(Actor.username) == username.lower(),
               Actor.suspended_at.is_(None), User.disabled.is_(False), User.approved.is_(True))
    )).first()
    return None if row is None else (row[0], row[1])


async def suspended_local_actor(session: AsyncSession, username: str) -> Actor | None:
    """A suspended local account (its data maybe deleted): its key is still served."""
    return await session.scalar(select(Actor).where(
        Actor.domain.is_(None), func.lower(Actor.username) == username.lower(),
        Actor.suspended_at.is_not(None)))


async def local_status(session: AsyncSession, author: Actor, status_id: int) -> Status | None:
    return await session.scalar(select(Status).where(
        Status.id == status_id, Status.actor_id == author.id, Status.local.is_(True)))


async def tombstone(session: AsyncSession, uri: str) -> Tombstone | None:
    return await session.get(Tombstone, uri)


async def mentioned_actors(session: AsyncSession, status_ids: Sequence[int]) -> dict[int, list[Actor]]:
    """The actors each status mentions (or addresses directly), in mention order."""
    found: dict[int, list[Actor]] = {status_id: [] for status_id in status_ids}
    if status_ids:
        rows = await session.execute(
            select(Mention.status_id, Actor).join(Actor, Actor.id == Mention.actor_id)
            .where(Mention.status_id.in_(status_ids)).order_by(Mention.id))
        for status_id, actor in rows.all():
            found[status_id].append(actor)
    return found


async def reply_targets(session: AsyncSession, statuses: Sequence[Status]) -> dict[int, str]:
    """status id → the URI it replies to (stored URI, else the parent row's URI)."""
    targets = {s.id: s.in_reply_to_uri for s in statuses if s.in_reply_to_uri}
    missing = {s.id: s.in_reply_to_id for s in statuses if s.in_reply_to_id and s.id not in targets}
    if missing:
        uris = dict((await session.execute(
            select(Status.id, Status.uri).where(Status.id.in_(set(missing.values()))))).all())
        targets.update({sid: uris[parent] for sid, parent in missing.items() if parent in uris})
    return targets


def outbox_statuses(author: Actor) -> Select[Status]:
    """The author's own posts (no boosts) that the outbox lists: public and unlisted, federated."""
    return select(Status).where(
        Status.actor_id == author.id, Status.local.is_(True), Status.reblog_of_id.is_(None),
        Status.visibility.in_(SHOWN_TO_REMOTE), Status.local_only.is_(False))


def followers_of(account: Actor) -> Select[Follow, Actor]:
    return select(Follow, Actor).join(Actor, Actor.id == Follow.follower_id).where(
        Follow.followee_id == account.id, Follow.state == ACCEPTED, Actor.suspended_at.is_(None))


def followed_by(account: Actor) -> Select[Follow, Actor]:
    return select(Follow, Actor).join(Actor, Actor.id == Follow.followee_id).where(
        Follow.follower_id == account.id, Follow.state == ACCEPTED, Actor.suspended_at.is_(None))


async def count(session: AsyncSession, query: AnySelect) -> int:
    return int(await session.scalar(select(func.count()).select_from(query.subquery())) or 0)


async def user_counts(session: AsyncSession, *, month_ago: datetime, half_year_ago: datetime
                      ) -> tuple[int, int, int]:
    """(total, active in a month, active in half a year) of members who can log in.

    Active means signed up or posted (a status or a boost) in the window: Amity records
    no log-in times, so this is what it can state honestly.
    """
    members = (select(User.created_at, Actor.id.label("actor_id")).join(Actor, Actor.id == User.actor_id)
               .where(User.disabled.is_(False), User.confirmed_at.is_not(None), Actor.suspended_at.is_(None))
               .subquery())

    def active_since(since: datetime) -> Select[int]:
        posted = exists().where(Status.actor_id == members.c.actor_id, Status.published_at >= since)
        return select(func.count()).select_from(members).where(
            or_(members.c.created_at >= since, posted))

    total = await session.scalar(select(func.count()).select_from(members))
    month = await session.scalar(active_since(month_ago))
    half_year = await session.scalar(active_since(half_year_ago))
    return int(total or 0), int(month or 0), int(half_year or 0)


async def local_post_count(session: AsyncSession) -> int:
    """Local statuses of every visibility, boosts excluded."""
    return int(await session.scalar(select(func.count()).select_from(Status).where(
        Status.local.is_(True), Status.reblog_of_id.is_(None))) or 0)
