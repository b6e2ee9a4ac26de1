"""Finding actors by their ids (`storage.queries`): the one place those queries live."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncEngine

from storage.db import session_maker
from storage.models import Actor
from storage.queries import actor_by_uri, actor_id_by_uri, actors_by_uris


async def test_an_actor_by_uri_local_or_remote(engine: AsyncEngine) -> None:
    local = Actor(username="ana", domain=None, uri="http://amity.test/users/ana",
                  inbox_url="http://amity.test/users/ana/inbox")
    remote = Actor(username="bo", domain="b.example", uri="https://b.example/users/bo",
                   inbox_url="https://b.example/users/bo/inbox")
    async with session_maker(engine)() as session, session.begin():
        session.add_all([local, remote])
    async with session_maker(engine)() as session:
        found = await actor_by_uri(session, local.uri)
        assert found is not None and found.id == local.id
        assert await actor_id_by_uri(session, remote.uri) == remote.id
        assert await actor_id_by_uri(session, local.uri, local=True) == local.id
        assert await actor_by_uri(session, local.uri, local=False) is None
        assert await actor_by_uri(session, remote.uri, local=True) is None
        assert await actor_id_by_uri(session, remote.uri, local=False) == remote.id
        assert await actor_by_uri(session, "https://b.example/users/nobody") is None
        assert await actor_by_uri(session, None) is None and await actor_id_by_uri(session, "") is None


async def test_actors_by_uris_finds_the_known_ones_once(engine: AsyncEngine) -> None:
    ana = Actor(username="ana", domain=None, uri="http://amity.test/users/ana",
                inbox_url="http://amity.test/users/ana/inbox")
    bo = Actor(username="bo", domain="b.example", uri="https://b.example/users/bo",
               inbox_url="https://b.example/users/bo/inbox")
    async with session_maker(engine)() as session, session.begin():
        session.add_all([ana, bo])
    async with session_maker(engine)() as session:
        found = await actors_by_uris(session, [bo.uri, "https://c.example/nobody", bo.uri, "", ana.uri])
        assert sorted(actor.username for actor in found) == ["ana", "bo"]
        assert await actors_by_uris(session, []) == []
