"""The home timeline's short-lived memories (`ui.recent`): a remembered token, and the domain
rules, stop being used after their documented number of seconds. The clock is injected."""

from __future__ import annotations

from sqlalchemy import update

from storage.models import DomainRule, OAuthAccessToken, TimelineEntry, utcnow
from tests.ui.api.timeline_helpers import add, remote, status
from tests.ui.client_api import Api
from ui.recent import RULES_MAX_AGE_S, TOKEN_MAX_AGE_S, recent_of

HOME = "/api/v1/timelines/home"


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _clock(api: Api) -> Clock:
    clock = Clock()
    recent_of(api.client.app).set_clock(clock)
    return clock


async def test_a_token_revoked_by_another_process_is_refused_within_the_window(any_api: Api) -> None:
    await any_api.member("ana")
    clock = _clock(any_api)
    token = await any_api.token_for("ana", "read")
    assert (await any_api.request("GET", HOME, token)).status == 200
    async with any_api.services.sessions() as session, session.begin():  # as another process would
        await session.execute(update(OAuthAccessToken).values(revoked_at=utcnow()))
    assert TOKEN_MAX_AGE_S <= 5
    clock.now += TOKEN_MAX_AGE_S - 0.1
    assert (await any_api.request("GET", HOME, token)).status == 200  # the documented window
    clock.now += 0.2
    response = await any_api.request("GET", HOME, token)
    assert response.status == 401 and (await response.json())["error"] == "The access token was revoked"
    clock.now += 100  # a refused token is never remembered
    assert (await any_api.request("GET", HOME, token)).status == 401


async def test_a_token_revoked_through_this_process_is_refused_at_once(any_api: Api) -> None:
    await any_api.member("ana")
    _clock(any_api)
    app = await any_api.register_app()
    token = await any_api.password_token(app, "ana")
    assert (await any_api.request("GET", HOME, token)).status == 200
    response = await any_api.client.post("/oauth/revoke", data={
        "client_id": app["client_id"], "client_secret": app["client_secret"], "token": token})
    assert response.status == 200
    assert (await any_api.request("GET", HOME, token)).status == 401


async def test_a_disabled_member_is_refused_within_the_window(any_api: Api) -> None:
    ana = await any_api.member("ana")
    clock = _clock(any_api)
    token = await any_api.token_for("ana", "read")
    assert (await any_api.request("GET", HOME, token)).status == 200
    await any_api.update_user(ana, disabled=True)
    clock.now += TOKEN_MAX_AGE_S + 0.1
    response = await any_api.request("GET", HOME, token)
    assert response.status == 403 and (await response.json())["error"] == "Your login is currently disabled"


async def test_scopes_are_checked_on_a_remembered_token(any_api: Api) -> None:
    await any_api.member("ana")
    _clock(any_api)
    token = await any_api.token_for("ana", "write")
    for _ in range(2):
        assert (await any_api.request("GET", HOME, token)).status == 403


async def test_a_new_domain_block_applies_to_home_within_the_window(any_api: Api) -> None:
    ana = await any_api.member("ana")
    clock = _clock(any_api)
    far = await remote(any_api, "zed", "far.example")
    post = await status(any_api, far, "from afar")
    await add(any_api, TimelineEntry(owner_id=ana.id, status_id=post.id))
    token = await any_api.token_for("ana", "read")
    assert len(await (await any_api.request("GET", HOME, token)).json()) == 1
    await add(any_api, DomainRule(domain="far.example", policy="suspend"))
    clock.now += RULES_MAX_AGE_S + 0.1
    assert await (await any_api.request("GET", HOME, token)).json() == []
