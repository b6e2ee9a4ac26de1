"""A suspended local account's data, deleted once the grace period ends.

Suspending queues one `account.delete_data` job to run after `limits.suspension_grace_seconds`
(30 days by default, as Mastodon). When it runs it checks the account is still suspended
from the same moment (unsuspending, or suspending again, makes an older job do nothing), then,
in one transaction: queues the account's `Delete` to every known inbox
(`actors.outgoing.actor_delete`), deletes what the account wrote and everything that points
at it (statuses, media and their files, follows, blocks, favourites, notifications, lists,
its login), empties its profile and marks it deleted. The actor row and its key stay, so the
`Delete` is signed and its name is not taken again; reports and warnings about it stay too.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from actors.media.uploads import forget_files
from actors.moderation.audit import Staff, record
from actors.outgoing.actor_delete import send_actor_delete
from federation.render import iso
from storage import queue
from storage.config import NodeConfig
from storage.models import Actor, Base, MediaAttachment, utcnow
from storage.worker import GiveUp, JobContext

log = logging.getLogger("amity.moderation")
DELETE_DATA_KIND = "account.delete_data"
GRACE_PERIOD = Staff(None, "system:suspension", "owner")  # who the audit log says deleted the data
KEPT = frozenset({"actors", "reports", "account_warnings"})  # kept for moderators and the name


async def schedule_data_deletion(session: AsyncSession, config: NodeConfig, actor: Actor, *,
                                 now: bool = False) -> int:
    """Queue the deletion for when the grace period ends (or at once), in the caller's transaction."""
    assert actor.suspended_at is not None
    delay = 0 if now else config.limits.suspension_grace_seconds
    return await queue.enqueue(session, DELETE_DATA_KIND,
                               {"actor_id": actor.id, "suspended_at": iso(actor.suspended_at)},
                               delay_seconds=delay)


async def run_delete_data(ctx: JobContext) -> None:
    payload = ctx.payload
    if not isinstance(payload, dict) or not isinstance(payload.get("actor_id"), int):
        raise GiveUp(f"malformed payload: {payload!r}")
    config = ctx.deps.config
    async with ctx.deps.sessions() as session, session.begin():
        actor = await session.get(Actor, payload["actor_id"])
        if not _still_due(actor, payload.get("suspended_at")):
            return
        assert actor is not None
        files = await delete_data(session, actor)
        await record(session, GRACE_PERIOD, "account.data_deleted", "account", actor.username)
    forget_files(config, files)
    log.info("account.data_deleted", extra={"actor_id": actor.id})


def _still_due(actor: Actor | None, suspended_at: Any) -> bool:
    if actor is None or actor.domain is not None or actor.deleted_at is not None:
        return False
    return actor.suspended_at is not None and iso(actor.suspended_at) == suspended_at


async def delete_data(session: AsyncSession, actor: Actor) -> list[str | None]:
    """Send the `Delete`, delete the account's data; the blob keys to forget after commit."""
    await send_actor_delete(session, actor)
    media = (await session.execute(select(MediaAttachment.file_key, MediaAttachment.thumbnail_key,
                                          MediaAttachment.small_key)
                                   .where(MediaAttachment.actor_id == actor.id))).all()
    files: list[str | None] = [key for row in media for key in row]
    files += [actor.avatar_blob, actor.header_blob]
    for table in reversed(Base.metadata.sorted_tables):
        if table.name in KEPT:
            continue
        for fk in table.foreign_keys:
            if fk.column.table.name == "actors" and fk.column.name == "id":
                await session.execute(delete(table).where(fk.parent == actor.id))
    _empty_profile(actor, utcnow())
    return files


def _empty_profile(actor: Actor, when: datetime) -> None:
    actor.display_name, actor.note, actor.fields, actor.also_known_as = "", "", [], []
    actor.avatar_url = actor.header_url = actor.avatar_blob = actor.header_blob = None
    actor.moved_to_id = None
    actor.deleted_at = actor.updated_at = when
