"""Declarative base, shared column types and naming conventions."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import BigInteger, DateTime, Integer, MetaData, TypeDecorator
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, validates

from storage.domain_names import normalize_domain
from storage.ids import new_id

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
