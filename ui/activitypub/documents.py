"""Statuses rendered as AS2 Notes and Create activities, with what they need loaded in bulk."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from actors.reading.parts import load_parts
from federation import render
from federation.urls import create_activity_uri
from storage.models import Actor, Status
from ui.activitypub import queries


async def notes(session: AsyncSession, author: Actor, statuses: Sequence[Status], *,
                local_domain: str) -> list[dict[str, Any]]:
    """One Note per status (mentions and reply targets loaded in two queries, not per status)."""
    mentions = await queries.mentioned_actors(session, [s.id for s in statuses])
    replies = await queries.reply_targets(session, statuses)
    parts = await load_parts(session, [s.id for s in statuses])
    return [
        render.note_document(status, author, mentioned=mentions[status.id],
                             in_reply_to_uri=replies.get(status.id), local_domain=local_domain,
                             parts=parts[status.id])
        for status in statuses
    ]


def create_of(note: dict[str, Any], status: Status, author: Actor) -> dict[str, Any]:
    """The Create activity that published `status` (at `<status uri>/activity`)."""
    return render.activity("Create", id=create_activity_uri(status.uri), actor=author.uri, obj=note,
                           to=note["to"], cc=note["cc"], published=status.published_at)
