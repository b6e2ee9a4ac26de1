"""What account actions do to everyone else: a limited account is kept off public timelines
and out of non-followers' notifications; a sensitive one's media is marked sensitive; a
suspended one's actor document keeps only its key; a pending sign-up is shown to nobody."""

from __future__ import annotations

from aiohttp import FormData
from sqlalchemy import select

from storage.models import Notification
from storage.worker import Worker, drain
from tests.media_samples import png
from tests.ui.client_api import Api
from ui.jobs import build_registry

ADMIN = "read write follow admin:read admin:write"
V1 = "/api/v1/admin/accounts"
AS2 = {"Accept": "application/activity+json"}


async def _act(api: Api, account_id: int, kind: str) -> None:
    await api.member("mo", role="moderator")
    token = await api.token_for("mo", ADMIN)
    await api.json("POST", f"{V1}/{account_id}/action", token, data={"type": kind})


async def test_a_limited_account_is_seen_on_public_timelines_by_its_followers_only(api: Api) -> None:
    bo = await api.member("bo")
    await api.member("fan")
    await api.member("other")
    bo_token, fan, other = [await api.token_for(name) for name in ("bo", "fan", "other")]
    await api.json("POST", f"/api/v1/accounts/{bo.id}/follow", fan)
    post = await api.json("POST", "/api/v1/statuses", bo_token, data={"status": "hello all"})
    await _act(api, bo.id, "silence")

    async def public(token: str | None) -> list[str]:
        return [s["id"] for s in await api.json("GET", "/api/v1/timelines/public", token)]
    assert await public(fan) == [post["id"]]
    assert await public(other) == [] and await public(None) == []
    assert (await api.json("GET", f"/api/v1/statuses/{post['id']}", other))["id"] == post["id"]  # by link


async def test_a_limited_account_notifies_only_its_followers(api: Api) -> None:
    bo = await api.member("bo")
    fan = await api.member("fan")
    other = await api.member("other")
    fan_token = await api.token_for("fan")
    await api.json("POST", f"/api/v1/accounts/{bo.id}/follow", fan_token)
    await _act(api, bo.id, "silence")
    await api.json("POST", "/api/v1/statuses", await api.token_for("bo"), data={"status": "hi @fan @other"})
    await drain(Worker(api.services.engine, build_registry(), deps=api.services))  # the fan-out
    async with api.services.sessions() as session:
        mentions = (await session.scalars(select(Notification.recipient_id).where(
            Notification.type == "mention"))).all()
    assert mentions == [fan.id] and other.id not in mentions


async def test_a_sensitive_accounts_media_is_marked_sensitive(api: Api) -> None:
    bo = await api.member("bo")
    token = await api.token_for("bo")
    await _act(api, bo.id, "sensitive")
    form = FormData()
    form.add_field("file", png(), filename="picture.png", content_type="image/png")
    media = await api.json("POST", "/api/v2/media", token, data=form)
    with_media = await api.json("POST", "/api/v1/statuses", token,
                                data={"status": "look", "media_ids[]": media["id"], "sensitive": "false"})
    plain = await api.json("POST", "/api/v1/statuses", token, data={"status": "words only"})
    assert (with_media["sensitive"], plain["sensitive"]) == (True, False)


async def test_a_suspended_actor_document_keeps_only_its_key(api: Api) -> None:
    bo = await api.member("bo", display_name="Bo B", note="<p>about me</p>")
    await _act(api, bo.id, "suspend")
    response = await api.request("GET", "/users/bo", headers=AS2)
    doc = await response.json()
    assert response.status == 200 and doc["suspended"] is True
    assert (doc["name"], doc["summary"], "icon" in doc) == ("", "", False)
    assert doc["publicKey"]["publicKeyPem"].startswith("-----BEGIN PUBLIC KEY-----")


async def test_a_pending_sign_up_is_shown_to_nobody(api: Api) -> None:
    pia = await api.member("pia")
    await api.update_user(pia, approved=False)
    assert (await api.request("GET", "/users/pia", headers=AS2)).status == 404
    assert (await api.request("GET", "/.well-known/webfinger",
                              params={"resource": "acct:pia@amity.test"})).status == 404
