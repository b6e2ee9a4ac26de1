"""What moderators tell an account (Mastodon's AccountWarning), and the `moderation_warning`
notification that shows it to a local member."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import WARNING_ACTIONS, AccountWarning, Actor, Notification


async def warn(session: AsyncSession, target: Actor, action: str, text: str = "", *,
               status_ids: Sequence[int] = (), notify: bool = True) -> AccountWarning:
    """Record the warning; notify the member (local accounts only). The notification's
    `from_actor` is the member themself, as Mastodon's (a moderator is not named to them)."""
    if action not in WARNING_ACTIONS:
        raise ValueError(f"unknown warning action {action!r}")
    warning = AccountWarning(target_actor_id=target.id, action=action, text=text,
                             status_ids=[str(i) for i in status_ids])
    session.add(warning)
    await session.flush()
    if notify and target.domain is None:
        session.add(Notification(recipient_id=target.id, type="moderation_warning", from_actor_id=target.id,
                                 account_warning_id=warning.id))
        await session.flush()
    return warning


async def warnings_of(session: AsyncSession, target_id: int) -> Sequence[AccountWarning]:
    return (await session.scalars(select(AccountWarning).where(AccountWarning.target_actor_id == target_id)
                                  .order_by(AccountWarning.id.desc()))).all()
