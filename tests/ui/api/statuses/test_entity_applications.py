"""A status shows the app it was posted with (`application: {name, website}`), loaded with one
query for a whole page; statuses without one (remote, boosts, a deleted app) show null."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import delete, event, select
from sqlalchemy.ext.asyncio import AsyncEngine

from storage.models import OAuthApplication, Status
from tests.ui.api.schemas import STATUS, VIEWER_STATUS, assert_entity
from tests.ui.client_api import PASSWORD, Api

STATUSES = "/api/v1/statuses"


@contextmanager
def app_queries(engine: AsyncEngine) -> Iterator[list[str]]:
    """Statements that read `oauth_applications`."""
    seen: list[str] = []

    def count(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if "FROM oauth_applications" in statement:
            seen.append(statement)

    event.listen(engine.sync_engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", count)


async def _app_token(api: Api, username: str, name: str, website: str | None) -> str:
    data = {"client_name": name, "scopes": "read write", "redirect_uris": "urn:ietf:wg:oauth:2.0:oob"}
    if website is not None:
        data["website"] = website
    app = await api.json("POST", "/api/v1/apps", data=data)
    response = await api.client.post("/oauth/token", data={
        "grant_type": "password", "client_id": app["client_id"], "client_secret": app["client_secret"],
        "username": f"{username}@example.org", "password": PASSWORD, "scope": "read write"})
    assert response.status == 200, await response.text()
    return str((await response.json())["access_token"])


async def test_a_status_shows_the_app_it_was_posted_with(any_api: Api) -> None:
    api = any_api
    await api.member("alice")
    await api.member("bob")
    phone = await _app_token(api, "alice", "Garden Phone", "https://phone.example")
    posted = await api.json("POST", STATUSES, phone, data={"status": "from my phone"})
    assert_entity(posted, VIEWER_STATUS)
    assert posted["application"] == {"name": "Garden Phone", "website": "https://phone.example"}
    async with api.services.sessions() as db:
        stored = await db.get(Status, int(posted["id"]))
        app_id = await db.scalar(select(OAuthApplication.id).where(OAuthApplication.name == "Garden Phone"))
    assert stored is not None and stored.application_id == app_id
    bob = await api.token_for("bob")
    seen_by_bob = await api.json("GET", f"{STATUSES}/{posted['id']}", bob)
    anonymous = await api.json("GET", f"{STATUSES}/{posted['id']}")
    assert_entity(anonymous, STATUS)
    assert seen_by_bob["application"] == anonymous["application"] == posted["application"]  # as Mastodon 4.3
    boost = await api.json("POST", f"{STATUSES}/{posted['id']}/reblog", bob)
    assert boost["application"] is None and boost["reblog"]["application"]["name"] == "Garden Phone"


async def test_a_page_loads_its_apps_in_one_query(any_api: Api) -> None:
    api = any_api
    alice = await api.member("alice")
    tokens = [await _app_token(api, "alice", f"App {n}", None) for n in range(3)]
    for n, token in enumerate(tokens * 2):
        await api.json("POST", STATUSES, token, data={"status": f"post {n}"})
    async with api.services.sessions() as db, db.begin():  # one app deleted: its posts show none
        await db.execute(delete(OAuthApplication).where(OAuthApplication.name == "App 0"))
    reader = await api.token_for("alice")
    with app_queries(api.services.engine) as queries:
        page = await api.json("GET", f"/api/v1/accounts/{alice.id}/statuses", reader)
    assert len(queries) == 1
    names = [None if s["application"] is None else s["application"]["name"] for s in page]
    assert sorted(names, key=str) == ["App 1", "App 1", "App 2", "App 2", None, None]
    assert all(s["application"] is None or s["application"]["website"] is None for s in page)
