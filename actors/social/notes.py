"""Private notes a member keeps on accounts (Mastodon's AccountNote): seen only by their author,
as `note` in the Relationship entity."""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.errors import Invalid
from storage.models import AccountNote, Actor

MAX_NOTE_CHARS = 2000  # Mastodon's


async def set_note(session: AsyncSession, author: Actor, target: Actor, comment: str) -> None:
    """Keep `comment` as the member's note on `target`; an empty one removes it."""
    comment = comment.strip()
    if len(comment) > MAX_NOTE_CHARS:
        raise Invalid(f"Validation failed: Comment is too long (maximum is {MAX_NOTE_CHARS} characters)")
    row = await session.scalar(select(AccountNote).where(AccountNote.actor_id == author.id,
                                                         AccountNote.target_id == target.id))
    if not comment:
        await session.execute(delete(AccountNote).where(AccountNote.actor_id == author.id,
                                                        AccountNote.target_id == target.id))
    elif row is None:
        session.add(AccountNote(actor_id=author.id, target_id=target.id, comment=comment))
    else:
        row.comment = comment
    await session.flush()


async def notes_on(session: AsyncSession, author_id: int, target_ids: Collection[int]) -> dict[int, str]:
    rows = await session.execute(select(AccountNote.target_id, AccountNote.comment).where(
        AccountNote.actor_id == author_id, AccountNote.target_id.in_(list(target_ids))))
    return {target: comment for target, comment in rows.all()}
