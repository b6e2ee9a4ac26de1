"""A muted conversation silences notifications from anywhere in a deep thread, in a number of
queries that does not grow with the thread's depth (one recursive query for the chain)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event, select
from sqlalchemy.ext.asyncio import AsyncEngine

from actors.social import relations
from actors.social.muting import silenced_for, thread_root
from federation.services import Services
from storage.models import Actor, ConversationMute, Status
from tests.actors.factories import add, local_actor, seed

DEPTH = 30


@contextmanager
def counted(engine: AsyncEngine) -> Iterator[list[str]]:
    statements: list[str] = []

    def count(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        statements.append(statement)

    event.listen(engine.sync_engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", count)


async def _thread(engine: AsyncEngine, author: Actor, depth: int) -> list[Status]:
    """A root and `depth` replies, each to the one before."""
    chain: list[Status] = []
    for level in range(depth + 1):
        status = Status(uri=f"https://a.example/s/{level}", actor_id=author.id, local=True,
                        content=f"level {level}", in_reply_to_id=chain[-1].id if chain else None)
        await add(engine, status)
        chain.append(status)
    return chain


async def test_a_muted_conversation_is_found_from_the_deepest_reply_in_one_query(
        services: Services, engine: AsyncEngine, author: Actor) -> None:
    reader, other = local_actor("rea"), local_actor("oth")
    await seed(engine, reader, other)
    chain = await _thread(engine, author, DEPTH)
    deepest = chain[-1]
    async with services.sessions() as session, session.begin():
        assert (await thread_root(session, deepest)).id == chain[0].id
        await relations.mute_conversation(session, reader, chain[DEPTH // 2])
    async with services.sessions() as session:
        muted = await session.scalar(select(ConversationMute.status_id))
    assert muted == chain[0].id  # kept on the root
    async with services.sessions() as session:
        with counted(engine) as statements:
            silenced = await silenced_for(session, reader, author, "favourite", deepest.id)
            heard = await silenced_for(session, other, author, "favourite", deepest.id)
    assert silenced is True and heard is False
    assert len(statements) == 4, statements  # per call: the account mute, the conversation chain
    async with services.sessions() as session:
        with counted(engine) as statements:
            assert (await thread_root(session, deepest)).id == chain[0].id
    assert len(statements) == 1


async def test_a_mute_on_another_thread_does_not_silence(
        services: Services, engine: AsyncEngine, author: Actor) -> None:
    reader = local_actor("rea")
    await seed(engine, reader)
    chain = await _thread(engine, author, 3)
    lone = Status(uri="https://a.example/lone", actor_id=author.id, local=True, content="lone")
    await add(engine, lone)
    async with services.sessions() as session, session.begin():
        await relations.mute_conversation(session, reader, lone)
    async with services.sessions() as session:
        assert not await silenced_for(session, reader, author, "mention", chain[-1].id)
        assert await silenced_for(session, reader, author, "mention", lone.id)
        assert not await silenced_for(session, reader, author, "follow", lone.id)  # not a thread notification
