"""Notifications for local accounts (the inbox and local actions create them)."""

from __future__ import annotations

from collections.abc import Collection, Sequence

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from actors.reading.notification_groups import group_key_for
from actors.reading.notification_policies import hold, verdict
from actors.social.muting import silenced_for
from storage.models import ACCEPTED, NOTIFICATION_TYPES, Actor, Follow, Notification, Status, utcnow

# Types that a repeat of the same event brings back to the top (each edit is news), as Mastodon.
REPEATED = frozenset({"update"})


async def notify(session: AsyncSession, recipient: Actor, type_: str, from_actor: Actor,
                 status_id: int | None = None, *, report_id: int | None = None) -> Notification | None:
    """Notify a local account once per (type, actor, status); None for remote recipients, and
    when the member's mutes or notification policy (`actors.reading.notification_policies`)
    silence it. A notification the policy filters is held in a request."""
    if recipient.domain is not None or recipient.id == from_actor.id:
        return None
    if type_ not in NOTIFICATION_TYPES:
        raise ValueError(f"unknown notification type {type_!r}")
    if not type_.startswith("admin.") and await silenced_for(session, recipient, from_actor, type_,
                                                              status_id):
        return None
    if from_actor.silenced_at is not None and not type_.startswith("admin.") and not await _follows(
            session, recipient.id, from_actor.id):
        return None  # a limited account reaches only its followers (Mastodon's limit)
    same = (Notification.recipient_id == recipient.id, Notification.type == type_,
            Notification.from_actor_id == from_actor.id,
            Notification.status_id.is_(None) if status_id is None else Notification.status_id == status_id,
            Notification.report_id.is_(None) if report_id is None else Notification.report_id == report_id)
    if type_ in REPEATED:
        await session.execute(delete(Notification).where(*same).execution_options(synchronize_session=False))
    else:
        existing = await session.scalar(select(Notification).where(*same))
        if existing is not None:
            return existing
    decision = await verdict(session, recipient, from_actor, type_, status_id)
    if decision == "drop":
        return None
    now = utcnow()
    notification = Notification(recipient_id=recipient.id, type=type_, from_actor_id=from_actor.id,
                                status_id=status_id, report_id=report_id, created_at=now,
                                filtered=decision == "filter")
    if not notification.filtered:  # held-back notifications join no group, as Mastodon's
        notification.group_key = await group_key_for(session, recipient.id, type_, status_id, now)
    session.add(notification)
    await session.flush()
    if notification.filtered:
        await hold(session, recipient.id, from_actor.id)
    return notification


async def notify_subscribers(session: AsyncSession, status: Status, asked: Collection[int]) -> None:
    """`status` notifications for `asked`, the members whose home timeline the post just entered
    and who follow its author with `notify` on (`actors.reading.home_membership.asked_to_be_notified`),
    as Mastodon's feed insert: not for boosts, nor for replies to someone else."""
    if not asked or status.reblog_of_id is not None:
        return
    if status.in_reply_to_id is not None or status.in_reply_to_uri:  # an unknown parent: someone else's
        parent_author = None if status.in_reply_to_id is None else await session.scalar(
            select(Status.actor_id).where(Status.id == status.in_reply_to_id))
        if parent_author != status.actor_id:
            return
    members = (await session.scalars(select(Actor).where(Actor.id.in_(sorted(asked))))).all()
    await _notify_all(session, members, "status", status)


async def notify_boosters_of_edit(session: AsyncSession, status: Status) -> None:
    """`update` notifications for the members who boosted `status`, once it was edited."""
    boosters = (await session.scalars(select(Actor).join(Status, Status.actor_id == Actor.id).where(
        Status.reblog_of_id == status.id, Actor.domain.is_(None)))).all()
    await _notify_all(session, boosters, "update", status)


async def _notify_all(session: AsyncSession, members: Sequence[Actor], type_: str, status: Status) -> None:
    author = await session.get(Actor, status.actor_id) if members else None
    if author is None:
        return
    for member in members:
        await notify(session, member, type_, author, status.id)


async def _follows(session: AsyncSession, follower_id: int, followee_id: int) -> bool:
    return await session.scalar(select(Follow.id).where(
        Follow.follower_id == follower_id, Follow.followee_id == followee_id, Follow.state == ACCEPTED)
    ) is not None
