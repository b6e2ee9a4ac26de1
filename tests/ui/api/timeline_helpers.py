"""Rows for timeline, list and search tests: remote accounts, follows, statuses, tags, relations."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select

from storage.models import ACCEPTED, Actor, Follow, Status, StatusTag, Tag
from storage.models.base import new_id
from tests.ui.client_api import Api
from ui.api.status_cache import cache_of


async def remote(api: Api, name: str, domain: str = "remote.example", **fields: Any) -> Actor:
    uri = f"https://{domain}/users/{name}"
    actor = Actor(username=name, domain=domain, uri=uri, inbox_url=f"{uri}/inbox",
                  url=f"https://{domain}/@{name}", **fields)
    await add(api, actor)
    return actor


async def add(api: Api, *rows: Any) -> None:
    async with api.services.sessions() as session, session.begin():
        session.add_all(rows)


async def follow(api: Api, follower: Actor, followee: Actor, state: str = ACCEPTED) -> Follow:
    row = Follow(id=new_id(), follower_id=follower.id, followee_id=followee.id, state=state,
                 uri=f"{follower.uri}#follows/{followee.id}")
    await add(api, row)
    return row


async def status(api: Api, author: Actor, text: str = "hi", *, visibility: str = "public",
                 tags: tuple[str, ...] = (), published_at: datetime | None = None, **fields: Any) -> Status:
    status_id = new_id()
    row = Status(id=status_id, uri=f"{author.uri}/statuses/{status_id}", actor_id=author.id,
                 local=author.domain is None, visibility=visibility, content=f"<p>{text}</p>", **fields)
    if published_at is not None:
        row.published_at = published_at
    async with api.services.sessions() as session, session.begin():
        session.add(row)
        await session.flush()
        for name in tags:
            tag_id = await session.scalar(select(Tag.id).where(Tag.name == name.lower()))
            if tag_id is None:
                tag_id = new_id()
                session.add(Tag(id=tag_id, name=name.lower(), display_name=name))
                await session.flush()
            session.add(StatusTag(status_id=status_id, tag_id=tag_id))
    return row


def forget_rendered(api: Api) -> None:
    """Empty the app's cache of rendered statuses and accounts (`ui.api.status_cache`)."""
    cache = cache_of(api.client.app)
    cache.statuses.items.clear()
    cache.accounts.items.clear()
