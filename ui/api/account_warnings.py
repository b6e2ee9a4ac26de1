"""Mastodon's AccountWarning entity: what a `moderation_warning` notification carries under
`moderation_warning` (the notifications API renders it with this)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import AccountWarning, Notification
from ui.api.entities import iso_datetime


def account_warning_entity(warning: AccountWarning, target_account: dict[str, Any]) -> dict[str, Any]:
    """`target_account` is the warned account's Account entity; appeals are not offered (null)."""
    return {"id": str(warning.id), "action": warning.action, "text": warning.text,
            "status_ids": [str(i) for i in warning.status_ids] or None, "target_account": target_account,
            "appeal": None, "created_at": iso_datetime(warning.created_at)}


async def warning_of(session: AsyncSession, notification: Notification) -> AccountWarning | None:
    if notification.account_warning_id is None:
        return None
    return await session.get(AccountWarning, notification.account_warning_id)
