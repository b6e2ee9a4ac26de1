"""What a stored post adds to what members discover, for local and remote posts by one rule:
its conversation, the direct-message lists, and the tag-use counters behind trends.

*Conversations*: the thread every status belongs to, and the direct-message conversations of
local members (Mastodon's Conversation entity).

A local post joins its parent's conversation or starts one. A remote post joins the
conversation named by its `context` (or `conversation`) when that URI has the post's origin,
else its parent's, else starts one (`conversation_for_remote`). A direct message puts its
conversation, unread, in the lists of its local participants but its author, and read in its
local author's (`record_direct`).

*Tag uses*: a public post by a discoverable account counts, per tag, one use by its author on
the day it was written (`tag_uses`: one row per tag, day and account). Trends read the last
days of these rows (`actors.reading.trends`) instead of scanning statuses.

Everything runs in the caller's transaction.
"""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import delete, exists, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import (
    AccountConversation,
    Actor,
    Block,
    Conversation,
    Mention,
    Status,
    StatusTag,
    TagUse,
    utcnow,
)
from storage.models.base import new_id


async def index_post(session: AsyncSession, status: Status, author: Actor, *,
                     participant_ids: Collection[int] = ()) -> None:
    """A new post (its tags and mentions stored): the direct-message lists of its local
    `participant_ids`, and its tag uses."""
    await record_direct(session, status, participant_ids)
    await count_tag_uses(session, status, author)


def counts_for_trends(status: Status, author: Actor) -> bool:
    """Only public posts of discoverable accounts in good standing feed trends (as Mastodon)."""
    return (status.visibility == "public" and not status.local_only and status.reblog_of_id is None
            and author.discoverable and author.suspended_at is None)


async def count_tag_uses(session: AsyncSession, status: Status, author: Actor) -> None:
    if not counts_for_trends(status, author):
        return
    tag_ids = list((await session.scalars(
        select(StatusTag.tag_id).where(StatusTag.status_id == status.id))).all())
    if not tag_ids:
        return
    day = status.published_at.date()
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    statement = insert(TagUse).values([{"tag_id": t, "day": day, "actor_id": author.id, "uses": 1}
                                       for t in sorted(set(tag_ids))])
    await session.execute(statement.on_conflict_do_update(
        index_elements=["tag_id", "day", "actor_id"], set_={"uses": TagUse.uses + 1}))


def start_conversation(session: AsyncSession, *, uri: str | None = None) -> int:
    """A new conversation, inserted with the caller's next flush (no statement now)."""
    conversation = Conversation(id=new_id(), uri=uri)
    session.add(conversation)
    return conversation.id


def conversation_for_local(session: AsyncSession, parent: Status | None) -> int:
    """A local post's conversation: its parent's, or a new one."""
    if parent is not None and parent.conversation_id is not None:
        return parent.conversation_id
    return start_conversation(session)


async def conversation_for_remote(session: AsyncSession, context_uri: str | None,
                                  parent: Status | None) -> int:
    """A remote post's conversation: the one its (same-origin) context names, else its parent's,
    else a new one. Two jobs naming a new context at once: the second one finds the first's."""
    if context_uri is None:
        return conversation_for_local(session, parent)
    found = await session.scalar(select(Conversation.id).where(Conversation.uri == context_uri))
    if found is not None:
        return found
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    await session.execute(insert(Conversation).values(id=new_id(), uri=context_uri, created_at=utcnow())
                          .on_conflict_do_nothing(index_elements=["uri"]))
    found = await session.scalar(select(Conversation.id).where(Conversation.uri == context_uri))
    assert found is not None  # inserted now, or by another job meanwhile
    return found


async def record_direct(session: AsyncSession, status: Status, participant_ids: Collection[int]) -> None:
    """A direct message was stored: the conversation moves to it in each local participant's
    list (`participant_ids`: local accounts only; the author's own copy is read), except for
    participants who block its author."""
    if status.visibility != "direct" or status.conversation_id is None or not participant_ids:
        return
    blocking = set((await session.scalars(select(Block.actor_id).where(
        Block.actor_id.in_(list(participant_ids)), Block.target_id == status.actor_id))).all())
    wanted = sorted(set(participant_ids) - blocking)
    if not wanted:
        return
    present = {row.actor_id: row for row in (await session.scalars(select(AccountConversation).where(
        AccountConversation.conversation_id == status.conversation_id,
        AccountConversation.actor_id.in_(wanted)))).all()}
    now = utcnow()
    for actor_id in wanted:
        row = present.get(actor_id)
        if row is None:
            row = AccountConversation(actor_id=actor_id, conversation_id=status.conversation_id)
            session.add(row)
        if row.last_status_id is None or row.last_status_id < status.id:
            row.last_status_id = status.id
        row.unread = actor_id != status.actor_id
        row.updated_at = now
    await session.flush()


async def mark_conversation_read(session: AsyncSession, actor_id: int, conversation_id: int
                                 ) -> AccountConversation | None:
    row = await session.get(AccountConversation, (actor_id, conversation_id))
    if row is not None:
        row.unread = False
        await session.flush()
    return row


async def remove_conversation(session: AsyncSession, actor_id: int, conversation_id: int) -> bool:
    """Take a conversation out of a member's list (its statuses stay). False if it was not there."""
    result = await session.execute(delete(AccountConversation).where(
        AccountConversation.actor_id == actor_id, AccountConversation.conversation_id == conversation_id))
    return bool(getattr(result, "rowcount", 0))



async def repair_conversations(session: AsyncSession, actor_id: int) -> None:
    """A member's conversations whose newest message was deleted (the row's `last_status_id` went
    null, by whichever path deleted it) move to their newest remaining one, or leave the list.
    One probe when there is nothing to repair."""
    broken = (AccountConversation.actor_id == actor_id, AccountConversation.last_status_id.is_(None))
    if await session.scalar(select(AccountConversation.conversation_id).where(*broken).limit(1)) is None:
        return
    theirs = exists().where(Mention.status_id == Status.id, Mention.actor_id == actor_id)
    newest = (select(func.max(Status.id)).where(
        Status.conversation_id == AccountConversation.conversation_id, Status.visibility == "direct",
        (Status.actor_id == actor_id) | theirs).scalar_subquery())
    await session.execute(update(AccountConversation).where(*broken).values(last_status_id=newest)
                          .execution_options(synchronize_session=False))
    await session.execute(delete(AccountConversation).where(*broken))
