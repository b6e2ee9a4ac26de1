"""Finding an actor by its ActivityPub id (URI): the one place that query is written."""

from __future__ import annotations

from sqlalchemy import ColumnElement, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Actor


def _by_uri(uri: str, local: bool | None) -> list[ColumnElement[bool]]:
    conditions = [Actor.uri == uri]
    if local is not None:
        conditions.append(Actor.domain.is_(None) if local else Actor.domain.is_not(None))
    return conditions


async def actor_by_uri(session: AsyncSession, uri: str | None, *, local: bool | None = None) -> Actor | None:
    """The actor whose id is `uri` (only a local one, or only a remote one, when `local` says so)."""
    if not uri:
        return None
    return await session.scalar(select(Actor).where(*_by_uri(uri, local)))


async def actor_id_by_uri(session: AsyncSession, uri: str | None, *, local: bool | None = None) -> int | None:
    """`actor_by_uri`'s id only, without loading the row."""
    if not uri:
        return None
    return await session.scalar(select(Actor.id).where(*_by_uri(uri, local)))
