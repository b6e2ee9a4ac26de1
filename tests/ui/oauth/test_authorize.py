"""Authorization: sign in, consent, a one-time code to a registered redirect URI only."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

import pytest
from aiohttp import ClientResponse
from sqlalchemy import select

from storage.models import OAuthAuthorizationCode
from tests.ui.client_api import CALLBACK, OOB, Api, csrf_of, hidden_fields, pkce_pair, query_of


def _authorize_url(app: dict[str, Any], **params: str) -> str:
    query = {"response_type": "code", "client_id": app["client_id"], "redirect_uri": CALLBACK,
             "scope": "read", **params}
    return f"/oauth/authorize?{urlencode(query)}"


async def _consent(api: Api, url: str) -> tuple[ClientResponse, str]:
    page = await api.client.get(url, allow_redirects=False)
    return page, await page.text()


async def _approve(api: Api, html: str, decision: str = "approve", **overrides: str) -> ClientResponse:
    fields = {**hidden_fields(html), "decision": decision, **overrides}
    return await api.client.post("/oauth/authorize", data=fields, allow_redirects=False)


@pytest.fixture
async def signed_in(api: Api) -> Api:
    await api.member("ana")
    await api.sign_in("ana")
    return api


async def test_without_a_session_the_browser_goes_to_sign_in_and_comes_back(api: Api) -> None:
    await api.member("ana")
    app = await api.register_app(redirect_uris=CALLBACK)
    url = _authorize_url(app, state="s1")
    first = await api.client.get(url, allow_redirects=False)
    assert first.status == 303 and first.headers["Location"].startswith("/auth/sign_in?next=")
    page = await api.client.get(first.headers["Location"])
    text = await page.text()
    signed = await api.client.post("/auth/sign_in", allow_redirects=False, data={
        "username": "ana@example.org", "password": "correct horse battery", "csrf_token": csrf_of(text),
        "next": hidden_fields(text)["next"]})
    back = signed.headers["Location"]
    assert back.startswith("/oauth/authorize?") and query_of(back) == query_of(url)
    consent = await api.client.get(url)
    assert "Test app" in await consent.text() and "Authorize" in await consent.text()


async def test_approving_redirects_with_a_code_and_the_state(signed_in: Api) -> None:
    api = signed_in
    app = await api.register_app(redirect_uris=f"{OOB}\n{CALLBACK}")
    page, html = await _consent(api, _authorize_url(app, state="xyz", scope="read write"))
    assert page.status == 200 and hidden_fields(html)["scope"] == "read write"
    response = await _approve(api, html)
    assert response.status == 302
    location = response.headers["Location"]
    assert location.startswith(f"{CALLBACK}?")
    query = query_of(location)
    assert query["state"] == "xyz" and len(query["code"]) >= 43
    assert await api.count(OAuthAuthorizationCode) == 1


async def test_the_consent_page_lets_its_form_reach_the_apps_redirect(signed_in: Api) -> None:
    app = await signed_in.register_app(redirect_uris=CALLBACK)
    page, html = await _consent(signed_in, _authorize_url(app))
    assert "form-action 'self' https://app.example;" in page.headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in page.headers["Content-Security-Policy"]
    assert "read your account" in html


async def test_oob_shows_the_code_on_the_page(signed_in: Api) -> None:
    app = await signed_in.register_app(redirect_uris=OOB)
    _, html = await _consent(signed_in, _authorize_url(app, redirect_uri=OOB))
    response = await _approve(signed_in, html)
    assert response.status == 200 and 'id="code"' in await response.text()
    assert "Location" not in response.headers


async def test_denying_redirects_with_access_denied_and_issues_no_code(signed_in: Api) -> None:
    app = await signed_in.register_app(redirect_uris=CALLBACK)
    _, html = await _consent(signed_in, _authorize_url(app, state="s"))
    response = await _approve(signed_in, html, decision="deny")
    assert query_of(response.headers["Location"]) | {"error_description": ""} == {
        "error": "access_denied", "state": "s", "error_description": ""}
    assert await signed_in.count(OAuthAuthorizationCode) == 0


async def test_an_unregistered_redirect_uri_is_shown_an_error_never_redirected(signed_in: Api) -> None:
    app = await signed_in.register_app(redirect_uris=CALLBACK)
    for uri in ("https://evil.example/steal", f"{CALLBACK}/more", "https://app.example/callback?x=1"):
        page, html = await _consent(signed_in, _authorize_url(app, redirect_uri=uri))
        assert page.status == 400 and "Location" not in page.headers
        assert "does not match" in html
    # Posting the consent form with a swapped redirect_uri is refused the same way.
    _, html = await _consent(signed_in, _authorize_url(app))
    response = await _approve(signed_in, html, redirect_uri="https://evil.example/steal")
    assert response.status == 400 and "Location" not in response.headers
    assert await signed_in.count(OAuthAuthorizationCode) == 0


async def test_an_unknown_client_is_shown_an_error(signed_in: Api) -> None:
    page, html = await _consent(signed_in, _authorize_url({"client_id": "nope"}))
    assert page.status == 400 and "Location" not in page.headers and "unknown client_id" in html


async def test_a_scope_the_app_did_not_register_goes_back_as_invalid_scope(signed_in: Api) -> None:
    app = await signed_in.register_app(redirect_uris=CALLBACK, scopes="read")
    page, _ = await _consent(signed_in, _authorize_url(app, scope="read write", state="s"))
    assert page.status == 302 and query_of(page.headers["Location"])["error"] == "invalid_scope"
    _, html = await _consent(signed_in, _authorize_url(app))
    response = await _approve(signed_in, html, scope="admin:write")
    assert query_of(response.headers["Location"])["error"] == "invalid_scope"
    assert await signed_in.count(OAuthAuthorizationCode) == 0


@pytest.mark.parametrize(("params", "error"), [
    ({"response_type": "token"}, "unsupported_response_type"),
    ({"code_challenge": "short"}, "invalid_request"),
    ({"code_challenge": "a" * 43, "code_challenge_method": "S512"}, "invalid_request"),
    ({"code_challenge_method": "S256"}, "invalid_request"),
])
async def test_malformed_requests_go_back_as_errors(signed_in: Api, params: dict[str, str],
                                                    error: str) -> None:
    app = await signed_in.register_app(redirect_uris=CALLBACK)
    page, _ = await _consent(signed_in, _authorize_url(app, **params))
    assert page.status == 302 and query_of(page.headers["Location"])["error"] == error


async def test_the_consent_post_needs_the_sessions_csrf_token(signed_in: Api) -> None:
    app = await signed_in.register_app(redirect_uris=CALLBACK)
    _, html = await _consent(signed_in, _authorize_url(app))
    missing = {k: v for k, v in hidden_fields(html).items() if k != "csrf_token"}
    response = await signed_in.client.post("/oauth/authorize", data={**missing, "decision": "approve"},
                                           allow_redirects=False)
    assert response.status == 403 and "Location" not in response.headers
    forged = await _approve(signed_in, html, csrf_token="f" * 43)
    assert forged.status == 403
    assert await signed_in.count(OAuthAuthorizationCode) == 0


async def test_the_consent_post_without_a_session_is_refused(api: Api) -> None:
    app = await api.register_app(redirect_uris=CALLBACK)
    response = await api.client.post("/oauth/authorize", allow_redirects=False, data={
        "client_id": app["client_id"], "redirect_uri": CALLBACK, "response_type": "code",
        "decision": "approve"})
    assert response.status == 403 and await api.count(OAuthAuthorizationCode) == 0


async def test_the_pkce_challenge_is_kept_with_the_code(signed_in: Api) -> None:
    app = await signed_in.register_app(redirect_uris=CALLBACK)
    _, challenge = pkce_pair()
    _, html = await _consent(signed_in, _authorize_url(app, code_challenge=challenge,
                                                       code_challenge_method="S256"))
    await _approve(signed_in, html)
    async with signed_in.services.sessions() as session:
        row = (await session.scalars(select(OAuthAuthorizationCode))).one()
    assert row.code_challenge == challenge and row.code_challenge_method == "S256"
