"""The audit log is append-only: the database itself refuses to change or remove an entry."""

from __future__ import annotations

import pytest
from sqlalchemy import delete, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine

from actors.moderation import audit
from storage.db import session_maker
from storage.models import AuditLogEntry


async def test_entries_can_be_added_but_never_changed_or_removed(engine: AsyncEngine) -> None:
    sessions = session_maker(engine)
    async with sessions() as session, session.begin():
        entry = await audit.record(session, audit.operator(), "domain_block.create", "domain",
                                   "spam.example", reason="spam waves", after={"policy": "suspend"})
    for statement in (update(AuditLogEntry).where(AuditLogEntry.id == entry.id).values(reason="no"),
                      delete(AuditLogEntry).where(AuditLogEntry.id == entry.id)):
        with pytest.raises(DBAPIError, match="append-only"):
            async with sessions() as session, session.begin():
                await session.execute(statement)
    async with sessions() as session:
        [kept] = await audit.entries(session, target="spam.example")
        assert (kept.id, kept.reason, kept.actor_label) == (entry.id, "spam waves", entry.actor_label)
        assert kept.actor_label.startswith("cli:") and kept.actor_id is None


async def test_entries_are_read_newest_first_and_by_target(engine: AsyncEngine) -> None:
    sessions = session_maker(engine)
    async with sessions() as session, session.begin():
        for target in ("a.example", "b.example", "a.example"):
            await audit.record(session, audit.operator(), "domain_block.update", "domain", target)
    async with sessions() as session:
        newest = await audit.entries(session, action="domain_block.update")
        assert [e.target for e in newest] == ["a.example", "b.example", "a.example"]
        assert newest[0].id > newest[1].id > newest[2].id
        assert len(await audit.entries(session, target="a.example")) == 2
        older = await audit.entries(session, max_id=newest[0].id, action="domain_block.update")
        assert [e.id for e in older] == [newest[1].id, newest[2].id]
