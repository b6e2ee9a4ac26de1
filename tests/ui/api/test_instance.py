"""The instance endpoints: truthful configuration, versions clients can parse, rules, contact, peers."""

from __future__ import annotations

import re
from pathlib import Path

from pytest_aiohttp import AiohttpClient

from storage.models import Actor, DomainRule, Status
from storage.models.base import new_id
from tests.ui.api.schemas import INSTANCE_V1, INSTANCE_V2, RULE, assert_entity
from tests.ui.client_api import Api, start_api


async def test_v2_has_the_documented_shape_and_truthful_limits(any_api: Api) -> None:
    api = any_api
    body = await api.json("GET", "/api/v2/instance")
    assert_entity(body, INSTANCE_V2)
    assert body["domain"] == "amity.test" and body["api_versions"] == {"mastodon": 2}
    config = body["configuration"]
    assert config["statuses"]["max_characters"] == api.config.limits.max_status_chars
    limits = api.config.limits
    assert config["statuses"]["max_media_attachments"] == limits.max_media_attachments
    media = config["media_attachments"]
    assert (media["image_size_limit"], media["video_size_limit"]) == (limits.max_image_bytes,
                                                                     limits.max_upload_bytes)
    assert (media["image_matrix_limit"], media["description_limit"]) == (
        limits.max_image_pixels, limits.max_media_description_chars)
    assert "image/jpeg" in media["supported_mime_types"] and "image/heic" not in media["supported_mime_types"]
    assert config["urls"]["streaming"] == "ws://amity.test"
    assert body["contact"]["account"] is None and body["registrations"]["enabled"] is True


async def test_v1_has_the_documented_shape(any_api: Api) -> None:
    body = await any_api.json("GET", "/api/v1/instance/")
    assert_entity(body, INSTANCE_V1)
    assert body["uri"] == "amity.test" and body["urls"]["streaming_api"] == "ws://amity.test"


async def test_limits_follow_the_node_config(aiohttp_client: AiohttpClient, sqlite_url: str,
                                             tmp_path: Path) -> None:
    api = await start_api(aiohttp_client, sqlite_url, tmp_path, scheme="https",
                          limits={"max_status_chars": 1234, "max_image_bytes": 5_000_000})
    v2 = await api.json("GET", "/api/v2/instance")
    v1 = await api.json("GET", "/api/v1/instance")
    assert v2["configuration"]["statuses"]["max_characters"] == 1234
    assert v1["configuration"]["statuses"]["max_characters"] == 1234
    assert v2["configuration"]["media_attachments"]["image_size_limit"] == 5_000_000
    assert v2["configuration"]["urls"]["streaming"] == "wss://amity.test"
    assert v1["urls"]["streaming_api"] == "wss://amity.test"


async def test_the_version_is_three_part_and_mastodon_compatible(api: Api) -> None:
    version = (await api.json("GET", "/api/v1/instance"))["version"]
    assert re.match(r"^4\.3\.0 \(compatible; Amity \d+\.\d+\.\d+.*\)$", version), version


async def test_settings_rules_and_the_owner_as_contact(api: Api) -> None:
    owner = await api.member("olga", role="owner", display_name="Olga")
    await api.setting("title", "Riverside")
    await api.setting("short_description", "A community centre")
    await api.setting("contact_email", "admins@riverside.example")
    await api.setting("rules", ["Be kind", "No spam"])
    await api.setting("languages", ["en", "pt"])
    v2 = await api.json("GET", "/api/v2/instance")
    assert (v2["title"], v2["description"]) == ("Riverside", "A community centre")
    assert v2["languages"] == ["en", "pt"]
    assert v2["contact"]["email"] == "admins@riverside.example"
    assert v2["contact"]["account"]["id"] == str(owner.id)
    assert v2["rules"] == [{"id": "1", "text": "Be kind", "hint": ""},
                           {"id": "2", "text": "No spam", "hint": ""}]
    rules = await api.json("GET", "/api/v1/instance/rules")
    for rule in rules:
        assert_entity(rule, RULE)
    assert rules == v2["rules"]
    v1 = await api.json("GET", "/api/v1/instance")
    assert v1["contact_account"]["username"] == "olga" and v1["email"] == "admins@riverside.example"
    assert v1["stats"]["user_count"] == 1


async def test_registration_mode_shows_as_approval_required(api: Api) -> None:
    await api.setting("registration_mode", "approval")
    v2 = await api.json("GET", "/api/v2/instance")
    assert v2["registrations"]["approval_required"] is True and v2["registrations"]["enabled"] is True
    await api.setting("registration_mode", "invite")
    v1 = await api.json("GET", "/api/v1/instance")
    assert v1["invites_enabled"] is True and v1["registrations"] is False
    assert "invitation" in (await api.json("GET", "/api/v2/instance"))["registrations"]["message"]
    for mode, enabled in (("open", True), ("closed", False)):
        await api.setting("registration_mode", mode)
        v2 = await api.json("GET", "/api/v2/instance")
        assert v2["registrations"]["enabled"] is enabled and v2["registrations"]["approval_required"] is False
        assert (await api.json("GET", "/api/v1/instance"))["registrations"] is enabled


async def _remote(api: Api, domain: str) -> None:
    uri = f"https://{domain}/users/x"
    async with api.services.sessions() as session, session.begin():
        session.add(Actor(username="x", domain=domain, uri=uri, inbox_url=f"{uri}/inbox"))


async def test_peers_are_known_domains_less_suspended_ones(api: Api) -> None:
    for domain in ("a.example", "b.example", "spam.bad.example"):
        await _remote(api, domain)
    async with api.services.sessions() as session, session.begin():
        session.add(DomainRule(domain="bad.example", policy="suspend"))
    assert await api.json("GET", "/api/v1/instance/peers") == ["a.example", "b.example"]
    assert (await api.json("GET", "/api/v1/instance"))["stats"]["domain_count"] == 2


async def test_in_allowlist_mode_peers_and_activity_are_for_members(api: Api) -> None:
    await api.member("ana")
    await _remote(api, "partner.example")
    async with api.services.sessions() as session, session.begin():
        session.add(DomainRule(domain="partner.example", policy="allow"))
    await _remote(api, "other.example")
    await api.setting("federation_mode", "allowlist")
    for path in ("/api/v1/instance/peers", "/api/v1/instance/activity"):
        assert (await api.request("GET", path)).status == 401
    token = await api.token_for("ana", "read")
    assert await api.json("GET", "/api/v1/instance/peers", token) == ["partner.example"]


async def test_weekly_activity_counts_posts_logins_and_sign_ups(api: Api) -> None:
    ana = await api.member("ana")
    await api.token_for("ana", "read")
    await api.token_for("ana", "write")
    async with api.services.sessions() as session, session.begin():
        for _ in range(3):
            status_id = new_id()
            session.add(Status(id=status_id, uri=f"{ana.uri}/statuses/{status_id}", actor_id=ana.id,
                               local=True))
    weeks = await api.json("GET", "/api/v1/instance/activity")
    assert len(weeks) == 12 and int(weeks[0]["week"]) > int(weeks[1]["week"])
    assert weeks[0] | {"week": ""} == {"week": "", "statuses": "3", "logins": "1", "registrations": "1"}
    assert all(w["statuses"] == "0" for w in weeks[1:])
