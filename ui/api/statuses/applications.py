"""The `application` of Status entities: the app a local post was made with, for a whole page
in one query. Shown to every reader, as Mastodon 4.3 does by default (its per-member
"disclose the app" opt-out has no counterpart in Amity yet); remote posts have none (null)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import OAuthApplication, Status


async def applications_of(session: AsyncSession, statuses: Iterable[Status]) -> dict[int, dict[str, Any]]:
    """Application id -> `{name, website}` for the statuses that have one (a deleted app: absent)."""
    ids = {s.application_id for s in statuses if s.application_id is not None}
    if not ids:
        return {}
    rows = await session.execute(select(OAuthApplication.id, OAuthApplication.name, OAuthApplication.website)
                                 .where(OAuthApplication.id.in_(ids)))
    return {app_id: {"name": name, "website": website or None} for app_id, name, website in rows.all()}
