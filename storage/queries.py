"""Queries the upper layers share, each written once: plain `async def f(session, ...)` helpers.

- *actors*: finding an actor by its ActivityPub id (URI);

- *domain rules* as federation sees them: may we talk to this server at all? And as media
  does: does a rule say to keep no media from this domain?
- *inbox items* and their processing jobs, inserted many at once: one function, one variant
  per engine.

A group commit of the inbox (`inbox.receive`) stores every new item and queues its job in one
transaction. On SQLite the whole transaction is plain SQL on the direct connection, in one
thread hop (`storage.round_trips.SqliteDirect`); on PostgreSQL two `unnest` statements on the asyncpg
connection, repeats skipped by ON CONFLICT; any other engine goes through SQLAlchemy Core.
"""

from __future__ import annotations

import functools
import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import ColumnElement, Table, insert, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from storage import queue, settings
from storage.domain_names import normalize_domain
from storage.models import Actor, DomainRule, InboxItem, PolicyRule, utcnow
from storage.models.base import new_id
from storage.round_trips import SqliteDirect, sqlite_datetime


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


async def actors_by_uris(session: AsyncSession, uris: Iterable[str]) -> list[Actor]:
    """The actors we know among `uris` (in no particular order; unknown ones are left out)."""
    wanted = list(dict.fromkeys(uri for uri in uris if uri))
    if not wanted:
        return []
    return list((await session.scalars(select(Actor).where(Actor.uri.in_(wanted)))).all())


@functools.lru_cache(maxsize=4096)
def parent_domains(domain: str) -> tuple[str, ...]:
    """`a.b.example:8443` → [`a.b.example:8443`, `a.b.example`, `b.example`, `example`]:
    a rule on a domain covers its subdomains (as Mastodon's domain blocks do). Any spelling
    of `domain` is accepted (`A.B.Example.:443`); the answer is canonical, as stored rules are."""
    domain = normalize_domain(domain)
    host = domain.split(":")[0] if not domain.startswith("[") else domain
    labels = host.split(".")
    found = [domain] if domain != host else []
    found += [".".join(labels[i:]) for i in range(len(labels))]
    return tuple(found)


async def policy_for(session: AsyncSession, domain: str) -> str | None:
    """The most specific rule's policy (suspend, silence, allow), or None."""
    candidates = parent_domains(domain)
    rows = dict((await session.execute(
        select(DomainRule.domain, DomainRule.policy).where(DomainRule.domain.in_(candidates))
    )).all())
    for candidate in candidates:
        if candidate in rows:
            return rows[candidate]
    return None


def refusal(domain: str, policy: str | None, *, allowlist: bool) -> str | None:
    """The one rule: why `domain`, whose most specific rule is `policy`, is refused, or None."""
    if policy == "suspend":
        return f"{domain} is suspended on this server"
    if policy != "allow" and allowlist:
        return f"{domain} is not a partner of this server (allowlist mode)"
    return None


async def federation_refused(session: AsyncSession, domain: str) -> str | None:
    """Why this node must not exchange anything with `domain`, or None if it may."""
    return refusal(domain, await policy_for(session, domain),
                   allowlist=await settings.get(session, "federation_mode") == "allowlist")


@dataclass(frozen=True)
class NewInboxItem:
    activity_id: str  # the unique key: a repeat of one stored before is not inserted
    actor_uri: str
    signer_uri: str
    body: dict[str, Any]  # the activity
    text: str  # the body as received (valid JSON), stored as is where the driver allows


async def insert_inbox_items(engine: AsyncEngine, direct: SqliteDirect | None, items: Sequence[NewInboxItem],
                             *, job_kind: str) -> list[int | None]:
    """Insert the items, each with a `job_kind` job `{"item_id": id}`, in one transaction.

    Returns each item's new id, or None for a repeat (stored before, or earlier in `items`).
    Another process storing one of them meanwhile raises IntegrityError (PostgreSQL skips it).
    """
    if direct is not None:  # SQLite: the whole transaction in one thread hop
        return await direct.transaction(functools.partial(_insert_sqlite, items, job_kind))
    if engine.dialect.name == "postgresql":
        return await _insert_postgresql(engine, items, job_kind)
    async with engine.begin() as conn:  # Core: no ORM session for a hot path
        seen = set((await conn.execute(select(InboxItem.activity_id).where(
            InboxItem.activity_id.in_({i.activity_id for i in items})))).scalars().all())
        new, results = _new_items(items, seen)
        if new:
            await conn.execute(insert(cast(Table, InboxItem.__table__)), [
                {"id": item_id, "activity_id": i.activity_id, "actor_uri": i.actor_uri,
                 "signer_uri": i.signer_uri, "body": i.body} for item_id, i in new])
            await queue.enqueue_many(conn, job_kind, [{"item_id": item_id} for item_id, _ in new])
    return results


_POSTGRESQL_INSERT_ITEMS = (
    "INSERT INTO inbox_items (id, activity_id, actor_uri, signer_uri, body, received_at) "
    "SELECT id, activity_id, actor_uri, signer_uri, body, $6 FROM unnest($1::bigint[], $2::text[], "
    "$3::text[], $4::text[], $5::json[]) AS t(id, activity_id, actor_uri, signer_uri, body) "
    "ON CONFLICT (activity_id) DO NOTHING RETURNING id")


async def _insert_postgresql(engine: AsyncEngine, items: Sequence[NewInboxItem], job_kind: str
                             ) -> list[int | None]:
    """`insert_inbox_items` as two statements on the asyncpg connection: a repeat (stored before,
    by another process meanwhile, or twice in this batch) is skipped by ON CONFLICT, not looked up."""
    new, results = _new_items(items, set())
    async with engine.connect() as conn:
        raw: Any = (await conn.get_raw_connection()).driver_connection  # an asyncpg.Connection
        async with raw.transaction():
            stored = {row[0] for row in await raw.fetch(
                _POSTGRESQL_INSERT_ITEMS, [item_id for item_id, _ in new], [i.activity_id for _, i in new],
                [i.actor_uri for _, i in new], [i.signer_uri for _, i in new], [i.text for _, i in new],
                utcnow())}
            jobs = [{"item_id": item_id} for item_id, _ in new if item_id in stored]
            await queue.enqueue_many_asyncpg(raw, job_kind, jobs)
    return [r if r in stored else None for r in results]


def _new_items(items: Sequence[NewInboxItem], seen: set[str]
               ) -> tuple[list[tuple[int, NewInboxItem]], list[int | None]]:
    """(id, item) of each item to insert, and each item's result: its new id, or None for a repeat."""
    new: list[tuple[int, NewInboxItem]] = []
    results: list[int | None] = []
    for item in items:
        if item.activity_id in seen:  # stored before, or earlier in this very batch
            results.append(None)
            continue
        seen.add(item.activity_id)
        item_id = new_id()
        new.append((item_id, item))
        results.append(item_id)
    return new, results


_SQLITE_INSERT_ITEM = ("INSERT INTO inbox_items (id, activity_id, actor_uri, signer_uri, body, received_at) "
                       "VALUES (?, ?, ?, ?, ?, ?)")


def _insert_sqlite(items: Sequence[NewInboxItem], job_kind: str, conn: sqlite3.Connection
                   ) -> list[int | None]:
    """`insert_inbox_items` as plain SQL, run on the direct connection's thread; the body is
    stored as received (it is valid JSON), not encoded again."""
    distinct = list({i.activity_id for i in items})
    placeholders = ",".join("?" * len(distinct))
    seen = {row[0] for row in conn.execute(
        f"SELECT activity_id FROM inbox_items WHERE activity_id IN ({placeholders})", distinct)}
    new, results = _new_items(items, seen)
    received_at = sqlite_datetime(utcnow())
    conn.executemany(_SQLITE_INSERT_ITEM, [(item_id, i.activity_id, i.actor_uri, i.signer_uri, i.text,
                                            received_at) for item_id, i in new])
    queue.enqueue_many_sqlite(conn, job_kind, [{"item_id": item_id} for item_id, _ in new])
    return results


async def media_rejected(session: AsyncSession, *domains: str | None) -> bool:
    """True if a rule on any of `domains` (or a parent of one) has `reject_media`."""
    return await _rule_flag(session, DomainRule.reject_media, domains)


async def reports_rejected(session: AsyncSession, domain: str | None) -> bool:
    """True if a rule on `domain` (or a parent of it) has `reject_reports`: its Flags are dropped."""
    return await _rule_flag(session, DomainRule.reject_reports, (domain,))


async def _rule_flag(session: AsyncSession, flag: Any, domains: Iterable[str | None]) -> bool:
    candidates = {c for d in domains if d for c in parent_domains(d)}
    if not candidates:
        return False
    found = await session.scalar(select(DomainRule.domain).where(
        DomainRule.domain.in_(candidates), flag.is_(True)).limit(1))
    return found is not None


async def policy_rules_in_order(session: AsyncSession, *, enabled_only: bool = False) -> Sequence[PolicyRule]:
    """The rules for incoming posts, in the order they run (the inbox applies the enabled ones)."""
    query = select(PolicyRule).order_by(PolicyRule.position, PolicyRule.id)
    if enabled_only:
        query = query.where(PolicyRule.enabled.is_(True))
    return (await session.scalars(query)).all()
