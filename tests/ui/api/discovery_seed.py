"""What `test_entity_shapes` seeds and checks for the discovery endpoints (conversations,
preferences, suggestions, the directory, trends, announcements), kept here so that module
only gains two lines."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from actors.accounts import announcements
from storage.models import Actor, PreviewCard, StatusCard
from tests.ui.api import discovery_schemas as d
from tests.ui.api import schemas as s
from tests.ui.api.timeline_helpers import add, follow
from tests.ui.client_api import Api

DISCOVERY_SHAPES: dict[str, tuple[str, Any, str | None]] = {
    "/api/v1/conversations": ("/api/v1/conversations", s.ListOf(d.CONVERSATION), "ana"),
    "/api/v1/preferences": ("/api/v1/preferences", d.PREFERENCES, "ana"),
    "/api/v2/suggestions": ("/api/v2/suggestions", s.ListOf(d.SUGGESTION), "ana"),
    "/api/v1/suggestions": ("/api/v1/suggestions", s.ListOf(s.ACCOUNT), "ana"),
    "/api/v1/directory": ("/api/v1/directory", s.ListOf(s.ACCOUNT), None),
    "/api/v1/trends/tags": ("/api/v1/trends/tags", s.ListOf(d.TREND_TAG), None),
    "/api/v1/trends": ("/api/v1/trends", s.ListOf(d.TREND_TAG), None),
    "/api/v1/trends/statuses": ("/api/v1/trends/statuses", s.ListOf(s.VIEWER_STATUS), "ana"),
    "/api/v1/trends/links": ("/api/v1/trends/links", s.ListOf(d.TREND_LINK), None),
    "/api/v1/announcements": ("/api/v1/announcements", s.ListOf(d.ANNOUNCEMENT), "ana"),
}


async def seed_discovery(api: Api, tokens: dict[str, str]) -> None:
    """gus, hal and ivy (discoverable, followed by bob) post #Trending with a link card; ana,
    bob and gus favourite ivy's post; ana writes bob a direct message; one announcement."""
    bob = await api.member("bob2")  # a follower of the three, so ana is suggested them
    app = await api.register_app()
    card = PreviewCard(url="https://news.example/story", title="Story")
    await add(api, card)
    posts = []
    for name in ("gus", "hal", "ivy"):
        actor = await api.member(name, discoverable=True)
        await follow(api, bob, actor)
        token = await api.password_token(app, name)
        posts.append(await api.json("POST", "/api/v1/statuses", token, json={"status": "#Trending now"}))
        await add(api, StatusCard(status_id=int(posts[-1]["id"]), card_id=card.id))
    await follow(api, await _local(api, "ana"), bob)
    for token in (tokens["ana"], tokens["bob"], await api.password_token(app, "gus")):
        await api.json("POST", f"/api/v1/statuses/{posts[-1]['id']}/favourite", token)
    await api.json("POST", "/api/v1/statuses", tokens["ana"],
                   json={"status": "@bob psst", "visibility": "direct"})
    async with api.services.sessions() as session, session.begin():
        await announcements.add(session, "Welcome to the node")



async def _local(api: Api, username: str) -> Actor:
    async with api.services.sessions() as session:
        found = await session.scalar(select(Actor).where(Actor.username == username, Actor.domain.is_(None)))
    assert found is not None
    return found
