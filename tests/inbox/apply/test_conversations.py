"""Remote posts join a conversation: the one their same-origin `context` names, else their
parent's, else a new one; a remote direct message reaches the local recipient's list unread."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from federation.services import Services
from inbox.apply.statuses import context_of, parse_status, store_status
from storage.models import AccountConversation, Actor, Block, Conversation, Status
from tests.actors.factories import add, remote_actor, seed

PUBLIC = "https://www.w3.org/ns/activitystreams#Public"


def note(author: Actor, number: int, **fields: Any) -> dict[str, Any]:
    return {"id": f"{author.uri}/notes/{number}", "type": "Note", "attributedTo": author.uri,
            "content": "<p>hi</p>", "to": [PUBLIC], **fields}


async def receive(services: Services, author: Actor, doc: dict[str, Any]) -> Status:
    async with services.sessions() as session, session.begin():
        status = await store_status(session, parse_status(doc, author), author)
    assert status is not None
    return status


async def test_posts_naming_the_same_context_share_a_conversation(services: Services,
                                                                 engine: AsyncEngine) -> None:
    rita = remote_actor("rita", "remote.example")
    await seed(engine, rita)
    context = "https://remote.example/contexts/7"
    first = await receive(services, rita, note(rita, 1, context=context))
    second = await receive(services, rita, note(rita, 2, context={"id": context, "type": "Collection"}))
    other = await receive(services, rita, note(rita, 3))
    assert first.conversation_id == second.conversation_id is not None
    assert other.conversation_id not in (None, first.conversation_id)
    async with services.sessions() as session:
        assert await session.scalar(select(Conversation.uri).where(
            Conversation.id == first.conversation_id)) == context


async def test_a_reply_without_context_joins_its_parents_conversation(services: Services,
                                                                       engine: AsyncEngine) -> None:
    rita = remote_actor("rita", "remote.example")
    await seed(engine, rita)
    parent = await receive(services, rita, note(rita, 1))
    reply = await receive(services, rita, note(rita, 2, inReplyTo=parent.uri))
    assert reply.conversation_id == parent.conversation_id is not None


async def test_a_context_on_another_server_is_ignored(services: Services, engine: AsyncEngine) -> None:
    rita = remote_actor("rita", "remote.example")
    await seed(engine, rita)
    parent = await receive(services, rita, note(rita, 1))
    hijack = note(rita, 2, inReplyTo=parent.uri, context="https://elsewhere.example/contexts/1")
    assert context_of(hijack, hijack["id"]) is None
    reply = await receive(services, rita, hijack)
    assert reply.conversation_id == parent.conversation_id
    async with services.sessions() as session:
        assert await session.scalar(select(Conversation.id).where(
            Conversation.uri == "https://elsewhere.example/contexts/1")) is None


def test_mastodon_tag_uris_count_as_the_same_origin() -> None:
    doc = {"id": "https://remote.example/users/rita/statuses/1",
           "conversation": "tag:remote.example,2024-01-01:objectId=5:objectType=Conversation"}
    assert context_of(doc, doc["id"]) == doc["conversation"]
    assert context_of({**doc, "conversation": "tag:evil.example,2024:objectId=5"}, doc["id"]) is None


async def test_a_direct_message_lands_unread_in_the_recipients_conversations(
        services: Services, engine: AsyncEngine, author: Actor) -> None:
    rita = remote_actor("rita", "remote.example")
    await seed(engine, rita)
    dm = await receive(services, rita, note(rita, 1, to=[author.uri],
                                            tag=[{"type": "Mention", "href": author.uri}]))
    async with services.sessions() as session:
        rows = (await session.scalars(select(AccountConversation))).all()
    assert [(r.actor_id, r.conversation_id, r.last_status_id, r.unread) for r in rows] == [
        (author.id, dm.conversation_id, dm.id, True)]


async def test_a_direct_message_from_a_blocked_account_makes_no_conversation(
        services: Services, engine: AsyncEngine, author: Actor) -> None:
    rita = remote_actor("rita", "remote.example")
    await seed(engine, rita)
    await add(engine, Block(actor_id=author.id, target_id=rita.id, uri="https://amity.test/blocks/1"))
    await receive(services, rita, note(rita, 1, to=[author.uri]))
    async with services.sessions() as session:
        assert (await session.scalars(select(AccountConversation))).all() == []


@pytest.mark.parametrize("context", [
    12345, None, [], {"id": None}, [{"id": 5}], "not a url", "https://remote.example/" + "c" * 3000,
    "tag:,2024:objectId=1", "tag:remote.example", "javascript:alert(1)",
])
def test_unusable_contexts_are_ignored(context: Any) -> None:
    doc = {"id": "https://remote.example/users/rita/statuses/1", "context": context}
    assert context_of(doc, doc["id"]) is None
