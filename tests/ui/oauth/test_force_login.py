"""`force_login=true` on the authorize page: a GET shows the sign-in form and changes no
session; the session in force is replaced only when the form is posted."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from sqlalchemy import select

from storage.models import BrowserSession
from tests.ui.client_api import ALL, CALLBACK, Api, csrf_of, hidden_fields

SESSION_COOKIE = "amity_session"  # the test node is plain http: no __Host- prefix


def _authorize_url(app: dict[str, Any], **params: str) -> str:
    query = {"response_type": "code", "client_id": app["client_id"], "redirect_uri": CALLBACK,
             "scope": "read", **params}
    return f"/oauth/authorize?{urlencode(query)}"


async def _sessions(api: Api) -> list[tuple[int, int, str]]:
    async with api.services.sessions() as db:
        rows = (await db.scalars(select(BrowserSession).order_by(BrowserSession.id))).all()
    return [(row.id, row.user_id, row.session_hash) for row in rows]


async def test_a_get_with_force_login_shows_the_form_and_leaves_the_session_alone(api: Api) -> None:
    await api.member("ana")
    await api.sign_in("ana")
    app = await api.register_app(redirect_uris=CALLBACK, scopes=ALL)
    before, cookie = await _sessions(api), api.client.session.cookie_jar.filter_cookies(
        api.client.make_url("/"))[SESSION_COOKIE].value
    response = await api.client.get(_authorize_url(app, force_login="true"), allow_redirects=False)
    page = await response.text()
    assert response.status == 200 and 'action="/auth/sign_in"' in page
    next_path = hidden_fields(page)["next"]
    assert next_path.startswith("/oauth/authorize?") and "force_login" not in next_path
    assert SESSION_COOKIE not in response.cookies  # neither set nor deleted
    assert await _sessions(api) == before
    jar = api.client.session.cookie_jar.filter_cookies(api.client.make_url("/"))
    assert jar[SESSION_COOKIE].value == cookie
    consent = await api.client.get(next_path)  # still signed in as before
    assert "@ana" in await consent.text()


async def test_posting_the_form_replaces_the_session_with_the_new_one(api: Api) -> None:
    await api.member("ana")
    await api.member("bob")
    await api.sign_in("ana")
    app = await api.register_app(redirect_uris=CALLBACK, scopes=ALL)
    [(old_id, _, _)] = await _sessions(api)
    form = await (await api.client.get(_authorize_url(app, force_login="true"))).text()
    signed = await api.client.post("/auth/sign_in", allow_redirects=False, data={
        "username": "bob", "password": "correct horse battery", "csrf_token": csrf_of(form),
        "next": hidden_fields(form)["next"]})
    assert signed.status == 303 and signed.headers["Location"].startswith("/oauth/authorize?")
    rows = await _sessions(api)
    assert len(rows) == 1 and rows[0][0] != old_id  # ana's session ended, bob's began
    consent = await api.client.get(signed.headers["Location"])
    assert "@bob" in await consent.text()
