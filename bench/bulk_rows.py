"""Chunked bulk inserts for seeding benchmark databases: each table's Python-side defaults
filled in as the ORM would, Core executemany on SQLite, COPY on PostgreSQL."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import JSON, Table, insert
from sqlalchemy.ext.asyncio import AsyncConnection

CHUNK = 20_000  # rows per executemany on SQLite


def _defaults(table: Table) -> dict[str, Any]:
    """Python-side defaults of a table's columns, as the ORM would fill them (Core executemany
    needs every row to carry the same keys)."""
    values: dict[str, Any] = {}
    for column in table.columns:
        default = column.default
        if default is None:
            continue
        arg = getattr(default, "arg", None)
        if getattr(default, "is_scalar", False):
            values[column.name] = arg
        elif callable(arg):
            values[column.name] = arg(None)
    return values


class Writer:
    """Chunked inserts with each table's defaults filled in: Core executemany on SQLite, COPY
    (asyncpg `copy_records_to_table`) on PostgreSQL."""

    def __init__(self, conn: AsyncConnection) -> None:
        self.conn = conn
        self.counts: dict[str, int] = {}
        self._defaults: dict[str, dict[str, Any]] = {}
        self._copy: Any = None

    async def start(self) -> None:
        if self.conn.dialect.name == "postgresql":
            raw = await self.conn.get_raw_connection()
            self._copy = raw.driver_connection  # the asyncpg connection, inside our transaction

    async def rows(self, model: Any, rows: list[dict[str, Any]]) -> None:
        if not rows:
            return
        table: Table = model.__table__
        defaults = self._defaults.setdefault(table.name, _defaults(table))
        full = [{**defaults, **row} for row in rows]
        if self._copy is not None:
            await self._copy_rows(table, full)
        else:
            for start in range(0, len(full), CHUNK):
                await self.conn.execute(insert(table), full[start:start + CHUNK])
        self.counts[table.name] = self.counts.get(table.name, 0) + len(rows)

    async def _copy_rows(self, table: Table, rows: list[dict[str, Any]]) -> None:
        columns = [c.name for c in table.columns if c.name in rows[0]]
        as_json = {c.name for c in table.columns if isinstance(c.type, JSON)}
        records = [tuple(json.dumps(row[c]) if c in as_json and row[c] is not None else row[c]
                         for c in columns) for row in rows]
        await self._copy.copy_records_to_table(table.name, records=records, columns=columns)
