"""A warning reaches the member as a `moderation_warning` notification whose AccountWarning
entity (`ui.api.account_warnings`) is Mastodon's."""

from __future__ import annotations

from sqlalchemy import select

from storage.models import Notification
from tests.ui.api.schemas import ACCOUNT, DATETIME, ID, Matches, Nullable, assert_entity
from tests.ui.client_api import Api
from ui.api.account_warnings import account_warning_entity, warning_of
from ui.api.entities import Urls, render_accounts

ACCOUNT_WARNING = {"id": Matches(ID), "action": str, "text": str, "status_ids": Nullable(list),
                   "target_account": ACCOUNT, "appeal": Nullable(dict), "created_at": DATETIME}


async def test_the_notification_carries_mastodons_account_warning(api: Api) -> None:
    await api.member("mo", role="moderator")
    bo = await api.member("bo")
    token = await api.token_for("mo", "admin:write")
    await api.json("POST", f"/api/v1/admin/accounts/{bo.id}/action", token,
                   data={"type": "silence", "text": "please calm down"})
    async with api.services.sessions() as session:
        [note] = (await session.scalars(select(Notification).where(Notification.recipient_id == bo.id))).all()
        warning = await warning_of(session, note)
        assert warning is not None
        [shown] = await render_accounts(session, [bo], Urls(domain=api.config.domain,
                                                            base_url=api.config.base_url))
    entity = account_warning_entity(warning, shown)
    assert_entity(entity, ACCOUNT_WARNING)
    assert entity["appeal"] is None
    assert (note.type, entity["action"], entity["text"], entity["target_account"]["id"]) == (
        "moderation_warning", "silence", "please calm down", str(bo.id))
