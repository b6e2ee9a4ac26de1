"""Notifications for tests: written with the one `notify`, read back through the API."""

from __future__ import annotations

from typing import Any

from actors.reading.notifications import notify
from storage.models import Actor, Notification
from tests.ui.client_api import Api


async def notified(api: Api, recipient: Actor, type_: str, sender: Actor, status_id: int | None = None,
                   **kwargs: Any) -> Notification:
    async with api.services.sessions() as session, session.begin():
        to, by = await session.get(Actor, recipient.id), await session.get(Actor, sender.id)
        assert to is not None and by is not None
        row = await notify(session, to, type_, by, status_id, **kwargs)
    assert row is not None, f"{type_} from {sender.username} was silenced"
    return row


async def listed(api: Api, token: str, query: str = "") -> list[dict[str, Any]]:
    return list(await api.json("GET", f"/api/v1/notifications{query}", token))


def kinds(entities: list[dict[str, Any]]) -> list[tuple[str, str]]:
    """(type, sender's acct) of each entity, in order."""
    return [(e["type"], e["account"]["acct"]) for e in entities]
