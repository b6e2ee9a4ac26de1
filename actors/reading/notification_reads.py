"""Which notifications a member is shown: the read-time rules, written once as SQL.

What hid a notification when it was written (`actors.social.muting.silenced_for`) hides it
when it is read too, so a block, mute or hidden domain added later also clears what came
before: a block of the sender, a live mute with notifications, a domain the member hides.
Suspended senders are left out, and so are notifications whose status the member can no longer
see (`actors.reading.visibility`). What the member's notification policy held back
(`actors.reading.notification_policies`) is left out unless asked for. Muted conversations are
a walk up each thread, so readers drop those afterwards, a page at a time
(`ui.api.notifications.pages`). Staff notifications (`admin.*`) skip the member's own mutes and
blocks, as they do when written.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import ColumnElement, Select, and_, exists, or_, select

from actors.reading.visibility import Viewer, visible_to
from actors.social.muting import live_mute
from storage.models import (
    NOTIFICATION_TYPES,
    Actor,
    Block,
    Mute,
    Notification,
    NotificationRequest,
    Status,
    UserDomainBlock,
)

STAFF_TYPES = frozenset(t for t in NOTIFICATION_TYPES if t.startswith("admin."))
# The types whose entity carries the status (Mastodon's `status_type?`).
STATUS_TYPES = frozenset({"mention", "status", "reblog", "favourite", "poll", "update"})


@dataclass(frozen=True)
class Wanted:
    """The filters a client asks for: `types[]` (None: all), `exclude_types[]`, `account_id`,
    and `include_filtered` (what the member's notification policy held back)."""

    types: frozenset[str] | None = None
    exclude: frozenset[str] = frozenset()
    account_id: int | None = None
    include_filtered: bool = False

    @classmethod
    def of(cls, types: Iterable[str], exclude: Iterable[str], account_id: int | None, *,
           include_filtered: bool = False) -> Wanted:
        """Unknown type names select nothing, as Mastodon's `browserable`."""
        chosen = list(types)
        return cls(frozenset(chosen) & frozenset(NOTIFICATION_TYPES) if chosen else None,
                   frozenset(exclude), account_id, include_filtered)


def shown_to(recipient_id: int) -> ColumnElement[bool]:
    """The read-time rules for `recipient_id`'s notifications, as a WHERE clause."""
    sender = Notification.from_actor_id
    blocked = exists().where(Block.actor_id == recipient_id, Block.target_id == sender)
    muted = exists().where(Mute.actor_id == recipient_id, Mute.target_id == sender,
                           Mute.notifications.is_(True), live_mute())
    hidden_domain = exists().where(Actor.id == sender, Actor.domain.is_not(None), exists().where(
        UserDomainBlock.actor_id == recipient_id, UserDomainBlock.domain == Actor.domain))
    suspended = exists().where(Actor.id == sender, Actor.suspended_at.is_not(None))
    status_seen = exists().where(Status.id == Notification.status_id,
                                 visible_to(Viewer.member_or_anonymous(recipient_id)))
    return and_(
        Notification.recipient_id == recipient_id, ~suspended,
        or_(Notification.type.in_(STAFF_TYPES), and_(~blocked, ~muted, ~hidden_domain)),
        or_(Notification.status_id.is_(None), status_seen))


def wanted(filters: Wanted) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    if not filters.include_filtered:
        conditions.append(Notification.filtered.is_(False))
    if filters.types is not None:
        conditions.append(Notification.type.in_(sorted(filters.types)))
    if filters.exclude:
        conditions.append(Notification.type.not_in(sorted(filters.exclude)))
    if filters.account_id is not None:
        conditions.append(Notification.from_actor_id == filters.account_id)
    return conditions


def notifications_of(recipient_id: int, filters: Wanted = Wanted()) -> Select[Notification]:
    """The member's notifications they are shown, with the client's filters (unordered: page it)."""
    return select(Notification).where(shown_to(recipient_id), *wanted(filters))


def held_back(recipient_id: int) -> ColumnElement[bool]:
    """Notifications the member's policy held back, which they would otherwise be shown."""
    return and_(shown_to(recipient_id), Notification.filtered.is_(True))


def requests_of(recipient_id: int) -> Select[NotificationRequest]:
    """The member's notification requests that still hold something to show (unordered)."""
    holding = exists().where(Notification.from_actor_id == NotificationRequest.from_actor_id,
                             held_back(recipient_id))
    return select(NotificationRequest).where(NotificationRequest.recipient_id == recipient_id, holding)
