"""Refresh tokens (RFC 6749 section 6): each works once and rotates; and `/oauth/userinfo`."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from storage.models import OAuthAccessToken
from tests.ui.api.schemas import TOKEN, URL, assert_entity
from tests.ui.client_api import CALLBACK, PASSWORD, Api
from tests.ui.oauth.test_token import code_for, exchange

REFRESHABLE = {**TOKEN, "refresh_token": str}
VERIFY = "/api/v1/accounts/verify_credentials"
USERINFO = {"iss": URL, "sub": URL, "name": str, "preferred_username": str, "profile": URL, "picture": URL}


async def _password_grant(api: Api, app: dict[str, Any], scope: str = "read write") -> dict[str, Any]:
    response = await api.client.post("/oauth/token", data={
        "grant_type": "password", "client_id": app["client_id"], "client_secret": app["client_secret"],
        "username": "ana@example.org", "password": PASSWORD, "scope": scope})
    assert response.status == 200
    return dict(await response.json())


async def _refresh(api: Api, app: dict[str, Any], refresh_token: str, **extra: str) -> Any:
    return await api.client.post("/oauth/token", data={
        "grant_type": "refresh_token", "client_id": app["client_id"], "client_secret": app["client_secret"],
        "refresh_token": refresh_token, **extra})


async def _issued(api: Api) -> int:
    return await api.count(OAuthAccessToken)


async def test_a_refresh_token_yields_a_new_token_once(any_api: Api) -> None:
    api = any_api
    await api.member("ana")
    app = await api.register_app()
    first = await _password_grant(api, app)
    assert_entity(first, REFRESHABLE)
    response = await _refresh(api, app, first["refresh_token"])
    assert response.status == 200 and response.headers["Cache-Control"] == "no-store"
    second = await response.json()
    assert_entity(second, REFRESHABLE)
    assert second["scope"] == "read write"
    assert second["access_token"] != first["access_token"]
    assert second["refresh_token"] != first["refresh_token"]
    assert (await api.request("GET", VERIFY, second["access_token"])).status == 200
    assert (await api.request("GET", VERIFY, first["access_token"])).status == 401  # rotated out

    before = await _issued(api)
    again = await _refresh(api, app, first["refresh_token"])  # the old refresh token, reused
    assert again.status == 400 and (await again.json())["error"] == "invalid_grant"
    assert await _issued(api) == before
    assert (await api.request("GET", VERIFY, second["access_token"])).status == 200
    third = await _refresh(api, app, second["refresh_token"])  # the new one works, once
    assert third.status == 200


async def test_tokens_are_stored_as_digests_only(api: Api) -> None:
    await api.member("ana")
    app = await api.register_app()
    issued = await _password_grant(api, app)
    async with api.services.sessions() as session:
        rows = (await session.scalars(select(OAuthAccessToken))).all()
    stored = {value for row in rows for value in (row.token_hash, row.refresh_token_hash)}
    assert issued["refresh_token"] not in stored and issued["access_token"] not in stored
    assert all(row.refresh_token_hash and len(row.refresh_token_hash) == 64 for row in rows)


async def test_refresh_is_refused_for_another_app_unknown_tokens_and_wider_scopes(api: Api) -> None:
    await api.member("ana")
    app, other = await api.register_app(), await api.register_app()
    issued = await _password_grant(api, app, scope="read")
    before = await _issued(api)
    refresh = issued["refresh_token"]
    for who, value, extra, error in ((other, refresh, {}, "invalid_grant"),
                                     (app, "not-a-refresh-token", {}, "invalid_grant"),
                                     (app, issued["access_token"], {}, "invalid_grant"),
                                     (app, refresh, {"scope": "read write"}, "invalid_scope")):
        response = await _refresh(api, who, value, **extra)
        assert response.status == 400 and (await response.json())["error"] == error, (value, extra)
    response = await api.client.post("/oauth/token", data={"grant_type": "refresh_token",
                                                           "refresh_token": issued["refresh_token"]})
    assert response.status == 401 and (await response.json())["error"] == "invalid_client"
    assert await _issued(api) == before
    narrower = await _refresh(api, app, issued["refresh_token"], scope="read:statuses")
    assert narrower.status == 200 and (await narrower.json())["scope"] == "read:statuses"


async def test_codes_give_refresh_tokens_and_app_tokens_none(api: Api) -> None:
    await api.member("ana")
    await api.sign_in("ana")
    app = await api.register_app(redirect_uris=CALLBACK)
    code = await code_for(api, app)
    issued = await (await api.client.post("/oauth/token", data=exchange(app, code))).json()
    assert_entity(issued, REFRESHABLE)
    own = await (await api.client.post("/oauth/token", data={
        "grant_type": "client_credentials", "client_id": app["client_id"],
        "client_secret": app["client_secret"]})).json()
    assert "refresh_token" not in own


async def test_revoking_a_refresh_token_revokes_its_token(api: Api) -> None:
    await api.member("ana")
    app = await api.register_app()
    issued = await _password_grant(api, app)
    response = await api.client.post("/oauth/revoke", data={
        "client_id": app["client_id"], "client_secret": app["client_secret"],
        "token": issued["refresh_token"]})
    assert response.status == 200
    assert (await api.request("GET", VERIFY, issued["access_token"])).status == 401
    assert (await _refresh(api, app, issued["refresh_token"])).status == 400


async def test_userinfo_names_the_member_with_the_profile_scope(api: Api) -> None:
    ana = await api.member("ana", display_name="Ana B")
    app = await api.register_app(scopes="read profile")
    token = await api.password_token(app, "ana", scope="profile")
    for method in ("GET", "POST"):
        body = await api.json(method, "/oauth/userinfo", token)
        assert_entity(body, USERINFO)
        assert body["sub"] == ana.uri and body["preferred_username"] == "ana" and body["name"] == "Ana B"
        assert body["iss"] == f"{api.config.base_url}/" and body["profile"].endswith("/@ana")
    read_only = await api.password_token(app, "ana", scope="read")
    assert (await api.request("GET", "/oauth/userinfo", read_only)).status == 403
    assert (await api.request("GET", "/oauth/userinfo")).status == 401
