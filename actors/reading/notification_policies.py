"""Notification policies and requests (Mastodon 4.3): whether a notification from this sender
is shown, held back as a request, or dropped, and what accepting or dismissing a request does.

A member's policy says, for senders they do not follow, who do not follow them (or only for
less than 3 days), whose accounts are less than 30 days old, who write them private mentions
out of the blue, or whose server is limited here, whether to `accept`, `filter` or `drop`. The
strictest answer of the conditions a sender meets wins. Only the types a stranger can cause are
filtered (mentions, favourites, boosts, follows and follow requests); a sender whose request
the member accepted is let through from then on.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from storage.errors import Invalid
from storage.models import (
    ACCEPTED,
    POLICY_VALUES,
    Actor,
    DomainRule,
    Follow,
    Notification,
    NotificationPermission,
    NotificationPolicy,
    NotificationRequest,
    Status,
    utcnow,
)
from storage.queries import parent_domains

POLICY_FIELDS = ("for_not_following", "for_not_followers", "for_new_accounts", "for_private_mentions",
                 "for_limited_accounts")
DEFAULTS: Mapping[str, str] = {"for_not_following": "accept", "for_not_followers": "accept",
                               "for_new_accounts": "accept", "for_private_mentions": "filter",
                               "for_limited_accounts": "filter"}
FILTERABLE = frozenset({"mention", "reblog", "favourite", "follow", "follow_request"})
NEW_ACCOUNT = timedelta(days=30)
NEW_FOLLOWER = timedelta(days=3)


async def policy_of(session: AsyncSession, actor_id: int) -> dict[str, str]:
    row = await session.get(NotificationPolicy, actor_id)
    return dict(DEFAULTS) if row is None else {name: getattr(row, name) for name in POLICY_FIELDS}


async def change_policy(session: AsyncSession, actor_id: int, changes: Mapping[str, str]) -> dict[str, str]:
    """Save the fields given (others keep their value); an unknown value is refused whole."""
    for name, value in changes.items():
        if name not in POLICY_FIELDS or value not in POLICY_VALUES:
            raise Invalid(f"{name} must be one of {', '.join(POLICY_VALUES)}")
    policy = await policy_of(session, actor_id) | dict(changes)
    row = await session.get(NotificationPolicy, actor_id)
    if row is None:
        session.add(NotificationPolicy(actor_id=actor_id, **policy))
    else:
        for name, value in policy.items():
            setattr(row, name, value)
        row.updated_at = utcnow()
    await session.flush()
    return policy


async def verdict(session: AsyncSession, recipient: Actor, sender: Actor, type_: str, status_id: int | None
                  ) -> str:
    """`accept`, `filter` or `drop` for a new notification."""
    if type_ not in FILTERABLE or await session.scalar(select(NotificationPermission.id).where(
            NotificationPermission.recipient_id == recipient.id,
            NotificationPermission.from_actor_id == sender.id)) is not None:
        return "accept"
    policy = await policy_of(session, recipient.id)
    if set(policy.values()) == {"accept"}:
        return "accept"
    answers = await _conditions_met(session, recipient, sender, type_, status_id)
    chosen = {policy[name] for name in answers}
    return "drop" if "drop" in chosen else "filter" if "filter" in chosen else "accept"


async def _conditions_met(session: AsyncSession, recipient: Actor, sender: Actor, type_: str,
                          status_id: int | None) -> list[str]:
    now = utcnow()
    following = await _follow_since(session, recipient.id, sender.id) is not None
    followed_since = await _follow_since(session, sender.id, recipient.id)
    met = []
    if not following:
        met.append("for_not_following")
        if await _private_out_of_the_blue(session, recipient.id, type_, status_id):
            met.append("for_private_mentions")
        if sender.domain is not None and await _limited(session, sender.domain):
            met.append("for_limited_accounts")
    if followed_since is None or followed_since > now - NEW_FOLLOWER:
        met.append("for_not_followers")
    if sender.created_at > now - NEW_ACCOUNT:
        met.append("for_new_accounts")
    return met


async def _follow_since(session: AsyncSession, follower_id: int, followee_id: int) -> datetime | None:
    return await session.scalar(select(Follow.created_at).where(
        Follow.follower_id == follower_id, Follow.followee_id == followee_id, Follow.state == ACCEPTED))


async def _private_out_of_the_blue(session: AsyncSession, recipient_id: int, type_: str,
                                   status_id: int | None) -> bool:
    """A direct mention that does not answer one of the recipient's posts."""
    if type_ != "mention" or status_id is None:
        return False
    status = await session.get(Status, status_id)
    if status is None or status.visibility != "direct":
        return False
    parent_author = None if status.in_reply_to_id is None else await session.scalar(
        select(Status.actor_id).where(Status.id == status.in_reply_to_id))
    return parent_author != recipient_id


async def _limited(session: AsyncSession, domain: str) -> bool:
    found = await session.scalar(select(DomainRule.domain).where(
        DomainRule.domain.in_(list(parent_domains(domain))), DomainRule.policy == "silence").limit(1))
    return found is not None


async def hold(session: AsyncSession, recipient_id: int, sender_id: int) -> None:
    """The request holding this sender's filtered notifications: made, or marked as updated."""
    found = await session.scalar(select(NotificationRequest).where(
        NotificationRequest.recipient_id == recipient_id, NotificationRequest.from_actor_id == sender_id))
    if found is not None:
        found.updated_at = utcnow()
        return
    try:
        async with session.begin_nested():
            session.add(NotificationRequest(recipient_id=recipient_id, from_actor_id=sender_id))
    except IntegrityError:  # made meanwhile by another job
        pass


async def accept(session: AsyncSession, request: NotificationRequest) -> None:
    """The sender is let through from now on, and what was held back joins the notifications."""
    if await session.scalar(select(NotificationPermission.id).where(
            NotificationPermission.recipient_id == request.recipient_id,
            NotificationPermission.from_actor_id == request.from_actor_id)) is None:
        session.add(NotificationPermission(recipient_id=request.recipient_id,
                                           from_actor_id=request.from_actor_id))
    await session.execute(update(Notification).where(*_held(request)).values(filtered=False)
                          .execution_options(synchronize_session=False))
    await session.delete(request)


async def dismiss(session: AsyncSession, request: NotificationRequest) -> None:
    """The request and what it held back are gone (a later notification makes a new one)."""
    await session.execute(delete(Notification).where(*_held(request))
                          .execution_options(synchronize_session=False))
    await session.delete(request)


def _held(request: NotificationRequest) -> tuple[ColumnElement[bool], ...]:
    return (Notification.recipient_id == request.recipient_id,
            Notification.from_actor_id == request.from_actor_id, Notification.filtered.is_(True))
