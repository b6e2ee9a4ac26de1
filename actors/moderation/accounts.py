"""What moderators do to accounts: approve or reject sign-ups, warn, limit (silence), mark media
sensitive, disable login, suspend, and undo each of these.

Each action writes its audit-log entry in the caller's transaction (`actors.moderation.audit`).
A staff account acts only on accounts whose role is below its own (Mastodon's
`role.overrides?`); the operator at the CLI acts on any. The member is told by a
`moderation_warning` notification where Mastodon tells them (`send_notification`, local
accounts only). Suspending a local account hides it at once and queues the deletion of its
data after the grace period (`actors.moderation.suspension`); unsuspending before then
restores it.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from actors.moderation.audit import Staff, record, require
from actors.moderation.suspension import schedule_data_deletion
from actors.moderation.warnings import warn
from storage.config import NodeConfig
from storage.errors import Forbidden, Invalid, NotFound
from storage.models import Actor, User, utcnow

ACTIONS = ("none", "sensitive", "disable", "silence", "suspend")
UNDO = ("enable", "unsilence", "unsensitive", "unsuspend")
MAX_TEXT_CHARS = 5000
_RANK = {"member": 0, "moderator": 1, "admin": 2, "owner": 3}


@dataclass(frozen=True)
class Target:
    """An account acted on: its actor, and its login when it is local."""

    actor: Actor
    user: User | None

    @property
    def handle(self) -> str:
        actor = self.actor
        return actor.username if actor.domain is None else f"{actor.username}@{actor.domain}"

    @property
    def pending(self) -> bool:
        return self.user is not None and not self.user.approved


def state_of(actor: Actor, user: User | None) -> str:
    """One word for where an account stands, the most restrictive first (the CLI's STATE)."""
    if actor.deleted_at is not None:
        return "deleted"
    if actor.suspended_at is not None:
        return "suspended"
    if user is not None and user.disabled:
        return "disabled"
    if user is not None and not user.approved:
        return "pending"
    if actor.silenced_at is not None:
        return "limited"
    return "active"


async def target(session: AsyncSession, actor_id: int) -> Target:
    actor = await session.get(Actor, actor_id)
    if actor is None:
        raise NotFound("Record not found")
    if actor.domain is not None:
        return Target(actor, None)
    return Target(actor, await session.scalar(select(User).where(User.actor_id == actor.id)))


async def local_target(session: AsyncSession, username: str) -> Target:
    """A local account by name (any case, an `@` in front is fine)."""
    found = (await session.execute(
        select(Actor, User).join(User, User.actor_id == Actor.id)
        .where(Actor.domain.is_(None), func.lower(Actor.username) == username.removeprefix("@").lower())
    )).first()
    if found is None:
        raise NotFound(f"no local account named {username}")
    return Target(found[0], found[1])


def _may_act(staff: Staff, who: Target) -> None:
    require(staff, "manage_users")
    if who.actor.deleted_at is not None:
        raise Forbidden("this account's data was deleted when its suspension ended")
    if who.actor.domain is None and who.user is None:  # the instance actor
        raise Forbidden("the instance actor is not an account to act on")
    if who.actor.id == staff.actor_id:
        raise Forbidden("staff may not act on their own account")
    role = who.user.role if who.user is not None else "member"
    if staff.actor_id is not None and _RANK.get(staff.role, 0) <= _RANK.get(role, 0):
        raise Forbidden(f"{staff.label} may not act on an account with the {role} role")


async def _audit(session: AsyncSession, staff: Staff, action: str, who: Target, reason: str = "",
                 **details: object) -> None:
    await record(session, staff, f"account.{action}", "account", who.handle, reason=reason, **details)


async def approve(session: AsyncSession, staff: Staff, who: Target) -> None:
    """Let a pending sign-up in; Forbidden when it is not pending (Mastodon's 403)."""
    _may_act(staff, who)
    if who.user is None or who.user.approved:
        raise Forbidden("this account is not waiting for approval")
    who.user.approved = True
    await _audit(session, staff, "approve", who)


async def reject(session: AsyncSession, staff: Staff, who: Target) -> None:
    """Turn a pending sign-up away: the account and its login are deleted (Mastodon's reject)."""
    _may_act(staff, who)
    if not who.pending:
        raise Forbidden("this account is not waiting for approval")
    await _audit(session, staff, "reject", who, reason=who.user.sign_up_reason if who.user else "")
    await session.execute(delete(Actor).where(Actor.id == who.actor.id))


async def act(session: AsyncSession, config: NodeConfig, staff: Staff, who: Target, action: str, *,
              text: str = "", send_notification: bool = True) -> None:
    """Mastodon's account action: `none` (a warning), `sensitive`, `disable`, `silence`, `suspend`."""
    if action not in ACTIONS:
        raise Invalid(f"type must be one of {', '.join(ACTIONS)}")
    if len(text) > MAX_TEXT_CHARS:
        raise Invalid(f"text is longer than {MAX_TEXT_CHARS} characters")
    _may_act(staff, who)
    actor, now = who.actor, utcnow()
    if action == "disable":
        if who.user is None:
            raise Invalid("only local accounts have a login to disable")
        who.user.disabled = True
    elif action == "sensitive":
        actor.sensitized_at = actor.sensitized_at or now
    elif action == "silence":
        actor.silenced_at = actor.silenced_at or now
    elif action == "suspend" and actor.suspended_at is None:  # again: the first grace period holds
        actor.suspended_at = now
        if actor.domain is None:
            await schedule_data_deletion(session, config, actor)
    actor.updated_at = now  # rendered accounts are cached by updated_at
    await warn(session, actor, "none" if action == "none" else action, text,
               notify=send_notification and actor.domain is None)
    await _audit(session, staff, "warn" if action == "none" else action, who, reason=text)


async def undo(session: AsyncSession, staff: Staff, who: Target, action: str) -> None:
    """`enable`, `unsilence`, `unsensitive` or `unsuspend`; each is recorded, even when it changes nothing."""
    if action not in UNDO:
        raise Invalid(f"action must be one of {', '.join(UNDO)}")
    _may_act(staff, who)
    actor = who.actor
    if action == "enable":
        if who.user is None:
            raise Invalid("only local accounts have a login to enable")
        who.user.disabled = False
    elif action == "unsilence":
        actor.silenced_at = None
    elif action == "unsensitive":
        actor.sensitized_at = None
    else:
        actor.suspended_at = None
    actor.updated_at = utcnow()
    await _audit(session, staff, action, who)


async def delete_data_now(session: AsyncSession, config: NodeConfig, staff: Staff, who: Target) -> None:
    """`DELETE /api/v1/admin/accounts/:id`: a suspended local account's data, without waiting for
    the grace period (the `delete_user_data` permission)."""
    require(staff, "delete_user_data")
    _may_act(staff, who)
    if who.actor.domain is not None or who.actor.suspended_at is None:
        raise Forbidden("only a suspended local account whose data is still kept can be deleted")
    await schedule_data_deletion(session, config, who.actor, now=True)
    await _audit(session, staff, "delete", who)
