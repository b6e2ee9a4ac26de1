"""/about and the policy pages: HTML for browsers, JSON on request, escaped, script-free,
and open to anonymous visitors even in allowlist mode."""

from __future__ import annotations

from storage.models import DomainRule
from tests.ui.client_api import Api

HOSTILE = "<script>alert(1)</script><img src=x onerror=alert(2)>"
JSON = {"Accept": "application/json"}


async def page(api: Api, path: str, status: int = 200) -> str:
    response = await api.client.get(path, headers={"Accept": "text/html"})
    assert response.status == status
    text = await response.text()
    assert "<script" not in text.lower()
    if status == 200:
        assert response.content_type == "text/html"
        assert "script-src" not in response.headers["Content-Security-Policy"]
        assert "default-src 'none'" in response.headers["Content-Security-Policy"]
    return text


async def test_about_shows_the_instance_settings(api: Api) -> None:
    await api.setting("title", "Tea House")
    await api.setting("description", "We **like** tea.")
    await api.setting("rules", ["Be kind", "No spam"])
    await api.setting("contact_email", "admin@tea.example")
    await api.setting("registration_mode", "approval")
    text = await page(api, "/about")
    assert '<html lang="en">' in text and 'href="#main"' in text and '<main id="main">' in text
    assert "<h1>About Tea House</h1>" in text and "<strong>like</strong>" in text
    assert "<li>Be kind</li>" in text and "<li>No spam</li>" in text
    assert "mailto:admin@tea.example" in text and "wait for a moderator" in text
    assert 'href="/privacy-policy"' in text and 'href="/terms"' not in text


async def test_about_escapes_a_hostile_description_title_and_rule(api: Api) -> None:
    await api.setting("description", HOSTILE)
    await api.setting("title", "<b>T</b>")
    await api.setting("rules", [HOSTILE])
    text = await page(api, "/about")
    assert "<img" not in text and "&lt;img src=x" in text
    assert "<b>T</b>" not in text and "&lt;b&gt;T&lt;/b&gt;" in text


async def test_about_as_json(api: Api) -> None:
    await api.setting("rules", ["Be kind"])
    await api.setting("federation_mode", "allowlist")
    response = await api.client.get("/about", headers=JSON)
    assert response.status == 200 and response.content_type == "application/json"
    body = await response.json()
    assert body["rules"] == ["Be kind"] and body["federation_mode"] == "allowlist"
    assert body["domain"] == "amity.test" and body["registration_mode"] == "approval"
    assert response.headers["Vary"] == "Accept"


async def test_json_only_when_preferred(api: Api) -> None:
    response = await api.client.get("/about", headers={"Accept": "text/html, application/json;q=0.5"})
    assert response.content_type == "text/html"
    response = await api.client.get("/about", headers={"Accept": "application/json, text/html;q=0.9"})
    assert response.content_type == "application/json"
    for accept in ("*/*", "application/json, text/html", "application/json;q=bad, */*"):
        response = await api.client.get("/about/moderation", headers={"Accept": accept})
        assert response.content_type == "text/html", accept
        assert response.headers["Vary"] == "Accept"
    response = await api.client.head("/about")
    assert response.status == 200 and response.content_type == "text/html"


async def test_policy_pages(api: Api) -> None:
    text = await page(api, "/privacy-policy")
    assert "<h1>Privacy policy</h1>" in text and "amity.test runs Amity" in text
    await page(api, "/terms", status=404)
    response = await api.client.get("/terms", headers=JSON)
    assert response.status == 404 and (await response.json())["error"].startswith("There are no terms")
    await api.setting("terms_of_service", "# Terms\n\nBe " + HOSTILE)
    text = await page(api, "/terms")
    assert "<h1>Terms of service</h1>" in text and "<img" not in text
    assert 'href="/terms"' in await page(api, "/about")
    body = await (await api.client.get("/terms", headers=JSON)).json()
    assert body["heading"] == "terms" and "<strong>Terms</strong>" in body["content"]
    assert "<img" not in body["content"] and "&lt;img src=x" in body["content"]


async def test_anonymous_visitors_see_the_pages_in_allowlist_mode(api: Api) -> None:
    await api.setting("federation_mode", "allowlist")
    await api.setting("authorized_fetch", True)
    async with api.services.sessions() as session, session.begin():
        session.add(DomainRule(domain="friend.example", policy="allow"))
    for path in ("/about", "/about/moderation", "/privacy-policy", "/static/web/amity.css"):
        response = await api.client.get(path)
        assert response.status == 200, path
    assert "only with the partner servers" in await page(api, "/about")
    assert "friend.example" in await page(api, "/about/moderation")
