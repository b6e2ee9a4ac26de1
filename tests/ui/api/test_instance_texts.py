"""The instance's extended description, privacy policy and terms of service, from settings."""

from __future__ import annotations

from tests.ui.api.schemas import EXTENDED_DESCRIPTION, PRIVACY_POLICY, TERMS_OF_SERVICE, assert_entity
from tests.ui.client_api import Api

INSTANCE = "/api/v1/instance"


async def test_texts_come_from_settings_as_sanitized_html(api: Api) -> None:
    empty = await api.json("GET", f"{INSTANCE}/extended_description")
    assert empty == {"updated_at": None, "content": ""}
    default = await api.json("GET", f"{INSTANCE}/privacy_policy")
    assert_entity(default, PRIVACY_POLICY)
    assert "amity.test runs Amity" in default["content"] and "<br" not in default["content"]
    assert (await api.request("GET", f"{INSTANCE}/terms_of_service")).status == 404

    await api.setting("description", "We **grow** things <script>alert(1)</script>")
    await api.setting("privacy_policy", "# Ours\n\nWe keep *nothing*.")
    await api.setting("terms_of_service", "1. Be kind")
    described = await api.json("GET", f"{INSTANCE}/extended_description")
    assert_entity(described, EXTENDED_DESCRIPTION)
    assert "<strong>grow</strong>" in described["content"] and "<script>" not in described["content"]
    policy = await api.json("GET", f"{INSTANCE}/privacy_policy")
    assert "<em>nothing</em>" in policy["content"] and "amity.test" not in policy["content"]
    terms = await api.json("GET", f"{INSTANCE}/terms_of_service")
    assert_entity(terms, TERMS_OF_SERVICE)
    assert "<li>Be kind</li>" in terms["content"] and terms["effective"] is True
    assert terms["effective_date"] == described["updated_at"][:10]
