"""Tokens and scopes on API endpoints, with Mastodon's status codes and messages; HTTP details
real clients rely on (trailing slashes, no User-Agent, CORS for browser apps)."""

from __future__ import annotations

import pytest
from sqlalchemy import select, update

from storage.models import Actor, OAuthAccessToken, utcnow
from tests.ui.client_api import Api

VERIFY = "/api/v1/accounts/verify_credentials"
OUT_OF_SCOPE = {"error": "This action is outside the authorized scopes"}


async def test_no_token_and_an_unknown_token_are_401(api: Api) -> None:
    assert await api.json("GET", VERIFY, status=401) == {"error": "The access token is invalid"}
    response = await api.request("GET", VERIFY, "not-a-token")
    assert response.status == 401 and 'error="invalid_token"' in response.headers["WWW-Authenticate"]


@pytest.mark.parametrize(("scope", "path", "allowed"), [
    ("read", VERIFY, True), ("read:accounts", VERIFY, True), ("profile", VERIFY, True),
    ("write", VERIFY, False), ("read:statuses", VERIFY, False),
    ("follow", "/api/v1/accounts/relationships?id[]=1", True),
    ("read:follows", "/api/v1/accounts/relationships?id[]=1", True),
    ("profile", "/api/v1/accounts/relationships?id[]=1", False),
    ("read:accounts", "/api/v1/accounts/relationships?id[]=1", False),
])
async def test_each_endpoint_checks_its_scope(api: Api, scope: str, path: str, allowed: bool) -> None:
    await api.member("ana")
    token = await api.token_for("ana", scope)
    response = await api.request("GET", path, token)
    if allowed:
        assert response.status == 200
    else:
        assert response.status == 403 and await response.json() == OUT_OF_SCOPE


async def test_update_credentials_needs_write_accounts(api: Api) -> None:
    ana = await api.member("ana", display_name="Ana")
    token = await api.token_for("ana", "read")
    assert await api.json("PATCH", "/api/v1/accounts/update_credentials", token, status=403,
                          data={"display_name": "Changed"}) == OUT_OF_SCOPE
    async with api.services.sessions() as session:
        assert await session.scalar(select(Actor.display_name).where(Actor.id == ana.id)) == "Ana"


async def test_an_app_token_is_not_a_member(api: Api) -> None:
    app = await api.register_app()
    token = await api.app_token(app)
    assert await api.json("GET", VERIFY, token, status=422) == {
        "error": "This method requires an authenticated user"}
    assert (await api.json("GET", "/api/v1/apps/verify_credentials", token))["name"] == "Test app"


async def test_a_disabled_or_unapproved_members_token_is_refused(api: Api) -> None:
    ana = await api.member("ana")
    token = await api.token_for("ana", "read")
    await api.update_user(ana, disabled=True)
    assert await api.json("GET", VERIFY, token, status=403) == {"error": "Your login is currently disabled"}
    await api.update_user(ana, disabled=False, approved=False)
    assert await api.json("GET", VERIFY, token, status=403) == {
        "error": "Your login is currently pending approval"}


async def test_a_revoked_token_is_401(api: Api) -> None:
    await api.member("ana")
    token = await api.token_for("ana", "read")
    async with api.services.sessions() as session, session.begin():
        await session.execute(update(OAuthAccessToken).values(revoked_at=utcnow()))
    assert await api.json("GET", VERIFY, token, status=401) == {"error": "The access token was revoked"}


async def test_public_endpoints_take_no_token_but_check_one_that_is_sent(api: Api) -> None:
    ana = await api.member("ana")
    path = f"/api/v1/accounts/{ana.id}"
    assert (await api.json("GET", path))["username"] == "ana"
    assert await api.json("GET", path, "bogus", status=401) == {"error": "The access token is invalid"}
    write_only = await api.token_for("ana", "write")
    assert await api.json("GET", path, write_only, status=403) == OUT_OF_SCOPE


async def test_the_token_may_come_as_a_query_parameter(api: Api) -> None:
    await api.member("ana")
    token = await api.token_for("ana", "read")
    assert (await api.json("GET", f"{VERIFY}?access_token={token}"))["username"] == "ana"


async def test_last_used_is_recorded_without_a_write_per_request(api: Api) -> None:
    await api.member("ana")
    token = await api.token_for("ana", "read")
    await api.json("GET", VERIFY, token)
    async with api.services.sessions() as session:
        first = await session.scalar(select(OAuthAccessToken.last_used_at))
    await api.json("GET", VERIFY, token)
    async with api.services.sessions() as session:
        second = await session.scalar(select(OAuthAccessToken.last_used_at))
    assert first is not None and second == first


async def test_paths_answer_with_and_without_a_trailing_slash(api: Api) -> None:
    for path in ("/api/v1/instance", "/api/v1/instance/", "/api/v2/instance/", "/api/v1/instance/rules/"):
        assert (await api.request("GET", path)).status == 200, path


async def test_requests_without_a_user_agent_are_served(api: Api) -> None:
    response = await api.client.get("/api/v1/instance", skip_auto_headers={"User-Agent"})
    assert response.status == 200


async def test_unknown_api_paths_are_json_404s(api: Api) -> None:
    response = await api.request("GET", "/api/v1/nothing-here")
    assert response.status == 404 and "error" in await response.json()


async def test_browser_apps_on_other_origins_may_call_the_api(api: Api) -> None:
    preflight = await api.client.options("/api/v1/accounts/verify_credentials", headers={
        "Origin": "https://elk.example", "Access-Control-Request-Method": "GET",
        "Access-Control-Request-Headers": "authorization"})
    assert preflight.status == 204
    assert preflight.headers["Access-Control-Allow-Origin"] == "*"
    assert "Authorization" in preflight.headers["Access-Control-Allow-Headers"]
    token_preflight = await api.client.options("/oauth/token")
    assert token_preflight.status == 204
    answer = await api.request("GET", "/api/v1/instance", headers={"Origin": "https://elk.example"})
    assert answer.headers["Access-Control-Allow-Origin"] == "*"
    assert "Link" in answer.headers["Access-Control-Expose-Headers"]
    error = await api.request("GET", VERIFY)
    assert error.headers["Access-Control-Allow-Origin"] == "*"


async def test_pages_with_cookies_do_not_allow_other_origins(api: Api) -> None:
    response = await api.client.get("/auth/sign_in")
    assert "Access-Control-Allow-Origin" not in response.headers
