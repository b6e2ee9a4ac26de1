"""Declarative base, shared column types and naming conventions, and the ids of every row.

*Ids* (`new_id`) are time-sortable 64 bits, safe to generate in several processes at once.

Layout (63 bits, so ids stay positive in a signed BIGINT):
    42 bits  milliseconds since 2020-01-01 UTC (good until 2159)
    10 bits  process tag: unique among running processes on PostgreSQL (taken from a
             database sequence at start-up by `storage.db.claim_process_tag`), random otherwise
    11 bits  sequence within the millisecond (2,048 ids/ms; beyond that the clock is borrowed)

Within a process ids strictly increase; two processes never produce the same id while their
tags differ. Remote statuses take their id from `published` (`id_for_time`, random low
bits), so timelines order by when a post was written rather than when it arrived.
"""

from __future__ import annotations

import secrets
import threading
import time
from datetime import UTC, datetime

from sqlalchemy import BigInteger, DateTime, Integer, MetaData, TypeDecorator
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, validates

from storage.domain_names import normalize_domain

# Stable constraint names, so migrations are the same on SQLite and PostgreSQL.
NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on both engines (SQLite stores naive text)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTCDateTime column")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


# 64-bit ids everywhere; on SQLite the column is declared INTEGER so that an `id` primary key
# is the table's rowid (a separate unique index on a BIGINT key would double every write).
ID_INTEGER = BigInteger().with_variant(Integer(), "sqlite")


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {int: ID_INTEGER, datetime: UTCDateTime}


def utcnow() -> datetime:
    return datetime.now(UTC)


__all__ = ["Base", "UTCDateTime", "new_id", "utcnow"]


class CanonicalDomain:
    """Mixin for rows with a `domain` column: whatever spelling is assigned, the canonical one
    (`storage.domain_names.normalize_domain`) is stored; an invalid domain raises `InvalidDomain`."""

    @validates("domain")
    def _canonical_domain(self, key: str, value: str | None) -> str | None:
        return None if value is None else normalize_domain(value)


EPOCH_MS = 1_577_836_800_000  # 2020-01-01T00:00:00Z
TAG_BITS = 10
SEQ_BITS = 11
_LOW_BITS = TAG_BITS + SEQ_BITS
_SEQ_MAX = (1 << SEQ_BITS) - 1

_lock = threading.Lock()
_tag = secrets.randbits(TAG_BITS)
_last_ms = 0
_seq = 0


def set_process_tag(tag: int) -> None:
    """Use `tag` (taken modulo 1,024) for the ids this process makes from now on."""
    global _tag
    with _lock:
        _tag = tag % (1 << TAG_BITS)


def process_tag() -> int:
    return _tag


def new_id() -> int:
    """A new id for a row created now; strictly greater than the last one from this process."""
    global _last_ms, _seq
    with _lock:
        ms = time.time_ns() // 1_000_000 - EPOCH_MS
        if ms > _last_ms:
            _last_ms, _seq = ms, 0
        elif _seq < _SEQ_MAX:
            _seq += 1
        else:  # 2,048 ids in one millisecond (or the clock went back): borrow the next one
            _last_ms, _seq = _last_ms + 1, 0
        return (_last_ms << _LOW_BITS) | (_tag << SEQ_BITS) | _seq


def id_for_time(when: datetime, *, not_after: datetime | None = None) -> int:
    """An id placed at `when` (clamped to `not_after`), for rows that carry their own time."""
    if not_after is not None and when > not_after:
        when = not_after
    ms = max(int(when.timestamp() * 1000) - EPOCH_MS, 0)
    return (ms << _LOW_BITS) | secrets.randbits(_LOW_BITS)


def min_id_for_time(when: datetime) -> int:
    """The smallest id at `when`: a lower bound for id-range queries by time."""
    return max(int(when.timestamp() * 1000) - EPOCH_MS, 0) << _LOW_BITS


def id_time_ms(value: int) -> int:
    """Unix milliseconds encoded in an id."""
    return (value >> _LOW_BITS) + EPOCH_MS
