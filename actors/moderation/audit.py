"""The audit log: every moderation action and settings change, append-only.

Each entry says who (a staff account, or the operator at the CLI), what (`action`, e.g.
`domain_block.create`), to which target, when, and why. Entries are only ever added, in the
same transaction as the change they record (so there is no change without its entry); the
database refuses to update or delete them (migration 0020).
"""

from __future__ import annotations

import getpass
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Table, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from actors.moderation.permissions import can
from storage.errors import Forbidden
from storage.models import Actor, AuditLogEntry, utcnow
from storage.models.base import new_id

_LOG: Table = AuditLogEntry.__table__  # type: ignore[assignment]  # Core inserts for bulk changes


@dataclass(frozen=True)
class Staff:
    """Who acts: a staff account (`actor_id` set), or the operator at the CLI (`actor_id` None)."""

    actor_id: int | None
    label: str
    role: str  # what they may do (`actors.moderation.permissions`); the operator is the owner


def require(staff: Staff, permission: str) -> None:
    """Forbidden unless `staff`'s role has `permission` (the API checks it too, at the route)."""
    if not can(staff.role, permission):
        raise Forbidden(f"{staff.label} may not do this (it needs the {permission} permission)")


def staff_account(actor: Actor, role: str) -> Staff:
    return Staff(actor.id, f"@{actor.username}", role)


def operator() -> Staff:
    """The person at the node's command line, named by their system user."""
    try:
        name = getpass.getuser()
    except (KeyError, OSError):  # no user name in this environment (some containers)
        name = "unknown"
    return Staff(None, f"cli:{name}", "owner")


async def record(session: AsyncSession, staff: Staff, action: str, target_type: str, target: str, *,
                 reason: str = "", **details: Any) -> AuditLogEntry:
    """Add one entry, in the caller's transaction."""
    entry = AuditLogEntry(actor_id=staff.actor_id, actor_label=staff.label, action=action,
                          target_type=target_type, target=target, reason=reason, details=details)
    session.add(entry)
    await session.flush()
    return entry


async def record_many(session: AsyncSession, staff: Staff, entries_: Sequence[dict[str, Any]]) -> None:
    """Add many entries at once (`action`, `target_type`, `target`, `reason`, `details` each),
    in the caller's transaction: for bulk changes such as a blocklist import."""
    if entries_:
        now = utcnow()
        await session.execute(insert(_LOG), [
            {"id": new_id(), "actor_id": staff.actor_id, "actor_label": staff.label, "created_at": now,
             "reason": "", "details": {}, **entry} for entry in entries_])


async def entries(session: AsyncSession, *, limit: int = 100, max_id: int | None = None,
                  action: str | None = None, target: str | None = None) -> Sequence[AuditLogEntry]:
    """The newest entries first (below `max_id` when paging), optionally of one action or target."""
    query = select(AuditLogEntry).order_by(AuditLogEntry.id.desc()).limit(limit)
    if max_id is not None:
        query = query.where(AuditLogEntry.id < max_id)
    if action is not None:
        query = query.where(AuditLogEntry.action == action)
    if target is not None:
        query = query.where(AuditLogEntry.target == target)
    return (await session.scalars(query)).all()
