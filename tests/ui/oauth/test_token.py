"""The token endpoint: codes with PKCE, client credentials, the password grant, revocation."""

from __future__ import annotations

import base64
from datetime import timedelta
from typing import Any
from urllib.parse import urlencode

import pytest
from sqlalchemy import select, update

from storage.models import OAuthAccessToken, OAuthAuthorizationCode, utcnow
from tests.ui.api.schemas import TOKEN, assert_entity
from tests.ui.client_api import ALL, CALLBACK, Api, hidden_fields, pkce_pair, query_of

MemberApp = tuple[Api, dict[str, Any]]


async def code_for(api: Api, app: dict[str, Any], *, scope: str = "read", **params: str) -> str:
    """Sign-in session assumed; approve the consent page and return the code."""
    query = {"response_type": "code", "client_id": app["client_id"], "redirect_uri": CALLBACK, "scope": scope,
             **params}
    page = await api.client.get(f"/oauth/authorize?{urlencode(query)}")
    fields = {**hidden_fields(await page.text()), "decision": "approve"}
    response = await api.client.post("/oauth/authorize", data=fields, allow_redirects=False)
    return query_of(response.headers["Location"])["code"]


def exchange(app: dict[str, Any], code: str, **extra: str) -> dict[str, str]:
    return {"grant_type": "authorization_code", "client_id": app["client_id"],
            "client_secret": app["client_secret"], "code": code, "redirect_uri": CALLBACK, **extra}


async def _post_token(api: Api, data: dict[str, str], status: int, error: str | None = None) -> Any:
    response = await api.client.post("/oauth/token", data=data)
    body = await response.json()
    assert response.status == status, body
    if error is not None:
        assert body["error"] == error and body["error_description"]
    assert response.headers["Cache-Control"] == "no-store"
    return body


@pytest.fixture
async def member_app(api: Api) -> MemberApp:
    await api.member("ana")
    await api.sign_in("ana")
    return api, await api.register_app(redirect_uris=CALLBACK)


async def _tokens(api: Api) -> int:
    return await api.count(OAuthAccessToken)


async def test_a_code_with_an_s256_verifier_gives_a_token(member_app: MemberApp) -> None:
    api, app = member_app
    verifier, challenge = pkce_pair()
    code = await code_for(api, app, scope="read write", code_challenge=challenge,
                          code_challenge_method="S256")
    body = await _post_token(api, exchange(app, code, code_verifier=verifier), 200)
    assert_entity(body, TOKEN)
    assert body["token_type"] == "Bearer" and body["scope"] == "read write"
    me = await api.json("GET", "/api/v1/accounts/verify_credentials", body["access_token"])
    assert me["username"] == "ana"


async def test_plain_pkce_works_too(member_app: MemberApp) -> None:
    api, app = member_app
    verifier, _ = pkce_pair()
    code = await code_for(api, app, code_challenge=verifier, code_challenge_method="plain")
    await _post_token(api, exchange(app, code, code_verifier=verifier), 200)


async def test_a_code_without_pkce_works_without_a_verifier(member_app: MemberApp) -> None:
    api, app = member_app
    await _post_token(api, exchange(app, await code_for(api, app)), 200)


@pytest.mark.parametrize("verifier", ["", "w" * 43, "bad verifier!"])
async def test_a_wrong_or_missing_verifier_issues_nothing(member_app: MemberApp,
                                                          verifier: str) -> None:
    api, app = member_app
    _, challenge = pkce_pair()
    code = await code_for(api, app, code_challenge=challenge, code_challenge_method="S256")
    await _post_token(api, exchange(app, code, code_verifier=verifier), 400, "invalid_grant")
    assert await _tokens(api) == 0
    async with api.services.sessions() as session:  # the code is not burnt by a wrong guess
        assert (await session.scalar(select(OAuthAuthorizationCode.used_at))) is None


async def test_a_verifier_for_a_code_without_a_challenge_is_refused(member_app: MemberApp
                                                                    ) -> None:
    api, app = member_app
    verifier, _ = pkce_pair()
    code = await code_for(api, app)
    await _post_token(api, exchange(app, code, code_verifier=verifier), 400, "invalid_grant")
    assert await _tokens(api) == 0


async def test_a_reused_code_is_refused_and_revokes_what_it_gave(member_app: MemberApp) -> None:
    api, app = member_app
    code = await code_for(api, app)
    first = await _post_token(api, exchange(app, code), 200)
    await _post_token(api, exchange(app, code), 400, "invalid_grant")
    assert await _tokens(api) == 1  # nothing new
    response = await api.request("GET", "/api/v1/accounts/verify_credentials", first["access_token"])
    assert response.status == 401


async def test_an_expired_code_is_refused(member_app: MemberApp) -> None:
    api, app = member_app
    code = await code_for(api, app)
    async with api.services.sessions() as session, session.begin():
        await session.execute(update(OAuthAuthorizationCode).values(
            expires_at=utcnow() - timedelta(seconds=1)))
    await _post_token(api, exchange(app, code), 400, "invalid_grant")
    assert await _tokens(api) == 0


async def test_a_different_redirect_uri_at_exchange_is_refused(member_app: MemberApp) -> None:
    api, app = member_app
    code = await code_for(api, app)
    await _post_token(api, exchange(app, code, redirect_uri="https://evil.example/cb"), 400, "invalid_grant")
    await _post_token(api, {k: v for k, v in exchange(app, code).items() if k != "redirect_uri"}, 400,
                      "invalid_grant")
    assert await _tokens(api) == 0


async def test_another_apps_code_is_refused(member_app: MemberApp) -> None:
    api, app = member_app
    other = await api.register_app(redirect_uris=CALLBACK)
    code = await code_for(api, app)
    await _post_token(api, exchange(other, code), 400, "invalid_grant")
    assert await _tokens(api) == 0


async def test_a_wrong_client_secret_is_invalid_client(member_app: MemberApp) -> None:
    api, app = member_app
    code = await code_for(api, app)
    await _post_token(api, exchange(app, code, client_secret="wrong"), 401, "invalid_client")
    assert await _tokens(api) == 0


async def test_client_credentials_by_http_basic_and_json(api: Api) -> None:
    app = await api.register_app(scopes="read write")
    basic = base64.b64encode(f"{app['client_id']}:{app['client_secret']}".encode()).decode()
    response = await api.client.post("/oauth/token", headers={"Authorization": f"Basic {basic}"},
                                     json={"grant_type": "client_credentials", "scope": "write"})
    body = await response.json()
    assert response.status == 200 and body["scope"] == "write"
    async with api.services.sessions() as session:
        token = (await session.scalars(select(OAuthAccessToken))).one()
    assert token.user_id is None
    assert token.token_hash != body["access_token"] and body["access_token"] not in token.token_hash


async def test_client_credentials_default_to_read_and_stay_within_the_app(api: Api) -> None:
    app = await api.register_app(scopes="read")
    creds = {"grant_type": "client_credentials", "client_id": app["client_id"],
             "client_secret": app["client_secret"]}
    assert (await _post_token(api, creds, 200))["scope"] == "read"
    await _post_token(api, {**creds, "scope": "write"}, 400, "invalid_scope")
    assert await _tokens(api) == 1


async def test_the_password_grant_takes_the_email_or_username(api: Api) -> None:
    await api.member("ana")
    app = await api.register_app()
    for username in ("ana@example.org", "ANA"):
        body = await _post_token(api, {"grant_type": "password", "client_id": app["client_id"],
                                       "client_secret": app["client_secret"], "username": username,
                                       "password": "correct horse battery", "scope": ALL}, 200)
        assert body["scope"] == ALL


async def test_a_wrong_password_issues_nothing(api: Api) -> None:
    await api.member("ana")
    app = await api.register_app()
    await _post_token(api, {"grant_type": "password", "client_id": app["client_id"],
                            "client_secret": app["client_secret"], "username": "ana@example.org",
                            "password": "nope nope nope"}, 400, "invalid_grant")
    assert await _tokens(api) == 0


async def test_the_password_grant_can_be_turned_off(api: Api) -> None:
    await api.member("ana")
    app = await api.register_app()
    await api.setting("oauth_password_grant", False)  # before anything reads (and caches) it
    body = await _post_token(api, {"grant_type": "password", "client_id": app["client_id"],
                                   "client_secret": app["client_secret"], "username": "ana@example.org",
                                   "password": "correct horse battery"}, 400, "unsupported_grant_type")
    assert "turned off" in body["error_description"] and await _tokens(api) == 0
    metadata = await api.json("GET", "/.well-known/oauth-authorization-server")
    assert "password" not in metadata["grant_types_supported"]


@pytest.mark.parametrize(("data", "status", "error"), [
    ({}, 400, "invalid_request"),
    ({"grant_type": "implicit"}, 400, "unsupported_grant_type"),
    ({"grant_type": "client_credentials", "client_id": "nope", "client_secret": "x"}, 401, "invalid_client"),
])
async def test_bad_token_requests(api: Api, data: dict[str, str], status: int, error: str) -> None:
    await _post_token(api, data, status, error)


async def test_revoking_a_token_makes_it_401(api: Api) -> None:
    await api.member("ana")
    app = await api.register_app()
    token = await api.password_token(app, "ana")
    creds = {"client_id": app["client_id"], "client_secret": app["client_secret"], "token": token}
    for _ in range(2):  # idempotent
        response = await api.client.post("/oauth/revoke", data=creds)
        assert response.status == 200 and await response.json() == {}
    response = await api.request("GET", "/api/v1/accounts/verify_credentials", token)
    assert response.status == 401 and (await response.json())["error"] == "The access token was revoked"


async def test_an_app_cannot_revoke_another_apps_token(api: Api) -> None:
    await api.member("ana")
    app, other = await api.register_app(), await api.register_app()
    token = await api.password_token(app, "ana")
    response = await api.client.post("/oauth/revoke", data={
        "client_id": other["client_id"], "client_secret": other["client_secret"], "token": token})
    assert response.status == 403 and (await response.json())["error"] == "unauthorized_client"
    assert (await api.request("GET", "/api/v1/accounts/verify_credentials", token)).status == 200


async def test_the_server_metadata_describes_the_endpoints(api: Api) -> None:
    body = await api.json("GET", "/.well-known/oauth-authorization-server")
    assert body["issuer"] == "http://amity.test/"
    assert body["token_endpoint"] == "http://amity.test/oauth/token"
    assert body["authorization_endpoint"] == "http://amity.test/oauth/authorize"
    assert body["grant_types_supported"] == ["authorization_code", "client_credentials", "refresh_token",
                                             "password"]
    assert body["userinfo_endpoint"] == "http://amity.test/oauth/userinfo"
    assert body["code_challenge_methods_supported"] == ["S256", "plain"]
    assert {"read", "write", "follow", "push", "admin:read", "admin:write", "read:statuses"} <= set(
        body["scopes_supported"])
