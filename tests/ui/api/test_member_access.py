"""Disabled, suspended, unapproved and unconfirmed members lose every API access, reads included,
and cannot get a new token either."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import update

from storage.models import Actor, OAuthAccessToken, utcnow
from tests.ui.client_api import CALLBACK, Api
from tests.ui.oauth.test_token import code_for, exchange

STATES: dict[str, tuple[dict[str, Any], str]] = {  # what changes on the User row, the error
    "disabled": ({"disabled": True}, "Your login is currently disabled"),
    "suspended": ({}, "Your login is currently disabled"),
    "pending": ({"approved": False}, "Your login is currently pending approval"),
    "unconfirmed": ({"confirmed_at": None}, "Your login is missing a confirmed e-mail address"),
}


async def _make(api: Api, actor: Actor, state: str) -> None:
    fields, _ = STATES[state]
    if fields:
        await api.update_user(actor, **fields)
    else:
        async with api.services.sessions() as session, session.begin():
            await session.execute(update(Actor).where(Actor.id == actor.id).values(suspended_at=utcnow()))


@pytest.mark.parametrize("state", list(STATES))
async def test_a_members_token_is_refused_for_reads_and_writes(api: Api, state: str) -> None:
    author = await api.member("author")
    status = await api.json("POST", "/api/v1/statuses", await api.token_for("author"), data={"status": "hi"})
    member = await api.member("ana")
    token = await api.token_for("ana")
    assert (await api.request("GET", f"/api/v1/statuses/{status['id']}", token)).status == 200
    await _make(api, member, state)
    message = STATES[state][1]
    for method, path, data in (("GET", f"/api/v1/statuses/{status['id']}", None),
                               ("GET", f"/api/v1/accounts/{author.id}/statuses", None),
                               ("GET", "/api/v1/timelines/public", None),
                               ("POST", "/api/v1/statuses", {"status": "still here"})):
        response = await api.request(method, path, token, data=data)
        assert response.status == 403, (path, await response.text())
        assert await response.json() == {"error": message}
    assert await api.count(OAuthAccessToken) == 2  # nothing new


@pytest.mark.parametrize("state", list(STATES))
async def test_the_password_grant_refuses_them(api: Api, state: str) -> None:
    member = await api.member("ana")
    app = await api.register_app()
    await _make(api, member, state)
    response = await api.client.post("/oauth/token", data={
        "grant_type": "password", "client_id": app["client_id"], "client_secret": app["client_secret"],
        "username": "ana", "password": "correct horse battery", "scope": "read"})
    assert response.status == 400 and (await response.json())["error"] == "invalid_grant"
    assert await api.count(OAuthAccessToken) == 0


@pytest.mark.parametrize("state", ["suspended", "pending"])
async def test_a_code_issued_before_the_change_gives_no_token(api: Api, state: str) -> None:
    member = await api.member("ana")
    await api.sign_in("ana")
    app = await api.register_app(redirect_uris=CALLBACK)
    code = await code_for(api, app)
    await _make(api, member, state)
    response = await api.client.post("/oauth/token", data=exchange(app, code))
    assert response.status == 400 and (await response.json())["error"] == "invalid_grant"
    assert await api.count(OAuthAccessToken) == 0
