"""Mastodon's Admin::Account: an account as moderators see it (the login's e-mail, role, state),
with the public Account inside. Rendered in bulk, like `ui.api.entities.render_accounts`.

Remote accounts have no login: no e-mail, locale or role of their own. `ip` is the sign-up
address (Amity keeps no later sign-in addresses).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from actors.moderation.permissions import ROLE_ENTITIES
from storage.models import Actor, User
from ui.api.entities import Urls, iso_datetime, render_accounts


async def render_admin_accounts(session: AsyncSession, actors: Sequence[Actor], urls: Urls
                                ) -> list[dict[str, Any]]:
    """Admin::Account entities for `actors`, in order."""
    public = await render_accounts(session, actors, urls)
    local_ids = [a.id for a in actors if a.domain is None]
    users = {u.actor_id: u for u in (await session.scalars(
        select(User).where(User.actor_id.in_(local_ids)))).all()} if local_ids else {}
    return [admin_account(actor, users.get(actor.id), account) for actor, account in zip(actors, public,
                                                                                          strict=True)]


def admin_account(actor: Actor, user: User | None, shown: dict[str, Any]) -> dict[str, Any]:
    """Mastodon's Admin::Account; `shown` is the Account entity."""
    ip = user.sign_up_ip if user is not None else None
    return {
        "id": str(actor.id), "username": actor.username, "domain": actor.domain,
        "created_at": iso_datetime(actor.created_at),
        "email": user.email if user is not None else None,
        "ip": ip, "ips": [{"ip": ip, "used_at": iso_datetime(user.created_at)}] if user and ip else [],
        "locale": user.locale if user is not None else None,
        "invite_request": (user.sign_up_reason or None) if user is not None else None,
        "role": dict(ROLE_ENTITIES[user.role]) if user is not None else None,
        "confirmed": user is not None and user.confirmed_at is not None,
        "approved": user is None or user.approved,
        "disabled": user is not None and user.disabled,
        "silenced": actor.silenced_at is not None,
        "suspended": actor.suspended_at is not None,
        "sensitized": actor.sensitized_at is not None,
        "account": shown,
        "created_by_application_id": None,
        "invited_by_account_id": None,
    }
